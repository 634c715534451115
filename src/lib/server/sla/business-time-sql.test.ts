/**
 * The bulk SQL against the TypeScript reference, on a real DuckDB file: random calendars and
 * random instants, the daylight-saving weeks of Europe/Amsterdam, America/New_York and
 * Australia/Sydney always in (readings in the spring gap and in the repeated autumn hour, window
 * edges inside both), thousands of pairs per calendar in one SQL run. Seeded: PEIL_SEED=<n>
 * reproduces a run; a failure prints the seed, the calendar and the case.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import {
	addBusinessSeconds,
	businessSecondsBetween,
	openWindows,
	parseCalendar,
	WEEKDAYS,
	type Calendar
} from '../../domain/calendar.ts';
import {
	instantToWallClock,
	parseZone,
	transitions,
	wallClockToInstant
} from '../../domain/wall-clock.ts';
import {
	buildCalendarIntervals,
	loadCalendarIntervals,
	type CalendarIntervalRow
} from './build-calendar-intervals.ts';
import { buildDeadlineSql, buildElapsedSql } from './business-time-sql.ts';

let store: Store;
let dir: string;
beforeAll(async () => {
	({ store, dir } = await freshStore());
});
afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const SEED = Number(process.env.PEIL_SEED ?? 20241027);
const DAY = 86_400_000;
const H = 3600;

function prng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const rnd = prng(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

const iso = (ms: number) => new Date(ms).toISOString();
const sec = (ms: number) => Math.floor(ms / 1000) * 1000;

const DST_ZONES = ['Europe/Amsterdam', 'America/New_York', 'Australia/Sydney'];
const OTHER_ZONES = ['Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'UTC', '+05:45'];
const RANGE_FROM = Date.parse('2024-01-01T00:00:00Z');
const RANGE_TO = Date.parse('2026-01-01T00:00:00Z');

/** Every DST transition of the three zones in 2024–2025 (instants). */
const DST_TRANSITIONS = DST_ZONES.flatMap((z) =>
	transitions(parseZone(z), 2024, 2025).map((t) => ({ zone: z, ...t }))
);

function hhmm(halfHours: number): string {
	return `${String(Math.floor(halfHours / 2)).padStart(2, '0')}:${halfHours % 2 ? '30' : '00'}`;
}

/** 0–3 windows on a 30-minute grid (so edges land in gaps and repeated hours), or all day. */
function randomWindows(): string[][] {
	if (rnd() < 0.08) return [['00:00', '24:00']];
	const n = int(4);
	const edges = new Set<number>();
	while (edges.size < n * 2) edges.add(int(49));
	const sorted = [...edges].sort((a, b) => a - b);
	const out: string[][] = [];
	for (let i = 0; i < sorted.length; i += 2) out.push([hhmm(sorted[i]), hhmm(sorted[i + 1])]);
	return out;
}

/** Local dates of the DST changes (in the calendar's zone and the three zones) and random ones. */
function specialDates(zone: string): string[] {
	const z = parseZone(zone);
	const out = DST_TRANSITIONS.map((t) =>
		new Date(instantToWallClock(t.at, z)).toISOString().slice(0, 10)
	);
	for (const t of transitions(z, 2024, 2025))
		out.push(new Date(instantToWallClock(t.at, z)).toISOString().slice(0, 10));
	return out;
}

function randomCalendarDoc(zone: string): Record<string, unknown> {
	const week = Object.fromEntries(WEEKDAYS.map((d) => [d, rnd() < 0.25 ? [] : randomWindows()]));
	if (WEEKDAYS.every((d) => (week[d] as string[][]).length === 0)) week.mon = [['09:00', '17:00']];
	const special = specialDates(zone);
	const randomDate = () => iso(RANGE_FROM + int((RANGE_TO - RANGE_FROM) / DAY) * DAY).slice(0, 10);
	const holidays = [
		...new Set(Array.from({ length: int(6) }, () => (rnd() < 0.5 ? pick(special) : randomDate())))
	];
	const overrides: Record<string, string[][]> = {};
	for (let i = int(8); i > 0; i--)
		overrides[rnd() < 0.6 ? pick(special) : randomDate()] = rnd() < 0.3 ? [] : randomWindows();
	const doc: Record<string, unknown> = { timeZone: zone, week, holidays, overrides };
	if (rnd() < 0.5) {
		doc.holidaySet = 'NL';
		if (rnd() < 0.3)
			doc.holidaySettings = {
				goodFriday: rnd() < 0.5,
				liberationDay: pick(['lustrum', 'every-year', 'never']),
				substituteDays: rnd() < 0.8
			};
	}
	return doc;
}

