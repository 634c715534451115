/**
 * One rule for turning local wall-clock times into instants, used everywhere (PRODUCT.md R16).
 *
 * Exports often write times without a zone ("2024-10-27 02:30"). Peil reads them in a zone the
 * import names (IANA like Europe/Amsterdam, a fixed offset like +01:00, or UTC) and applies
 * Temporal's "compatible" disambiguation:
 *  - a time in the spring-forward gap does not exist: it moves forward by the length of the gap
 *    (02:30 on the last Sunday of March in Amsterdam becomes 03:30 CEST = 01:30Z);
 *  - an ambiguous time in the autumn fall-back hour takes the EARLIER instant (the first 02:30,
 *    still in summer time = 00:30Z). DuckDB's ICU picks the later one, so the SQL side does not
 *    use DuckDB's zone conversion for this: it joins against `offsetTable()` below.
 *
 * Instants never pass through a JS Date in the host's zone: everything here works in epoch
 * milliseconds and UTC fields, so the result does not depend on the machine's TZ.
 */

export type ZoneSpec =
	| { kind: 'utc'; name: 'UTC' }
	| { kind: 'fixed'; name: string; offsetSeconds: number }
	| { kind: 'iana'; name: string };

/** Parse what a user gives as a zone; throws with a readable message when it is none. */
export function parseZone(input: string): ZoneSpec {
	const z = input.trim();
	if (/^(utc|z|gmt|etc\/utc)$/i.test(z)) return { kind: 'utc', name: 'UTC' };
	const fixed = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(z);
	if (fixed) {
		const secs =
			(Number(fixed[2]) * 3600 + Number(fixed[3] ?? 0) * 60) * (fixed[1] === '-' ? -1 : 1);
		if (Math.abs(secs) > 14 * 3600)
			throw new Error(`"${input}" is not a UTC offset between -14:00 and +14:00`);
		return { kind: 'fixed', name: formatOffset(secs), offsetSeconds: secs };
	}
	try {
		const resolved = new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone;
		return { kind: 'iana', name: resolved };
	} catch {
		throw new Error(
			`"${input}" is not a time zone: give an IANA name such as Europe/Amsterdam, an offset such as +01:00, or UTC`
		);
	}
}

