/**
 * Computed holiday sets (PRODUCT.md R12, R15; issue 4 "Calendars").
 *
 * One set today: "NL", the Dutch official holidays as support contracts read them. Its defaults
 * are settings (`NlHolidaySettings`), because providers disagree on them:
 *
 *   New Year's Day      1 January
 *   Good Friday         Friday before Easter             setting `goodFriday`, default false
 *   Easter Monday       Monday after Easter (anonymous Gregorian algorithm)
 *   King's Day          27 April; 26 April when the 27th is a Sunday (from 2014; until 2013
 *                       Queen's Day: 30 April, 29 April when the 30th is a Sunday)
 *   Liberation Day      5 May                            setting `liberationDay`, default
 *                       'lustrum': only in years divisible by five (2025, 2030, …);
 *                       'every-year' or 'never' are the alternatives
 *   Ascension Day       39 days after Easter
 *   Whit Monday         50 days after Easter
 *   Christmas Day       25 December
 *   Boxing Day          26 December
 *   substitute days     setting `substituteDays`, default true: a holiday on a Saturday or Sunday
 *                       gives a substitute day on the next working day (Monday–Friday) that is not
 *                       itself a holiday or another holiday's substitute.
 *
 * Everything is plain date arithmetic on 'YYYY-MM-DD' strings in UTC fields: no zone, no host TZ.
 */

export type HolidaySetName = 'NL';
export const HOLIDAY_SET_NAMES: readonly HolidaySetName[] = ['NL'];

export function isHolidaySetName(x: unknown): x is HolidaySetName {
	return typeof x === 'string' && (HOLIDAY_SET_NAMES as readonly string[]).includes(x);
}

export interface NlHolidaySettings {
	/** Good Friday closed. Default false (not an official day off in most contracts). */
	goodFriday: boolean;
	/** 5 May: 'lustrum' (years divisible by 5, the default), 'every-year' or 'never'. */
	liberationDay: 'lustrum' | 'every-year' | 'never';
	/** A holiday on a Saturday or Sunday gives a substitute working day. Default true. */
	substituteDays: boolean;
}

export const NL_HOLIDAY_DEFAULTS: Readonly<NlHolidaySettings> = Object.freeze({
	goodFriday: false,
	liberationDay: 'lustrum',
	substituteDays: true
});

export interface HolidayDay {
	/** local date, YYYY-MM-DD */
	date: string;
	name: string;
	/** true for a substitute day given for a holiday on a weekend */
	substitute: boolean;
}

const DAY_MS = 86_400_000;

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, "Meeus/Jones/Butcher"). */
export function easterSunday(year: number): string {
	const a = year % 19;
	const b = Math.floor(year / 100);
	const c = year % 100;
	const d = Math.floor(b / 4);
	const e = b % 4;
	const f = Math.floor((b + 8) / 25);
	const g = Math.floor((b - f + 1) / 3);
	const h = (19 * a + b - d - g + 15) % 30;
	const i = Math.floor(c / 4);
	const k = c % 4;
	const l = (32 + 2 * e + 2 * i - h - k) % 7;
	const m = Math.floor((a + 11 * h + 22 * l) / 451);
	const month = Math.floor((h + l - 7 * m + 114) / 31);
	const day = ((h + l - 7 * m + 114) % 31) + 1;
	return isoDate(Date.UTC(year, month - 1, day));
}

function isoDate(utcMs: number): string {
	return new Date(utcMs).toISOString().slice(0, 10);
}

function dateMs(date: string): number {
	return Date.parse(date + 'T00:00:00Z');
}

function addDays(date: string, days: number): string {
	return isoDate(dateMs(date) + days * DAY_MS);
}

/** 0 = Sunday … 6 = Saturday */
function weekday(date: string): number {
	return new Date(dateMs(date)).getUTCDay();
}

/**
 * Check a settings object as a user or a calendar document gives it. Throws an Error naming the
 * setting (`liberationDay: "sometimes" is not one of lustrum, every-year, never`).
 */
export function validateNlHolidaySettings(value: unknown): Partial<NlHolidaySettings> {
	if (value === undefined || value === null) return {};
	if (typeof value !== 'object' || Array.isArray(value))
		throw new Error(`expected an object with goodFriday, liberationDay, substituteDays`);
	const out: Partial<NlHolidaySettings> = {};
	for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
		if (k === 'goodFriday' || k === 'substituteDays') {
			if (typeof v !== 'boolean')
				throw new Error(`${k}: ${JSON.stringify(v)} is not true or false`);
			out[k] = v;
		} else if (k === 'liberationDay') {
			if (v !== 'lustrum' && v !== 'every-year' && v !== 'never')
				throw new Error(`${k}: ${JSON.stringify(v)} is not one of lustrum, every-year, never`);
			out[k] = v;
		} else {
			throw new Error(
				`${k}: not a setting of the NL holiday set (goodFriday, liberationDay, substituteDays)`
			);
		}
	}
	return out;
}

/**
 * The holidays of a set in one year, sorted by date, substitute days included (marked).
 * Two holidays on one date give one entry with both names.
 */
export function holidaySet(
	name: HolidaySetName,
	year: number,
	settings: Partial<NlHolidaySettings> = {}
): HolidayDay[] {
	if (name !== 'NL') throw new Error(`"${String(name)}" is not a holiday set (known: NL)`);
	if (!Number.isInteger(year) || year < 1583 || year > 9999)
		throw new Error(`${year} is not a year this holiday set covers (1583–9999)`);
	const s: NlHolidaySettings = { ...NL_HOLIDAY_DEFAULTS, ...settings };
	const y = String(year).padStart(4, '0');
	const easter = easterSunday(year);

	const days = new Map<string, string[]>();
	const add = (date: string, holiday: string) => {
		const names = days.get(date) ?? [];
		names.push(holiday);
		days.set(date, names);
	};
	add(`${y}-01-01`, "New Year's Day");
	if (s.goodFriday) add(addDays(easter, -2), 'Good Friday');
	add(addDays(easter, 1), 'Easter Monday');
	if (year >= 2014) {
		const k = `${y}-04-27`;
		add(weekday(k) === 0 ? `${y}-04-26` : k, "King's Day");
	} else {
		const q = `${y}-04-30`;
		add(weekday(q) === 0 ? `${y}-04-29` : q, "Queen's Day");
	}
	if (s.liberationDay === 'every-year' || (s.liberationDay === 'lustrum' && year % 5 === 0))
		add(`${y}-05-05`, 'Liberation Day');
	add(addDays(easter, 39), 'Ascension Day');
	add(addDays(easter, 50), 'Whit Monday');
	add(`${y}-12-25`, 'Christmas Day');
	add(`${y}-12-26`, 'Boxing Day');

	const out: HolidayDay[] = [...days.entries()].map(([date, names]) => ({
		date,
		name: names.join(' and '),
		substitute: false
	}));
	out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

	if (s.substituteDays) {
		const taken = new Set(out.map((h) => h.date));
		const subs: HolidayDay[] = [];
		for (const h of out) {
			const wd = weekday(h.date);
			if (wd !== 0 && wd !== 6) continue;
			let d = addDays(h.date, 1);
			while (weekday(d) === 0 || weekday(d) === 6 || taken.has(d)) d = addDays(d, 1);
			taken.add(d);
			subs.push({ date: d, name: `Substitute for ${h.name}`, substitute: true });
		}
		out.push(...subs);
		out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
	}
	return out;
}