const nineToFive = [['09:00', '17:00']];
const FIXED_DOCS: Record<string, unknown>[] = [
	// the example calendar, with the NL set
	{
		timeZone: 'Europe/Amsterdam',
		week: {
			mon: nineToFive,
			tue: nineToFive,
			wed: nineToFive,
			thu: nineToFive,
			fri: nineToFive,
			sat: [],
			sun: []
		},
		holidays: ['2024-12-24'],
		holidaySet: 'NL',
		overrides: {
			'2024-12-24': [['09:00', '12:00']],
			'2024-12-31': [],
			'2025-03-30': [['01:00', '04:00']]
		}
	},
	// windows ending and starting inside the transition hours, every day, in each zone
	...DST_ZONES.map((timeZone) => ({
		timeZone,
		week: Object.fromEntries(
			WEEKDAYS.map((d) => [
				d,
				[
					['00:30', '02:30'],
					['02:30', '03:00'],
					['03:00', '24:00']
				]
			])
		)
	})),
	{
		timeZone: 'America/New_York',
		week: Object.fromEntries(WEEKDAYS.map((d) => [d, [['00:00', '24:00']]]))
	}
];

interface Case {
	cal: Calendar;
	id: string;
	doc: Record<string, unknown>;
	elapsed: { a: number; b: number; expected: number }[];
	deadline: { a: number; seconds: number; expected: number }[];
	rows: CalendarIntervalRow[];
}

/** Instants to test for one calendar: random, DST weeks, gap and repeated-hour readings, edges. */
function instantsFor(cal: Calendar, edges: number[]): number[] {
	const out: number[] = [];
	for (let i = 0; i < 400; i++) out.push(RANGE_FROM + int((RANGE_TO - RANGE_FROM) / 1000) * 1000);
	const zones = [...new Set([...DST_ZONES, cal.timeZone])].map(parseZone);
	for (const z of zones) {
		for (const t of transitions(z, 2024, 2025)) {
			// the week around the change
			for (let i = 0; i < 40; i++) out.push(t.at - 3.5 * DAY + int(7 * 86400) * 1000);
			// both occurrences of the repeated hour / both sides of the gap, as instants
			for (let i = 0; i < 12; i++) out.push(t.at - 2 * H * 1000 + int(4 * H) * 1000);
			// wall-clock readings in the gap (moved forward) or the repeated hour (earlier instant)
			const lo = t.at + Math.min(t.before, t.after) * 1000;
			for (let i = 0; i < 8; i++) {
				const reading = lo + int(Math.abs(t.after - t.before)) * 1000;
				out.push(wallClockToInstant(reading, z).epochMs);
			}
		}
	}
	// window edges, exactly and a second either side
	for (let i = 0; i < 150 && edges.length; i++) out.push(pick(edges) + pick([0, 0, -1000, 1000]));
	return out.map(sec);
}