export function formatOffset(seconds: number): string {
	const sign = seconds < 0 ? '-' : '+';
	const a = Math.abs(seconds);
	return `${sign}${String(Math.floor(a / 3600)).padStart(2, '0')}:${String(Math.floor((a % 3600) / 60)).padStart(2, '0')}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
	let f = formatters.get(zone);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone: zone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric'
		});
		formatters.set(zone, f);
	}
	return f;
}

/** The zone's UTC offset in seconds at an instant (epoch ms). */
export function offsetAt(zone: ZoneSpec, epochMs: number): number {
	if (zone.kind === 'utc') return 0;
	if (zone.kind === 'fixed') return zone.offsetSeconds;
	const parts = formatter(zone.name).formatToParts(new Date(epochMs));
	const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
	const asUtc = Date.UTC(
		get('year'),
		get('month') - 1,
		get('day'),
		get('hour'),
		get('minute'),
		get('second')
	);
	const whole = Math.floor(epochMs / 1000) * 1000;
	return Math.round((asUtc - whole) / 1000);
}

/** A wall-clock reading as UTC fields: milliseconds since epoch *as if* it were UTC. */
export type LocalMs = number;

export interface WallClockResult {
	epochMs: number;
	/** 'gap' when the time did not exist and moved forward; 'ambiguous' when it occurred twice */
	adjusted: 'gap' | 'ambiguous' | null;
}

/**
 * The reference implementation of the rule (the SQL version is tested against it):
 * a local reading → the instant, "compatible" disambiguation.
 */
export function wallClockToInstant(local: LocalMs, zone: ZoneSpec): WallClockResult {
	if (zone.kind !== 'iana') return { epochMs: local - offsetAt(zone, 0) * 1000, adjusted: null };
	const day = 86_400_000;
	const before = offsetAt(zone, local - day);
	const after = offsetAt(zone, local + day);
	const candidates = [...new Set([before, after])]
		.map((o) => local - o * 1000)
		.filter((t) => offsetAt(zone, t) * 1000 === local - t)
		.sort((a, b) => a - b);
	if (candidates.length === 0) {
		// In the gap: read with the offset in force before the transition, which lands after it.
		return { epochMs: local - before * 1000, adjusted: 'gap' };
	}
	return { epochMs: candidates[0], adjusted: candidates.length > 1 ? 'ambiguous' : null };
}

/** The wall-clock reading of an instant in the zone, as LocalMs. */
export function instantToWallClock(epochMs: number, zone: ZoneSpec): LocalMs {
	return epochMs + offsetAt(zone, epochMs) * 1000;
}

export interface Transition {
	/** the instant (epoch ms) the new offset starts */
	at: number;
	before: number;
	after: number;
}

const transitionCache = new Map<string, Transition[]>();

/** Every offset change of an IANA zone between two years (inclusive), found by scanning. */
export function transitions(zone: ZoneSpec, fromYear = 1990, toYear = 2060): Transition[] {
	if (zone.kind !== 'iana') return [];
	const key = `${zone.name}|${fromYear}|${toYear}`;
	const cached = transitionCache.get(key);
	if (cached) return cached;
	const out: Transition[] = [];
	const step = 86_400_000;
	let t = Date.UTC(fromYear, 0, 1);
	const end = Date.UTC(toYear + 1, 0, 1);
	let o = offsetAt(zone, t);
	while (t < end) {
		const n = t + step;
		const on = offsetAt(zone, n);
		if (on !== o) {
			let lo = t;
			let hi = n;
			while (hi - lo > 1000) {
				const mid = Math.floor((lo + hi) / 2000) * 1000;
				if (mid <= lo || mid >= hi) break;
				if (offsetAt(zone, mid) === o) lo = mid;
				else hi = mid;
			}
			out.push({ at: hi, before: o, after: on });
		}
		t = n;
		o = on;
	}
	transitionCache.set(key, out);
	return out;
}

export interface OffsetRow {
	/** from this wall-clock reading (LocalMs) on, readings take `offsetSeconds` */
	localFrom: LocalMs;
	offsetSeconds: number;
	/** readings from here to the next row needed the rule: they fell in a gap or an overlap */
	adjusted: 'gap' | 'ambiguous' | null;
}

/**
 * The rule as a lookup table keyed by wall-clock time, for an ASOF join in SQL: a reading r takes
 * the offset of the last row with localFrom <= r, and instant = r - offset.
 * For a transition at instant s from offset a to b, readings from s + min(a, b) to s + max(a, b)
 * keep offset a and are marked: in a gap (b > a) they did not exist and so move forward by the
 * gap; in an overlap (b < a) they occurred twice and a gives the earlier instant. From
 * s + max(a, b) on, offset b applies.
 */
export function offsetTable(zone: ZoneSpec, fromYear = 1990, toYear = 2060): OffsetRow[] {
	const start = Date.UTC(1, 0, 1);
	if (zone.kind !== 'iana')
		return [{ localFrom: start, offsetSeconds: offsetAt(zone, 0), adjusted: null }];
	const rows: OffsetRow[] = [
		{ localFrom: start, offsetSeconds: offsetAt(zone, Date.UTC(fromYear, 0, 1)), adjusted: null }
	];
	for (const t of transitions(zone, fromYear, toYear)) {
		const lo = t.at + Math.min(t.before, t.after) * 1000;
		const hi = t.at + Math.max(t.before, t.after) * 1000;
		rows.push({
			localFrom: lo,
			offsetSeconds: t.before,
			adjusted: t.after > t.before ? 'gap' : 'ambiguous'
		});
		rows.push({ localFrom: hi, offsetSeconds: t.after, adjusted: null });
	}
	return rows;
}

/** 'YYYY-MM-DD HH:MM:SS' of a LocalMs, the text form DuckDB reads as TIMESTAMP. */
export function localText(local: LocalMs): string {
	return new Date(local)
		.toISOString()
		.replace('T', ' ')
		.replace(/\.\d+Z$/, '');
}
