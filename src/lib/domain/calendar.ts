/**
 * Business calendars: the plain, obviously-correct reference (issue 4 "Calendars"; PRODUCT.md
 * R12–R16). The bulk SQL (src/lib/server/sla) is built from and tested against this module.
 *
 * A calendar is a JSON document:
 *   { "timeZone": "Europe/Amsterdam",
 *     "week": { "mon": [["09:00","17:00"]], …, "sat": [], "sun": [] },
 *     "holidays": ["2026-12-25"], "holidaySet": "NL",
 *     "overrides": { "2026-12-24": [["09:00","12:00"]], "2026-12-31": [] } }
 *  - `timeZone`: an IANA name (or a fixed offset, or UTC); absent means Europe/Amsterdam (R16).
 *  - `week`: per day mon..sun a list of half-open windows [start, end) in the calendar's
 *    wall-clock time, "HH:MM"; "24:00" may end a window; several windows a day, not overlapping.
 *    A day left out is closed; an unknown day name is an error.
 *  - `holidays`: local dates closed all day. `holidaySet`: a computed set ("NL", holidays.ts),
 *    with optional `holidaySettings` (goodFriday, liberationDay, substituteDays).
 *  - `overrides`: local date → windows ([] = closed); an override wins over the week, the
 *    holidays and the set.
 *  Other fields (id, name, effectiveFrom, …) are allowed and ignored here.
 *
 * The rule: each local day's windows become instants through wall-clock.ts (Temporal
 * "compatible": a window edge in the spring gap moves forward by the gap; an ambiguous edge in the
 * autumn repeated hour takes the earlier instant). Elapsed time is real seconds between
 * instants, never a wall-clock difference: a 00:00–24:00 window is 23 h on the spring night and
 * 25 h on the autumn night. Where a gap makes two windows' instants overlap (a window ending in the
 * gap, the next starting just after it), the open time is their union: nothing counts twice.
 *
 *  - businessSecondsBetween(cal, from, to): open seconds in [from, to); 0 when to <= from.
 *  - addBusinessSeconds(cal, from, s): the earliest instant at which s seconds of open time have
 *    passed since `from`. A deadline ending exactly at closing time is that closing time;
 *    s = 0 gives `from` itself (even when closed); from a closed instant counting starts at the
 *    next opening. Throws when the calendar never opens again.
 *  - openWindows(cal, from, to): the open windows within [from, to), clipped to it, day by day.
 *  - closedDays(cal, fromDate, toDate): local dates (inclusive range) closed by a holiday, the
 *    set, a substitute day or an override, with the reason — what the explanation shows.
 *
 * No I/O and no dependence on the host's zone: instants are epoch milliseconds, local readings
 * are UTC fields (wall-clock.ts).
 */
import {
	holidaySet,
	isHolidaySetName,
	validateNlHolidaySettings,
	type HolidaySetName,
	type NlHolidaySettings
} from './holidays.ts';
import { instantToWallClock, parseZone, wallClockToInstant, type ZoneSpec } from './wall-clock.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One window of a day, [start, end) in wall-clock minutes since local midnight. */
export interface CalendarWindow {
	start: string;
	end: string;
	startMinute: number;
	endMinute: number;
}

/** A validated calendar (frozen). Build one with parseCalendar. */
export interface Calendar {
	readonly timeZone: string;
	readonly zone: ZoneSpec;
	readonly week: Readonly<Record<Weekday, readonly CalendarWindow[]>>;
	readonly holidays: readonly string[];
	readonly holidaySet: HolidaySetName | null;
	readonly holidaySettings: Readonly<Partial<NlHolidaySettings>>;
	readonly overrides: Readonly<Record<string, readonly CalendarWindow[]>>;
}

export interface OpenWindow {
	start: Date;
	end: Date;
	/** the calendar's local date the window belongs to */
	localDate: string;
	reason: 'week' | 'override';
}

export interface ClosedDay {
	date: string;
	reason: 'holiday' | 'holiday-set' | 'substitute' | 'override';
	name?: string;
}

/** A calendar document that does not validate; `field` is the path of the problem. */
export class CalendarError extends Error {
	constructor(
		readonly field: string,
		problem: string
	) {
		super(`${field}: ${problem}`);
		this.name = 'CalendarError';
	}
}

export const DEFAULT_TIME_ZONE = 'Europe/Amsterdam';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Parsing

function show(v: unknown): string {
	return JSON.stringify(v) ?? String(v);
}