function buildCase(doc: Record<string, unknown>, id: string): Case {
	const cal = parseCalendar(doc);
	const wins = openWindows(cal, new Date(RANGE_FROM - 3 * DAY), new Date(RANGE_TO + 3 * DAY));
	const edges = wins.flatMap((w) => [w.start.getTime(), w.end.getTime()]);
	const weeklyOpenS =
		businessSecondsBetween(cal, new Date(RANGE_FROM), new Date(RANGE_FROM + 7 * DAY)) || H;
	const instants = instantsFor(cal, edges);

	const elapsed: Case['elapsed'] = [];
	for (const a of instants) {
		const r = rnd();
		let b: number;
		if (r < 0.1)
			b = a - int((3 * DAY) / 1000) * 1000; // b <= a → 0
		else if (r < 0.15) b = a;
		else if (r < 0.3 && edges.length) b = pick(edges);
		else if (r < 0.45) b = pick(instants);
		else b = a + int((rnd() < 0.7 ? 4 : 40) * 86400) * 1000;
		elapsed.push({ a, b, expected: businessSecondsBetween(cal, new Date(a), new Date(b)) });
	}

	const deadline: Case['deadline'] = [];
	for (const a of instants) {
		const r = rnd();
		let seconds: number;
		if (r < 0.1) seconds = 0;
		else if (r < 0.15) seconds = 1;
		else if (r < 0.4 && edges.length) {
			// a deadline ending exactly at a window's edge (closing time) after a
			const later = edges.filter((e) => e > a && e < a + 20 * DAY);
			seconds = later.length ? businessSecondsBetween(cal, new Date(a), new Date(pick(later))) : 60;
		} else seconds = int(Math.round(weeklyOpenS * (rnd() < 0.7 ? 1 : 6)));
		deadline.push({
			a,
			seconds,
			expected: addBusinessSeconds(cal, new Date(a), seconds).getTime()
		});
	}

	const lo = Math.min(...instants, ...elapsed.map((e) => e.b)) - 2 * DAY;
	const hi = Math.max(...elapsed.map((e) => e.b), ...deadline.map((d) => d.expected)) + 2 * DAY;
	const rows = buildCalendarIntervals(cal, id, new Date(lo), new Date(hi));
	return { cal, id, doc, elapsed, deadline, rows };
}

/** A table of inputs from rows of numbers, loaded in batches of VALUES (numbers only). */
async function loadInputs(name: string, cols: string, rows: (string | number)[][]): Promise<void> {
	await store.write(async (tx) => {
		await tx.run(`DROP TABLE IF EXISTS ${name}`);
		for (let i = 0; i < rows.length; i += 5000) {
			const values = rows
				.slice(i, i + 5000)
				.map((r) => `(${r.join(',')})`)
				.join(',');
			const select = `SELECT k AS key, 'cal' || ci AS calendar_id, to_timestamp(a) AS a, ${cols} FROM (VALUES ${values}) v(k, ci, a, x)`;
			await tx.run(i === 0 ? `CREATE TABLE ${name} AS ${select}` : `INSERT INTO ${name} ${select}`);
		}
	});
}

