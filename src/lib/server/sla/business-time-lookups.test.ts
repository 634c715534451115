/**
 * The lookup-table business time (hash joins) against the ASOF-join SQL it replaces in the
 * engine, which business-time-sql.test.ts checks against the TypeScript reference: the same rows
 * and the same values, on random calendars in several zones (versions whose running total carries
 * on, windows across midnight UTC), random instants with fractions of a second, window edges,
 * instants before and after the table, NULLs and an unknown calendar. Seeded: PEIL_SEED=<n>.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { parseCalendar, WEEKDAYS } from '../../domain/calendar.ts';
import { loadCalendarIntervals, type CalendarIntervalRow } from './build-calendar-intervals.ts';
import {
	buildBusinessTimeLookups,
	buildDeadlineLookupSql,
	buildDeadlineSql,
	buildElapsedLookupSql,
	buildElapsedSql
} from './business-time-sql.ts';
import { versionedIntervals } from './recompute.ts';

let store: Store;
let dir: string;
beforeAll(async () => {
	({ store, dir } = await freshStore());
});
afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const SEED = Number(process.env.PEIL_SEED ?? 20261123);
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
const DAY = 86_400_000;
const FROM = Date.parse('2024-01-01T00:00:00Z');
const TO = Date.parse('2025-07-01T00:00:00Z');
const ZONES = ['Europe/Amsterdam', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];

function hhmm(halfHours: number): string {
	return `${String(Math.floor(halfHours / 2)).padStart(2, '0')}:${halfHours % 2 ? '30' : '00'}`;
}
function randomWindows(): string[][] {
	if (rnd() < 0.1) return [['00:00', '24:00']];
	const n = 1 + int(4);
	const edges = new Set<number>();
	while (edges.size < n * 2) edges.add(int(49));
	const sorted = [...edges].sort((a, b) => a - b);
	const out: string[][] = [];
	for (let i = 0; i < sorted.length; i += 2) out.push([hhmm(sorted[i]), hhmm(sorted[i + 1])]);
	return out;
}
function randomDoc(zone: string): Record<string, unknown> {
	const week = Object.fromEntries(WEEKDAYS.map((d) => [d, rnd() < 0.2 ? [] : randomWindows()]));
	const overrides: Record<string, string[][]> = {};
	for (let i = int(10); i > 0; i--)
		overrides[new Date(FROM + int((TO - FROM) / DAY) * DAY).toISOString().slice(0, 10)] =
			rnd() < 0.3 ? [] : randomWindows();
	return { timeZone: zone, week, overrides, holidaySet: rnd() < 0.5 ? 'NL' : undefined };
}

it(`gives exactly what the ASOF-join SQL gives (seed ${SEED})`, async () => {
	const rows: CalendarIntervalRow[] = [];
	const edges: number[][] = [];
	const ncal = 10;
	for (let i = 0; i < ncal; i++) {
		const zone = ZONES[i % ZONES.length];
		// some calendars in two versions, the second from a random date: the running total carries on
		const versions = [
			{ version: 1, effectiveFrom: '2000-01-01', calendar: parseCalendar(randomDoc(zone)) }
		];
		if (i % 3 === 0)
			versions.push({
				version: 2,
				effectiveFrom: new Date(FROM + int((TO - FROM) / DAY) * DAY).toISOString().slice(0, 10),
				calendar: parseCalendar(randomDoc(zone))
			});
		// each calendar over its own range, so instants fall before and after some of them
		const from = new Date(FROM + int(60) * DAY);
		const to = new Date(TO - int(60) * DAY);
		const r = versionedIntervals(`cal${i}`, versions, from, to);
		rows.push(...r);
		edges.push(r.flatMap((w) => [w.start_utc.getTime(), w.end_utc.getTime()]));
	}
	await store.write((tx) => loadCalendarIntervals(tx, rows));

	const instant = (ci: number): number => {
		const r = rnd();
		if (r < 0.3 && edges[ci].length) return pick(edges[ci]) + pick([0, 0, -1000, 1000, 250]);
		return FROM - 90 * DAY + int((TO - FROM + 180 * DAY) / 1000) * 1000 + pick([0, 0, 0, 250, 999]);
	};
	const ts = (ms: number | null) =>
		ms === null
			? 'NULL'
			: `(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(${ms * 1000}::BIGINT))`;
	const elapsed: string[] = [];
	const deadline: string[] = [];
	for (let k = 0; k < 6000; k++) {
		const ci = int(ncal + 1); // cal10 has no intervals
		const a = rnd() < 0.02 ? null : instant(ci % ncal);
		const b = rnd() < 0.02 ? null : rnd() < 0.5 ? instant(ci % ncal) : (a ?? FROM) + int(60 * DAY);
		elapsed.push(`(${k}, 'cal${ci}', ${ts(a)}, ${ts(b)})`);
		const s = pick([0, 0.5, 1, 1800, 3600 * 8, int(900_000), int(30_000_000), -1]);
		deadline.push(`(${k}, 'cal${ci}', ${ts(a)}, ${rnd() < 0.02 ? 'NULL' : s})`);
	}
	elapsed.push(`(-1, NULL, ${ts(FROM)}, ${ts(TO)})`);
	deadline.push(`(-1, NULL, ${ts(FROM)}, 60)`);
	await store.write(async (tx) => {
		await tx.run(
			`CREATE OR REPLACE TABLE bt_e AS SELECT * FROM (VALUES ${elapsed.join(',')}) v(key, calendar_id, a, b)`
		);
		await tx.run(
			`CREATE OR REPLACE TABLE bt_d AS SELECT * FROM (VALUES ${deadline.join(',')}) v(key, calendar_id, a, seconds)`
		);
	});
	await store.withWriter(async (_c, q) => {
		const l = await buildBusinessTimeLookups(q, 'bt_test');
		expect(l.k).toBeGreaterThan(1);
		const e0 = buildElapsedSql('bt_e');
		const e1 = buildElapsedLookupSql('bt_e', l);
		const d0 = buildDeadlineSql('bt_d');
		const d1 = buildDeadlineLookupSql('bt_d', l);
		const all = await q.all(`(${e0.sql}) EXCEPT ALL (${e1.sql})`);
		expect(all, 'elapsed rows only the ASOF SQL gives').toEqual([]);
		expect(await q.all(`(${e1.sql}) EXCEPT ALL (${e0.sql})`)).toEqual([]);
		expect(await q.all(`(${d0.sql}) EXCEPT ALL (${d1.sql})`), 'deadlines').toEqual([]);
		expect(await q.all(`(${d1.sql}) EXCEPT ALL (${d0.sql})`)).toEqual([]);
		// and the cases were there: positive, zero, NULL results and deadlines beyond the table
		const kinds = await q.one(
			`SELECT count(*) FILTER (business_s > 0) AS pos, count(*) FILTER (business_s = 0) AS zero, count(*) FILTER (business_s IS NULL) AS nul FROM (${e0.sql})`
		);
		expect(Number(kinds?.pos)).toBeGreaterThan(2000);
		expect(Number(kinds?.zero)).toBeGreaterThan(300);
		expect(Number(kinds?.nul)).toBeGreaterThan(50);
		const dk = await q.one(
			`SELECT count(*) FILTER (deadline IS NOT NULL) AS some, count(*) FILTER (deadline IS NULL) AS none FROM (${d0.sql})`
		);
		expect(Number(dk?.some)).toBeGreaterThan(3000);
		expect(Number(dk?.none)).toBeGreaterThan(300);
	});
});