/** 'YYYY-MM-DD' that is a real date → the same string; else null. */
function validDate(x: unknown): string | null {
	if (typeof x !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(x)) return null;
	const ms = Date.parse(x + 'T00:00:00Z');
	if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== x) return null;
	return x;
}

function parseTime(x: unknown, field: string, isEnd: boolean): number {
	const m = typeof x === 'string' ? /^(\d{2}):(\d{2})$/.exec(x) : null;
	const h = m ? Number(m[1]) : NaN;
	const min = m ? Number(m[2]) : NaN;
	if (!m || min > 59 || h > 24 || (h === 24 && min !== 0))
		throw new CalendarError(field, `${show(x)} is not a time (HH:MM, 00:00 to 24:00)`);
	if (h === 24 && !isEnd)
		throw new CalendarError(field, `a window cannot start at "24:00" (it ends a day)`);
	return h * 60 + min;
}

function parseWindows(x: unknown, field: string): CalendarWindow[] {
	if (!Array.isArray(x))
		throw new CalendarError(field, `expected a list of windows like [["09:00","17:00"]]`);
	const out = x.map((w: unknown, i): CalendarWindow => {
		const f = `${field}[${i}]`;
		if (!Array.isArray(w) || w.length !== 2)
			throw new CalendarError(f, `${show(w)} is not a window ["HH:MM","HH:MM"]`);
		const startMinute = parseTime(w[0], f, false);
		const endMinute = parseTime(w[1], f, true);
		if (endMinute < startMinute)
			throw new CalendarError(f, `${show(w[0])}-${show(w[1])} ends before it starts`);
		if (endMinute === startMinute)
			throw new CalendarError(f, `${show(w[0])}-${show(w[1])} is empty`);
		return { start: w[0] as string, end: w[1] as string, startMinute, endMinute };
	});
	const order = out.map((w, i) => ({ w, i })).sort((a, b) => a.w.startMinute - b.w.startMinute);
	for (let k = 1; k < order.length; k++) {
		const prev = order[k - 1].w;
		const cur = order[k];
		if (cur.w.startMinute < prev.endMinute)
			throw new CalendarError(
				`${field}[${cur.i}]`,
				`"${cur.w.start}"-"${cur.w.end}" overlaps "${prev.start}"-"${prev.end}"`
			);
	}
	return order.map((o) => o.w);
}

function isRecord(x: unknown): x is Record<string, unknown> {
	return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function deepFreeze<T>(x: T): T {
	if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
		Object.freeze(x);
		for (const v of Object.values(x)) deepFreeze(v);
	}
	return x;
}

/** Validate a calendar document. Every problem throws a CalendarError naming the field. */
export function parseCalendar(json: unknown): Calendar {
	if (!isRecord(json))
		throw new CalendarError('calendar', 'expected an object with timeZone, week, holidays, …');

	const tz = json.timeZone ?? DEFAULT_TIME_ZONE;
	if (typeof tz !== 'string') throw new CalendarError('timeZone', `${show(tz)} is not a time zone`);
	let zone: ZoneSpec;
	try {
		zone = parseZone(tz);
	} catch {
		throw new CalendarError(
			'timeZone',
			`${show(tz)} is not a time zone (an IANA name such as Europe/Amsterdam, an offset such as +01:00, or UTC)`
		);
	}

	if (!isRecord(json.week))
		throw new CalendarError('week', 'expected an object with mon, tue, wed, thu, fri, sat, sun');
	for (const k of Object.keys(json.week))
		if (!(WEEKDAYS as readonly string[]).includes(k))
			throw new CalendarError(`week.${k}`, `not a day (mon, tue, wed, thu, fri, sat, sun)`);
	const weekIn = json.week;
	const week = Object.fromEntries(
		WEEKDAYS.map((d) => [d, weekIn[d] === undefined ? [] : parseWindows(weekIn[d], `week.${d}`)])
	) as Record<Weekday, CalendarWindow[]>;

	const holidaysIn = json.holidays ?? [];
	if (!Array.isArray(holidaysIn))
		throw new CalendarError('holidays', 'expected a list of dates like ["2026-12-25"]');
	const holidays = holidaysIn.map((h: unknown, i) => {
		const d = validDate(h);
		if (!d) throw new CalendarError(`holidays[${i}]`, `${show(h)} is not a date (YYYY-MM-DD)`);
		return d;
	});

	const setIn = json.holidaySet ?? null;
	if (setIn !== null && !isHolidaySetName(setIn))
		throw new CalendarError('holidaySet', `${show(setIn)} is not a holiday set (known: NL)`);
	let holidaySettings: Partial<NlHolidaySettings>;
	try {
		holidaySettings = validateNlHolidaySettings(json.holidaySettings);
	} catch (e) {
		throw new CalendarError('holidaySettings', (e as Error).message);
	}
	if (Object.keys(holidaySettings).length && setIn === null)
		throw new CalendarError('holidaySettings', 'given without a holidaySet');

	const overridesIn = json.overrides ?? {};
	if (!isRecord(overridesIn))
		throw new CalendarError('overrides', 'expected an object of date → windows');
	const overrides: Record<string, CalendarWindow[]> = {};
	for (const [date, windows] of Object.entries(overridesIn)) {
		if (!validDate(date))
			throw new CalendarError(`overrides.${date}`, `${show(date)} is not a date (YYYY-MM-DD)`);
		overrides[date] = parseWindows(windows, `overrides.${date}`);
	}

	return deepFreeze({
		timeZone: zone.name,
		zone,
		week,
		holidays: [...new Set(holidays)].sort(),
		holidaySet: setIn,
		holidaySettings,
		overrides
	});
}

