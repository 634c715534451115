/**
 * The local date of an instant in an account's zone, in SQL, without DuckDB's ICU: `timezone()`
 * costs about 1.8 µs a value (1.8 s over a million tickets), while this lookup costs a few
 * comparisons. For each zone the offsets come from the wall-clock module (offsetAt, transitions):
 * per UTC year the offset in force at the year's start and up to four changes within it, written
 * into the query as a constant list; a zone not in the list falls back to ICU.
 */
import { offsetAt, parseZone, transitions } from '../../domain/wall-clock.ts';
import { literal, type Queryable } from '../db/index.ts';

// the range the wall-clock module scans by default (its cache is shared with the imports');
// an instant outside it takes the nearest year's rule
const FIRST = 1990;
const LAST = 2060;
const built = new Map<string, string>();

function zoneYears(zoneName: string): string {
	const cached = built.get(zoneName);
	if (cached) return cached;
	const zone = parseZone(zoneName);
	const all = transitions(zone, FIRST, LAST);
	const years: string[] = [];
	for (let y = FIRST; y <= LAST; y++) {
		const start = Date.UTC(y, 0, 1);
		const end = Date.UTC(y + 1, 0, 1);
		const inYear = all.filter((t) => t.at >= start && t.at < end).slice(0, 4);
		const parts = [`'o0': ${offsetAt(zone, start)}`];
		for (let i = 0; i < 4; i++) {
			const t = inYear[i];
			parts.push(`'t${i + 1}': ${t ? t.at / 1000 : 9e15}`, `'o${i + 1}': ${t ? t.after : 0}`);
		}
		years.push(`{${parts.join(', ')}}`);
	}
	const list = `[${years.join(', ')}]`;
	built.set(zoneName, list);
	return list;
}

const entries = new Map<string, string[]>();

/** A zone's list as one struct text per year, FIRST to LAST. */
function yearEntries(zoneName: string): string[] {
	let e = entries.get(zoneName);
	if (!e) {
		const list = zoneYears(zoneName);
		e = list
			.slice(1, -1)
			.split(/\},\s*\{/)
			.map((x) => `{${x.replace(/^\{/, '').replace(/\}$/, '')}}`);
		if (e.length !== LAST - FIRST + 1)
			throw new Error(`zone list of ${zoneName}: ${e.length} years`);
		entries.set(zoneName, e);
	}
	return e;
}

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;
// what a stored list may contain: numbers, the struct keys and punctuation, nothing else
const LIST_TEXT = /^\[[{}'ot0-9:, .e+-]*\]$/;
const META_KEY = 'local_date_zones';

/**
 * The lists depend only on the zone, the years and the zone data this Node carries; that is the
 * fingerprint they are kept under in the `meta` table.
 */
function fingerprint(): string {
	return `1|${FIRST}-${LAST}|tz ${process.versions.tz ?? '?'}|icu ${process.versions.icu ?? '?'}`;
}

/**
 * Building a zone's list scans 71 years day by day through Intl (about 150 ms a zone): more than
 * a 10,000-ticket recompute costs. The lists are therefore kept in the `meta` table, under the
 * fingerprint of the zone data, and a fresh process reads them back in one query; a zone not kept
 * yet is built and added.
 */
export async function primeLocalDateZones(q: Queryable, zones: string[]): Promise<void> {
	const want = [...new Set(zones)].filter((z) => ZONE_NAME.test(z) && !built.has(z));
	if (!want.length) return;
	const fp = fingerprint();
	let kept: Record<string, string> = {};
	const row = await q.one(`SELECT value FROM meta WHERE key = $1`, [META_KEY]);
	if (row) {
		try {
			const v = JSON.parse(String(row.value)) as {
				fingerprint?: string;
				zones?: Record<string, string>;
			};
			if (v.fingerprint === fp && v.zones) kept = v.zones;
		} catch {
			kept = {};
		}
	}
	let added = false;
	for (const z of want) {
		const text = kept[z];
		if (typeof text === 'string' && LIST_TEXT.test(text)) built.set(z, text);
		else {
			kept[z] = zoneYears(z);
			added = true;
		}
	}
	if (added)
		await q.run(`INSERT OR REPLACE INTO meta VALUES ($1, $2)`, [
			META_KEY,
			JSON.stringify({ fingerprint: fp, zones: kept })
		]);
}

/**
 * The UTC date of a wall-clock reading given as microseconds since the epoch, in integer
 * arithmetic: `CAST(instant + offset AS DATE)` goes through ICU (about a microsecond a value).
 */
function dateOfUs(x: string): string {
	const d = 86_400_000_000;
	return `(DATE '1970-01-01' + CAST(((${x}) // ${d} - CASE WHEN (${x}) % ${d} < 0 THEN 1 ELSE 0 END) AS INTEGER))`;
}

/**
 * SQL for `CAST(timezone(zone, instant) AS DATE)` over the given zones, in two parts so the
 * year's offsets are looked up once a row: `offsets` (a struct, NULL for a zone not listed) goes
 * in one query step, `localDate(col)` in the next. `instant` and `zone` are SQL expressions of
 * ours; zone names are checked to be IANA-like before they enter the text.
 */
export function localDateSql(
	instant: string,
	zone: string,
	zones: string[],
	years?: { from: number; to: number }
): { offsets: string; localDate: (offsetsColumn: string) => string } {
	const known = [...new Set(zones)].filter((z) => ZONE_NAME.test(z));
	// the instant's UTC year, without ICU (year() of a TIMESTAMPTZ goes through it), taken into
	// the range the lists cover as before
	const year = `least(greatest(year(make_timestamp(epoch_us(${instant}))), ${FIRST}), ${LAST})`;
	// only the years the instants can fall in (a constant list costs per row by its length); a
	// year outside them finds no offsets and takes the ICU path, exact all the same
	let lo = FIRST;
	let hi = LAST;
	if (years && Number.isSafeInteger(years.from) && Number.isSafeInteger(years.to)) {
		lo = Math.min(LAST, Math.max(FIRST, years.from));
		hi = Math.max(FIRST, Math.min(LAST, years.to));
		if (lo > hi) [lo, hi] = [FIRST, LAST];
	}
	const list = (z: string) =>
		`[${yearEntries(z)
			.slice(lo - FIRST, hi - FIRST + 1)
			.join(', ')}]`;
	const offsets = known.length
		? `CASE ${zone} ${known.map((z) => `WHEN ${literal(z)} THEN CASE WHEN ${year} BETWEEN ${lo} AND ${hi} THEN list_extract(${list(z)}, ${year} - ${lo - 1}) END`).join(' ')} END`
		: 'NULL';
	const e = `epoch(${instant})`;
	return {
		offsets,
		localDate: (l) =>
			`CASE WHEN ${l} IS NULL THEN CAST(timezone(${zone}, ${instant}) AS DATE) ELSE ${dateOfUs(`epoch_us(${instant}) + 1000000::BIGINT * (CASE WHEN ${e} >= ${l}.t4 THEN ${l}.o4 WHEN ${e} >= ${l}.t3 THEN ${l}.o3 WHEN ${e} >= ${l}.t2 THEN ${l}.o2 WHEN ${e} >= ${l}.t1 THEN ${l}.o1 ELSE ${l}.o0 END)`)} END`
	};
}