describe(`business time in SQL agrees with the reference (seed ${SEED})`, () => {
	const cases: Case[] = [];

	it('builds the cases and loads every calendar into one intervals table', async () => {
		const docs: Record<string, unknown>[] = [...FIXED_DOCS];
		for (let i = 0; i < 9; i++) docs.push(randomCalendarDoc(DST_ZONES[i % 3]));
		for (const z of OTHER_ZONES) docs.push(randomCalendarDoc(z));
		docs.forEach((doc, i) => cases.push(buildCase(doc, `cal${i}`)));
		await store.write((tx) =>
			loadCalendarIntervals(
				tx,
				cases.flatMap((c) => c.rows)
			)
		);
		const n = await store.one(
			`SELECT count(*) AS n, count(DISTINCT calendar_id) AS cals FROM calendar_intervals`
		);
		expect(n).toEqual({ n: cases.reduce((s, c) => s + c.rows.length, 0), cals: cases.length });
		// the table is one row per open window per day: its totals match the reference's
		for (const c of cases.slice(0, 3)) {
			const last = c.rows[c.rows.length - 1];
			const total = last.cum_before_s + (last.end_utc.getTime() - last.start_utc.getTime()) / 1000;
			expect(total).toBe(businessSecondsBetween(c.cal, c.rows[0].start_utc, last.end_utc));
		}
	});

	it('elapsed: position(b) - position(a), to the second', async () => {
		const input: number[][] = [];
		const index: { c: Case; e: Case['elapsed'][number] }[] = [];
		cases.forEach((c, ci) =>
			c.elapsed.forEach((e) => {
				input.push([index.length, ci, e.a / 1000, e.b / 1000]);
				index.push({ c, e });
			})
		);
		await loadInputs('bt_elapsed_in', 'to_timestamp(x) AS b', input);
		const { sql, params } = buildElapsedSql('bt_elapsed_in');
		const got = await store.all(sql, params);
		expect(got).toHaveLength(index.length);
		const bad: string[] = [];
		for (const r of got) {
			const { c, e } = index[Number(r.key)];
			if (r.business_s !== e.expected)
				bad.push(
					`${c.id} ${JSON.stringify(c.doc)}\n  a=${iso(e.a)} b=${iso(e.b)} reference ${e.expected} s, SQL ${r.business_s} s`
				);
		}
		expect(
			bad.length,
			`seed ${SEED}: ${bad.length} of ${index.length} differ, e.g.\n${bad.slice(0, 3).join('\n')}`
		).toBe(0);
		expect(index.length).toBeGreaterThan(cases.length * 1000);
		// every calendar has thousands of pairs, some with b <= a and some crossing DST changes
		for (const c of cases) expect(c.elapsed.length).toBeGreaterThan(1000);
	});

	it('deadline: the instant whose position is position(a) + seconds, to the second', async () => {
		const input: number[][] = [];
		const index: { c: Case; d: Case['deadline'][number] }[] = [];
		cases.forEach((c, ci) =>
			c.deadline.forEach((d) => {
				input.push([index.length, ci, d.a / 1000, d.seconds]);
				index.push({ c, d });
			})
		);
		await loadInputs('bt_deadline_in', 'x AS seconds', input);
		const { sql, params } = buildDeadlineSql('bt_deadline_in');
		const got = await store.all(sql, params);
		expect(got).toHaveLength(index.length);
		const bad: string[] = [];
		let atClosing = 0;
		let closedZero = 0;
		for (const r of got) {
			const { c, d } = index[Number(r.key)];
			const sqlMs = r.deadline === null ? null : Date.parse(String(r.deadline));
			if (sqlMs !== d.expected)
				bad.push(
					`${c.id} ${JSON.stringify(c.doc)}\n  a=${iso(d.a)} seconds=${d.seconds} reference ${iso(d.expected)}, SQL ${String(r.deadline)}`
				);
			if (d.seconds > 0 && c.rows.some((w) => w.end_utc.getTime() === d.expected)) atClosing++;
			if (
				d.seconds === 0 &&
				businessSecondsBetween(c.cal, new Date(d.a), new Date(d.a + 1000)) === 0
			)
				closedZero++;
		}
		expect(
			bad.length,
			`seed ${SEED}: ${bad.length} of ${index.length} differ, e.g.\n${bad.slice(0, 3).join('\n')}`
		).toBe(0);
		// the boundary cases were really exercised
		expect(atClosing).toBeGreaterThan(100);
		expect(closedZero).toBeGreaterThan(10);
	});

	it('the DST weeks were in: positions across every change of the three zones', () => {
		for (const t of DST_TRANSITIONS) {
			const crossing = cases
				.flatMap((c) => c.elapsed)
				.filter((e) => e.a < t.at && e.b > t.at && e.expected > 0);
			expect(crossing.length, `${t.zone} ${iso(t.at)}`).toBeGreaterThan(50);
		}
		// and window edges inside the gap and the repeated hour (Amsterdam, 2024): on 2024-03-31
		// 02:30 moves to 03:30 CEST = 01:30Z, so "02:30"-"03:00" (→ 01:00Z) is empty; on 2024-10-27
		// "02:30" is the earlier instant, 00:30Z, and 03:00 CET is 02:00Z: "02:30"-"03:00" lasts 1.5 h
		const ams = cases[1];
		const starts = (from: string, to: string) =>
			ams.rows
				.filter((r) => r.start_utc >= new Date(from) && r.start_utc < new Date(to))
				.map((r) => iso(r.start_utc.getTime()));
		expect(starts('2024-03-30T22:00:00Z', '2024-03-31T22:00:00Z')).toEqual([
			'2024-03-30T23:30:00.000Z',
			'2024-03-31T01:30:00.000Z'
		]);
		expect(starts('2024-10-26T22:00:00Z', '2024-10-27T23:00:00Z')).toEqual([
			'2024-10-26T22:30:00.000Z',
			'2024-10-27T00:30:00.000Z',
			'2024-10-27T02:00:00.000Z'
		]);
	});
});