// ---------------------------------------------------------------------------------------------
// Days

interface RawWindow {
	start: number;
	end: number;
	localDate: string;
	reason: 'week' | 'override';
}

interface Internals {
	holidays: Set<string>;
	sets: Map<number, Map<string, { name: string; substitute: boolean }>>;
	days: Map<number, RawWindow[]>;
	/** last local day number with an override that has windows, or -Infinity */
	lastOpenOverride: number;
	weekOpen: boolean;
}

const internalsOf = new WeakMap<Calendar, Internals>();

function internals(cal: Calendar): Internals {
	let i = internalsOf.get(cal);
	if (!i) {
		const openOverrides = Object.entries(cal.overrides)
			.filter(([, w]) => w.length > 0)
			.map(([d]) => dayNumber(d));
		i = {
			holidays: new Set(cal.holidays),
			sets: new Map(),
			days: new Map(),
			lastOpenOverride: openOverrides.length ? Math.max(...openOverrides) : -Infinity,
			weekOpen: WEEKDAYS.some((d) => cal.week[d].length > 0)
		};
		internalsOf.set(cal, i);
	}
	return i;
}

function dayNumber(date: string): number {
	return Date.parse(date + 'T00:00:00Z') / DAY_MS;
}

function dateOf(day: number): string {
	return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The local day (days since 1970-01-01 in the calendar's wall-clock) of an instant. */
function localDayOf(cal: Calendar, epochMs: number): number {
	return Math.floor(instantToWallClock(epochMs, cal.zone) / DAY_MS);
}

function setDay(cal: Calendar, date: string): { name: string; substitute: boolean } | undefined {
	if (!cal.holidaySet) return undefined;
	const year = Number(date.slice(0, 4));
	const inner = internals(cal);
	let m = inner.sets.get(year);
	if (!m) {
		m = new Map(
			holidaySet(cal.holidaySet, year, cal.holidaySettings).map((h) => [
				h.date,
				{ name: h.name, substitute: h.substitute }
			])
		);
		inner.sets.set(year, m);
	}
	return m.get(date);
}

/** Why a local date is closed all day apart from the weekly windows, or null. */
function closedReason(cal: Calendar, date: string): ClosedDay | null {
	const o = cal.overrides[date];
	if (o) return o.length === 0 ? { date, reason: 'override' } : null;
	const s = setDay(cal, date);
	if (internals(cal).holidays.has(date))
		return s ? { date, reason: 'holiday', name: s.name } : { date, reason: 'holiday' };
	if (s) return { date, reason: s.substitute ? 'substitute' : 'holiday-set', name: s.name };
	return null;
}

/** The windows of one local day as instants (unclipped; cached per calendar). */
function dayWindows(cal: Calendar, day: number): RawWindow[] {
	const inner = internals(cal);
	const cached = inner.days.get(day);
	if (cached) return cached;
	const date = dateOf(day);
	const override = cal.overrides[date];
	let windows: readonly CalendarWindow[];
	let reason: 'week' | 'override' = 'week';
	if (override) {
		windows = override;
		reason = 'override';
	} else if (closedReason(cal, date)) {
		windows = [];
	} else {
		// getUTCDay: 0 = Sunday; WEEKDAYS starts on Monday
		windows = cal.week[WEEKDAYS[(new Date(day * DAY_MS).getUTCDay() + 6) % 7]];
	}
	const midnight = day * DAY_MS;
	const out: RawWindow[] = [];
	for (const w of windows) {
		const start = wallClockToInstant(midnight + w.startMinute * MINUTE_MS, cal.zone).epochMs;
		const end = wallClockToInstant(midnight + w.endMinute * MINUTE_MS, cal.zone).epochMs;
		// a window lying wholly in a spring gap has no instants
		if (end > start) out.push({ start, end, localDate: date, reason });
	}
	inner.days.set(day, out);
	return out;
}

/**
 * The open time within [fromMs, toMs) as non-overlapping windows in time order. Two local days
 * either side are included before clipping, so the union near the range does not depend on it.
 */
function windowsBetween(cal: Calendar, fromMs: number, toMs: number): RawWindow[] {
	if (!(toMs > fromMs)) return [];
	const all: RawWindow[] = [];
	const last = localDayOf(cal, toMs) + 2;
	for (let d = localDayOf(cal, fromMs) - 2; d <= last; d++) all.push(...dayWindows(cal, d));
	all.sort((a, b) => a.start - b.start || a.end - b.end);
	const out: RawWindow[] = [];
	let covered = -Infinity;
	for (const w of all) {
		const start = Math.max(w.start, covered, fromMs);
		const end = Math.min(w.end, toMs);
		covered = Math.max(covered, w.end);
		if (end > start) out.push({ ...w, start, end });
	}
	return out;
}

function instant(d: Date, name: string): number {
	const t = d instanceof Date ? d.getTime() : NaN;
	if (Number.isNaN(t)) throw new RangeError(`${name}: not a valid instant`);
	return t;
}

// ---------------------------------------------------------------------------------------------
// The three functions

/** Open seconds in [from, to); 0 when to <= from. */
export function businessSecondsBetween(cal: Calendar, from: Date, to: Date): number {
	let ms = 0;
	for (const w of windowsBetween(cal, instant(from, 'from'), instant(to, 'to')))
		ms += w.end - w.start;
	return ms / 1000;
}

/** Open time is searched for at most this far ahead before giving up. */
const SEARCH_LIMIT_MS = 200 * 366 * DAY_MS;
const CHUNK_MS = 35 * DAY_MS;

/**
 * The earliest instant at which `seconds` of open time have passed since `from`: a deadline
 * ending exactly at closing time is that closing time; 0 seconds is `from` itself; from a closed
 * instant, counting starts at the next opening.
 */
export function addBusinessSeconds(cal: Calendar, from: Date, seconds: number): Date {
	const start = instant(from, 'from');
	if (!Number.isFinite(seconds) || seconds < 0)
		throw new RangeError(`seconds: ${seconds} is not a number of seconds >= 0`);
	if (seconds === 0) return new Date(start);
	const inner = internals(cal);
	let remaining = seconds * 1000;
	for (let cursor = start; cursor - start < SEARCH_LIMIT_MS; cursor += CHUNK_MS) {
		for (const w of windowsBetween(cal, cursor, cursor + CHUNK_MS)) {
			const available = w.end - w.start;
			if (available >= remaining) return new Date(Math.ceil(w.start + remaining));
			remaining -= available;
		}
		if (!inner.weekOpen && localDayOf(cal, cursor + CHUNK_MS) > inner.lastOpenOverride + 1) break;
	}
	throw new Error(
		`the calendar has no more open time after ${new Date(start).toISOString()}: ${seconds} s cannot be added`
	);
}

/** The open windows within [from, to), clipped to it, in time order, with their local date. */
export function openWindows(cal: Calendar, from: Date, to: Date): OpenWindow[] {
	return windowsBetween(cal, instant(from, 'from'), instant(to, 'to')).map((w) => ({
		start: new Date(w.start),
		end: new Date(w.end),
		localDate: w.localDate,
		reason: w.reason
	}));
}

/**
 * Local dates from fromDate to toDate (both included, YYYY-MM-DD) that a holiday, the holiday
 * set, a substitute day or an override ([] windows) closes all day. A holiday on a day the week
 * keeps closed anyway is listed too (it explains its substitute day); an override with windows
 * opens its date and so removes it from the list.
 */
export function closedDays(cal: Calendar, fromDate: string, toDate: string): ClosedDay[] {
	if (!validDate(fromDate)) throw new RangeError(`fromDate: ${show(fromDate)} is not a date`);
	if (!validDate(toDate)) throw new RangeError(`toDate: ${show(toDate)} is not a date`);
	const out: ClosedDay[] = [];
	for (let d = dayNumber(fromDate); d <= dayNumber(toDate); d++) {
		const r = closedReason(cal, dateOf(d));
		if (r) out.push(r);
	}
	return out;
}
