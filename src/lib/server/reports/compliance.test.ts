/**
 * The compliance page's data on a real store: the worked example of attainment.ts (so every
 * figure of the page equals the one formula's), the splits adding up, the list behind a figure,
 * the histogram bins, the at-risk tickets counted in business hours, and the filters' URL form.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { attainment } from './attainment.ts';
import { ALL_ACCOUNTS } from '../scope.ts';
import {
	complianceView,
	sharedComplianceView,
	defaultMonth,
	filterOptions,
	filterParams,
	FilterError,
	listChunks,
	listPage,
	parseFilters,
	parseListFilters,
	LIST_COLUMNS
} from './compliance.ts';

let store: Store;
let dir: string;

// [id, account, created (UTC), verdict, priority, tier, language, channel, business h, target h]
type T = [string, string, string, string, string, string, string, string, number | null, number];
const TICKETS: T[] = [
	['m1', 'acme', '2026-03-02T09:00:00Z', 'met', 'P1', 'Premium', 'nl', 'email', 0.5, 1],
	['m2', 'acme', '2026-03-03T09:00:00Z', 'met', 'P3', 'Standard', 'nl', 'web', 3.95, 4],
	['m3', 'acme', '2026-03-04T09:00:00Z', 'met', 'P3', 'Standard', 'en', 'web', 1, 4],
	['m4', 'globex', '2026-03-05T09:00:00Z', 'met', 'P3', 'Standard', 'nl', 'phone', 2, 4],
	// 23:30 UTC on 28 February is 00:30 on 1 March in Amsterdam: a March ticket
	['m5', 'globex', '2026-02-28T23:30:00Z', 'met', 'P3', 'Standard', 'nl', 'phone', 4, 4],
	['x1', 'globex', '2026-03-10T09:00:00Z', 'missed', 'P1', 'Premium', 'en', 'email', 2.5, 1],
	['x2', 'acme', '2026-03-11T09:00:00Z', 'open_missed', 'P3', 'Standard', 'nl', 'web', null, 4],
	['o1', 'acme', '2026-03-30T09:00:00Z', 'open_within', 'P3', 'Standard', 'nl', 'web', null, 4],
	['e1', 'acme', '2026-03-12T09:00:00Z', 'excluded', 'P3', 'Standard', 'nl', 'web', null, 4],
	// 1 April 00:30 in Amsterdam (22:30 UTC on 31 March): not March
	['apr', 'acme', '2026-03-31T22:30:00Z', 'missed', 'P3', 'Standard', 'nl', 'web', 9, 4],
	// February, for the trend
	['f1', 'acme', '2026-02-10T09:00:00Z', 'met', 'P3', 'Standard', 'nl', 'web', 1, 4],
	['f2', 'acme', '2026-02-11T09:00:00Z', 'missed', 'P3', 'Standard', 'nl', 'web', 5, 4]
];

// The as-of instant: Friday 3 April 2026 16:00 Amsterdam (14:00 UTC). Office hours 08:30–17:30.
const AS_OF = '2026-04-03T14:00:00Z';

beforeAll(async () => {
	({ store, dir } = await freshStore());
	await store.run(
		`INSERT INTO accounts (id, name, policy_id, csm, time_zone, status, created_at, updated_at) VALUES
		 ('acme', 'Acme', 'model-a', 'Eva', 'Europe/Amsterdam', 'active', now(), now()),
		 ('globex', 'Globex', 'model-b', 'Mark', 'Europe/Amsterdam', 'active', now(), now())`
	);
	await store.run(
		`INSERT INTO imports (id, source, record_kind, profile, profile_reason, file_name, file_size, file_sha256, encoding, zone, as_of, as_of_origin, started_at, finished_at, status, report, is_sample)
		 VALUES (1, 't', 'tickets', 'peil', 'test', 'x.csv', 0, '', 'utf-8', 'UTC', $1::TIMESTAMPTZ, 'test', now(), now(), 'committed', '{}', false)`,
		[AS_OF]
	);
	const all: T[] = [
		...TICKETS,
		// open at the as-of: due Monday 6 April 10:30 Amsterdam = 1 h (Fri 16:00–17:30 is 1.5 h) …
		['r1', 'acme', '2026-04-02T09:00:00Z', 'open_within', 'P2', 'Standard', 'nl', 'web', null, 8],
		['r2', 'globex', '2026-04-03T08:00:00Z', 'open_within', 'P2', 'Zilver', 'nl', 'web', null, 4]
	];
	const due: Record<string, string> = {
		// Friday 17:00 Amsterdam: 1 business hour left
		r1: '2026-04-03T15:00:00Z',
		// Monday 6 April is Easter Monday (closed): Tuesday 7 April 12:30 Amsterdam = 1.5 + 4 = 5.5 h
		r2: '2026-04-07T10:30:00Z'
	};
	for (const [id, acc, created, verdict, prio, tier, lang, channel, bh, th] of all) {
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, subject, type, channel, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, 'Subject ' || $1, 'incident', $3, $4::TIMESTAMPTZ, '', 1, 1)`,
			[id, acc, channel, created]
		);
		await store.run(
			// as the engine writes them: the ticket's account, channel, type (as corrected) and creation
			`INSERT INTO ticket_sla (source, external_id, clock, tier, priority, language, calendar_id, target_s, business_s, due_at, verdict, as_of, computed_at, created_local_date,
			   account_id, channel, type, created_at)
			 VALUES ('t', $1, 'first_response', $2, $3, $4, 'nl-office-hours', $5, $6, $7::TIMESTAMPTZ, $8, $9::TIMESTAMPTZ, now(),
			         CAST(timezone('Europe/Amsterdam', $10::TIMESTAMPTZ) AS DATE), $11, $12, $13, $10::TIMESTAMPTZ)`,
			[
				id,
				tier,
				prio,
				lang,
				th * 3600,
				bh === null ? null : bh * 3600,
				due[id] ?? null,
				verdict,
				AS_OF,
				created,
				acc,
				channel,
				// x1's type is corrected to question below
				id === 'x1' ? 'question' : 'incident'
			]
		);
	}
	// a correction of the type: the filter reads the corrected value
	await store.run(
		`INSERT INTO ticket_corrections (source, external_id, field, value, reason, corrected_by, corrected_at)
		 VALUES ('t', 'x1', 'type', 'question', 'reclassified', 'csm', now())`
	);
});

afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const march = () => parseFilters(new URLSearchParams('from=2026-03'), '2026-01');

describe('compliance view', () => {
	it('the headline equals the attainment formula (worked example: 5 met, 2 missed, 71.4 %)', async () => {
		const v = await complianceView(store, ALL_ACCOUNTS, march());
		const a = await attainment(store, ALL_ACCOUNTS, {
			clock: 'first_response',
			from: '2026-03-01',
			to: '2026-04-01'
		});
		expect(a).toMatchObject({ met: 5, missed: 2, openWithin: 1, excluded: 1 });
		expect(v.overall).toMatchObject({
			met: a.met,
			missed: a.missed,
			openWithin: a.openWithin,
			openMissed: a.openMissed,
			excluded: a.excluded,
			attainment: a.attainment
		});
		expect((v.overall.attainment! * 100).toFixed(1)).toBe('71.4');
		expect(v.asOf).toBe('2026-04-03T14:00:00.000Z');
	});

	it('every split adds up to the headline, and each row equals the formula for its filter', async () => {
		const v = await complianceView(store, ALL_ACCOUNTS, march());
		for (const split of [v.priorityTier, v.accounts, v.languages, v.channels]) {
			expect(split.reduce((n, r) => n + r.met, 0)).toBe(v.overall.met);
			expect(split.reduce((n, r) => n + r.missed, 0)).toBe(v.overall.missed);
			expect(split.reduce((n, r) => n + r.openWithin, 0)).toBe(v.overall.openWithin);
		}
		const globex = v.accounts.find((r) => r.key.account === 'globex')!;
		const a = await attainment(store, ALL_ACCOUNTS, {
			clock: 'first_response',
			from: '2026-03-01',
			to: '2026-04-01',
			accountIds: ['globex']
		});
		expect(globex).toMatchObject({ met: a.met, missed: a.missed, attainment: a.attainment });
		expect(globex).toMatchObject({ met: 2, missed: 1, label: 'Globex', goal: 0.9 });
		const p1 = v.priorityTier.find((r) => r.key.priority === 'P1')!;
		expect(p1).toMatchObject({ met: 1, missed: 1, attainment: 0.5, target: { min: 1, max: 1 } });
		expect(new URLSearchParams(p1.params).getAll('priority')).toEqual(['P1']);
	});

	it('the trend covers twelve months up to the period, each month by the formula', async () => {
		const v = await complianceView(store, ALL_ACCOUNTS, march());
		expect(v.months).toHaveLength(12);
		expect(v.months.at(-1)!.month).toBe('2026-03');
		expect(v.months[0].month).toBe('2025-04');
		const feb = v.months.find((m) => m.month === '2026-02')!;
		expect(feb).toMatchObject({ met: 1, missed: 1, attainment: 0.5 });
		expect(v.months.find((m) => m.month === '2026-03')).toMatchObject({ met: 5, missed: 2 });
		expect(v.months.find((m) => m.month === '2025-12')!.attainment).toBeNull();
	});

	it('the histogram bins business time in tenths of the target; exactly on target is met', async () => {
		const v = await complianceView(store, ALL_ACCOUNTS, march());
		const nonEmpty = v.histogram.filter((h) => h.met + h.missed > 0);
		expect(nonEmpty.map((h) => [h.label, h.met, h.missed])).toEqual([
			['20–30 %', 1, 0], // m3 1/4
			['50–60 %', 2, 0], // m1 0.5/1, m4 2/4
			['90–100 %', 1, 0], // m2 3.95/4
			['100–110 %', 1, 0], // m5 4/4: on target is met
			['250–260 %', 0, 1] // x1 2.5/1
		]);
	});

	it('filters narrow every figure: tier, language, channel, CSM and the corrected type', async () => {
		const q = (s: string) =>
			complianceView(store, ALL_ACCOUNTS, parseFilters(new URLSearchParams(s), '2026-03'));
		expect((await q('from=2026-03&language=en')).overall).toMatchObject({ met: 1, missed: 1 });
		expect((await q('from=2026-03&channel=phone')).overall).toMatchObject({ met: 2, missed: 0 });
		expect((await q('from=2026-03&csm=Mark')).overall).toMatchObject({ met: 2, missed: 1 });
		expect((await q('from=2026-03&tier=Premium&tier=Standard')).overall.met).toBe(5);
		// x1 was corrected from incident to question
		expect((await q('from=2026-03&type=question')).overall).toMatchObject({ met: 0, missed: 1 });
		expect((await q('from=2026-03&type=incident')).overall).toMatchObject({ met: 5, missed: 1 });
		const none = await complianceView(
			store,
			{ kind: 'accounts', ids: [] },
			parseFilters(new URLSearchParams('from=2026-03'), '2026-03')
		);
		expect(none.overall.attainment).toBeNull();
	});

	it('at-risk tickets: open, due within N business hours of the as-of, counted on their calendar', async () => {
		const v = await complianceView(store, ALL_ACCOUNTS, march());
		expect(v.atRisk.map((t) => [t.externalId, Number(t.hoursLeft.toFixed(2))])).toEqual([
			['r1', 1]
		]);
		const wide = await complianceView(
			store,
			ALL_ACCOUNTS,
			parseFilters(new URLSearchParams('from=2026-03&within=6'), '2026-03')
		);
		// r2: Friday 16:00–17:30 (1.5 h), Easter Monday closed, Tuesday 08:30–12:30 (4 h)
		expect(wide.atRisk.map((t) => [t.externalId, Number(t.hoursLeft.toFixed(2))])).toEqual([
			['r1', 1],
			['r2', 5.5]
		]);
	});

	it('the list behind a figure holds exactly the tickets the figure counts', async () => {
		const missed = await listPage(
			store,
			ALL_ACCOUNTS,
			parseListFilters(new URLSearchParams('from=2026-03&verdict=missed&sort=ratio'), '2026-03'),
			1
		);
		expect(missed.total).toBe(2);
		expect(missed.rows.map((r) => r.ticket).sort()).toEqual(['x1', 'x2']);
		const x1 = missed.rows.find((r) => r.ticket === 'x1')!;
		expect(x1).toMatchObject({
			account: 'Globex',
			type: 'question',
			business: 2.5,
			target: 1,
			ratio: 2.5,
			verdict: 'missed',
			created: '2026-03-10T09:00:00.000Z'
		});
		const bin = await listPage(
			store,
			ALL_ACCOUNTS,
			parseListFilters(new URLSearchParams('from=2026-03&bin=5'), '2026-03'),
			1
		);
		expect(bin.rows.map((r) => r.ticket).sort()).toEqual(['m1', 'm4']);
		const all = await listPage(
			store,
			ALL_ACCOUNTS,
			parseListFilters(new URLSearchParams('from=2026-03'), '2026-03'),
			1
		);
		// 5 met + 2 missed + 1 open within + 1 excluded
		expect(all.total).toBe(9);
		expect(all.rows.map((r) => r.ticket)[0]).toBe('m5'); // oldest first
	});

	it('the stream of a list carries the same values as its page, text outside the known values too', async () => {
		// a ticket of no account: "(no account)" is not among the account names the stream knows
		await store.run(
			`INSERT INTO tickets (source, external_id, channel, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', 'orphan', 'fax', TIMESTAMPTZ '2026-03-15 09:00:00Z', '', 1, 1)`
		);
		await store.run(
			`INSERT INTO ticket_sla (source, external_id, clock, tier, priority, verdict, computed_at, created_local_date, channel, created_at)
			 VALUES ('t', 'orphan', 'first_response', 'Platinum', 'P9', 'met', now(), DATE '2026-03-15', 'fax', TIMESTAMPTZ '2026-03-15 09:00:00Z')`
		);
		try {
			const f = parseListFilters(new URLSearchParams('from=2026-03'), '2026-03');
			const page = await listPage(store, ALL_ACCOUNTS, f, 1);
			const streamed: Record<string, unknown>[] = [];
			for await (const chunk of listChunks(store, ALL_ACCOUNTS, f))
				for (let r = 0; r < chunk.rows; r++)
					streamed.push(
						Object.fromEntries(LIST_COLUMNS.map((c, i) => [c.key, chunk.columns[i][r]]))
					);
			expect(streamed).toHaveLength(page.total);
			expect(page.total).toBe(10);
			streamed.forEach((row, i) => {
				for (const c of LIST_COLUMNS) {
					const want = page.rows[i][c.key];
					if (c.type === 'instant')
						expect(row[c.key]).toBe(want === null ? null : Date.parse(String(want)));
					else expect(row[c.key]).toEqual(want);
				}
			});
			const orphan = streamed.find((r) => r.ticket === 'orphan')!;
			expect(orphan).toMatchObject({
				account: '(no account)',
				channel: 'fax',
				tier: 'Platinum',
				priority: 'P9',
				verdict: 'met'
			});
		} finally {
			await store.run(`DELETE FROM ticket_sla WHERE external_id = 'orphan'`);
			await store.run(`DELETE FROM tickets WHERE external_id = 'orphan'`);
			await store.run(`INSERT OR REPLACE INTO meta VALUES ('verdicts_written', 'test 1')`);
		}
	});

	it('the default period is the last complete month before the as-of; options list the data', async () => {
		expect(await defaultMonth(store, ALL_ACCOUNTS)).toBe('2026-03');
		const o = await filterOptions(store, ALL_ACCOUNTS);
		expect(o.tiers).toEqual(['Premium', 'Standard', 'Zilver']);
		expect(o.csms).toEqual(['Eva', 'Mark']);
		expect(o.types).toEqual(['incident', 'question']);
		expect(o.months[0]).toBe('2026-04');
		// kept until the data changes, then read again
		expect(await filterOptions(store, ALL_ACCOUNTS)).toBe(o);
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', 'late', 'globex', TIMESTAMPTZ '2026-03-20 09:00:00Z', '', 1, 1)`
		);
		await store.run(
			`INSERT INTO ticket_sla (source, external_id, clock, tier, verdict, computed_at, created_local_date, account_id)
			 VALUES ('t', 'late', 'first_response', 'Goud', 'met', now() + INTERVAL 1 MINUTE, DATE '2026-03-20', 'globex')`
		);
		// what every write of verdicts leaves (recompute.ts): the mark the choices are kept by
		await store.run(`INSERT OR REPLACE INTO meta VALUES ('verdicts_written', 'test 2')`);
		expect((await filterOptions(store, ALL_ACCOUNTS)).tiers).toEqual([
			'Goud',
			'Premium',
			'Standard',
			'Zilver'
		]);
		await store.run(`DELETE FROM ticket_sla WHERE external_id = 'late'`);
		await store.run(`DELETE FROM tickets WHERE external_id = 'late'`);
	});

	it('a view is shared by requests for the same scope and filters until the data changes', async () => {
		const f = parseFilters(new URLSearchParams('from=2026-03'), '2026-03');
		const a = await sharedComplianceView(store, ALL_ACCOUNTS, f);
		expect(await sharedComplianceView(store, ALL_ACCOUNTS, f)).toBe(a);
		expect(a).toEqual(await complianceView(store, ALL_ACCOUNTS, f));
		// another scope is another view
		const one = await sharedComplianceView(store, { kind: 'accounts', ids: ['globex'] }, f);
		expect(one).not.toBe(a);
		expect(one.overall.met + one.overall.missed).toBeLessThan(a.overall.met + a.overall.missed);
		await store.run(`INSERT OR REPLACE INTO meta VALUES ('verdicts_written', 'test 3')`);
		const b = await sharedComplianceView(store, ALL_ACCOUNTS, f);
		expect(b).not.toBe(a);
		expect(b).toEqual(a);
	});
});

describe('filters in the URL', () => {
	it('reads, defaults and writes them back in one canonical form', () => {
		const f = parseFilters(
			new URLSearchParams('from=2026-01&to=2026-03&tier=Premium&tier=Standard&clock=resolution'),
			'2026-05'
		);
		expect(f).toMatchObject({
			from: '2026-01',
			to: '2026-03',
			tiers: ['Premium', 'Standard'],
			clock: 'resolution',
			within: 4
		});
		expect(filterParams(f).toString()).toBe(
			'from=2026-01&to=2026-03&clock=resolution&tier=Premium&tier=Standard'
		);
		expect(parseFilters(new URLSearchParams(''), '2026-05')).toMatchObject({
			from: '2026-05',
			to: '2026-05'
		});
	});

	it('names the parameter of a wrong value', () => {
		const bad = (s: string) => () => parseListFilters(new URLSearchParams(s), '2026-05');
		expect(bad('from=2026-13')).toThrow(FilterError);
		expect(bad('from=2026-13')).toThrow(/from: "2026-13" is not a month/);
		expect(bad('from=2026-05&to=2026-01')).toThrow(/to: 2026-01 is before from/);
		expect(bad('clock=both')).toThrow(/clock/);
		expect(bad('within=-1')).toThrow(/within/);
		expect(bad('verdict=late')).toThrow(/verdict/);
		expect(bad('bin=99')).toThrow(/bin/);
		expect(bad('sort=colour')).toThrow(/sort/);
	});
});