describe('edge cases of the SQL', () => {
	it('NULLs, negative seconds, an unknown calendar and a deadline beyond the table', async () => {
		const cal = parseCalendar({
			timeZone: 'Europe/Amsterdam',
			week: { fri: nineToFive, mon: nineToFive }
		});
		const rows = buildCalendarIntervals(
			cal,
			'office',
			new Date('2024-01-01T00:00:00Z'),
			new Date('2024-01-15T00:00:00Z')
		);
		await store.write((tx) => loadCalendarIntervals(tx, rows));
		// loading again replaces: the table holds exactly the last rows
		expect(await store.one('SELECT count(*) AS n FROM calendar_intervals')).toEqual({ n: 4 });
		const elapsed = buildElapsedSql(`(SELECT * FROM (VALUES
			(1, 'office', TIMESTAMPTZ '2024-01-05 15:30:00+00', TIMESTAMPTZ '2024-01-08 11:30:00+00'),
			(2, 'office', NULL, TIMESTAMPTZ '2024-01-08 11:30:00+00'),
			(3, 'office', TIMESTAMPTZ '2024-01-08 11:30:00+00', TIMESTAMPTZ '2024-01-05 15:30:00+00'),
			(4, 'nowhere', TIMESTAMPTZ '2024-01-05 15:30:00+00', TIMESTAMPTZ '2024-01-08 11:30:00+00'),
			(5, 'office', TIMESTAMPTZ '2024-01-05 15:30:00.25+00', TIMESTAMPTZ '2024-01-05 15:30:01+00')
		) v(key, calendar_id, a, b))`);
		const e = await store.all(elapsed.sql + ' ORDER BY key', elapsed.params);
		// Friday 16:30 CET → Monday 12:30 CET: 0.5 h + 3.5 h = 4 h = 14400 s
		expect(e.map((r) => r.business_s)).toEqual([14400, null, 0, 0, 0.75]);
		const deadline = buildDeadlineSql(`(SELECT * FROM (VALUES
			(1, 'office', TIMESTAMPTZ '2024-01-05 15:30:00+00', 14400),
			(2, 'office', TIMESTAMPTZ '2024-01-05 15:30:00+00', 1800),
			(3, 'office', TIMESTAMPTZ '2024-01-06 11:00:00+00', 0),
			(4, 'office', TIMESTAMPTZ '2024-01-06 11:00:00+00', 3600),
			(5, 'office', TIMESTAMPTZ '2024-01-05 15:30:00+00', -1),
			(6, 'office', NULL, 60),
			(7, 'office', TIMESTAMPTZ '2024-01-05 15:30:00+00', 999999),
			(8, 'nowhere', TIMESTAMPTZ '2024-01-05 15:30:00+00', 60)
		) v(key, calendar_id, a, seconds))`);
		const d = await store.all(deadline.sql + ' ORDER BY key', deadline.params);
		expect(d.map((r) => r.deadline)).toEqual([
			'2024-01-08T11:30:00.000Z', // Friday 16:30 + 4 h = Monday 12:30 CET
			'2024-01-05T16:00:00.000Z', // exactly at closing: Friday 17:00 CET
			'2024-01-06T11:00:00.000Z', // 0 s from a closed Saturday: a itself
			'2024-01-08T09:00:00.000Z', // 1 h from Saturday: Monday 09:00 + 1 h = 10:00 CET
			null,
			null,
			null, // beyond the table
			null
		]);
	});
});
