/**
 * The operational review on a real store: the figures of a small fixture month against hand-
 * computed expectations (the worked example of attainment.ts: 5 met, 2 missed -> 71.4 %), medians
 * and 90th percentiles, the discussion points of each contract model, finalising (the snapshot
 * stays what was presented while the live data changes, and the notice lists the change), the
 * portfolio's flags, and the XLSX download holding the same figures.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { ALL_ACCOUNTS } from '../scope.ts';
import { attainment } from './attainment.ts';
import { tableToXlsx } from '../export/table-export.ts';
import {
	compareReviews,
	finaliseReview,
	getReview,
	keyFigureRows,
	portfolio,
	ReviewError,
	reviewData,
	reviewTables,
	saveAgreements
} from './review.ts';

let store: Store;
let dir: string;

const AS_OF = '2026-04-03T14:00:00Z';

// [id, account, created (UTC), verdict, priority, business h, target h, extra ticket fields]
interface T {
	id: string;
	acc: string;
	created: string;
	verdict: string;
	priority: string;
	business: number | null;
	target: number;
	clock?: 'first_response' | 'resolution';
	type?: string;
	channel?: string;
	pin?: boolean | null;
	submitted?: string;
	final?: string;
	requester?: string | null;
	line?: string;
	tags?: string;
	due?: string;
	asOf?: string;
	calendar?: string;
}

// acme (model A): the worked example of attainment.ts, in March 2026
const ACME: T[] = [
	{
		id: 'm1',
		acc: 'acme',
		created: '2026-03-02T09:00:00Z',
		verdict: 'met',
		priority: 'P2',
		business: 1,
		target: 8,
		channel: 'phone',
		pin: false
	},
	{
		id: 'm2',
		acc: 'acme',
		created: '2026-03-03T09:00:00Z',
		verdict: 'met',
		priority: 'P3',
		business: 2,
		target: 24,
		channel: 'phone',
		pin: true,
		submitted: 'P2',
		final: 'P3',
		tags: 'foo reassessment'
	},
	{
		id: 'm3',
		acc: 'acme',
		created: '2026-03-04T09:00:00Z',
		verdict: 'met',
		priority: 'P3',
		business: 3,
		target: 24,
		channel: 'phone',
		pin: null,
		submitted: 'P3',
		final: 'P3'
	},
	{
		id: 'm4',
		acc: 'acme',
		created: '2026-03-05T09:00:00Z',
		verdict: 'met',
		priority: 'P3',
		business: 4,
		target: 24,
		submitted: 'P3',
		final: 'P3'
	},
	// 23:30 UTC on 28 February is 00:30 on 1 March in Amsterdam: a March ticket
	{
		id: 'm5',
		acc: 'acme',
		created: '2026-02-28T23:30:00Z',
		verdict: 'met',
		priority: 'P3',
		business: 0.5,
		target: 24
	},
	{
		id: 'x1',
		acc: 'acme',
		created: '2026-03-10T09:00:00Z',
		verdict: 'missed',
		priority: 'P3',
		business: 30,
		target: 24,
		submitted: 'P4',
		final: 'P3'
	},
	// open and missed: due Thursday 12 March 10:00 Amsterdam, as-of Friday 13 March 10:00 → 7 + 1 = 8 h over
	{
		id: 'x2',
		acc: 'acme',
		created: '2026-03-11T09:00:00Z',
		verdict: 'open_missed',
		priority: 'P3',
		business: null,
		target: 24,
		due: '2026-03-12T09:00:00Z',
		asOf: '2026-03-13T09:00:00Z',
		calendar: 'nl-opening-hours'
	},
	{
		id: 'o1',
		acc: 'acme',
		created: '2026-03-30T09:00:00Z',
		verdict: 'open_within',
		priority: 'P3',
		business: null,
		target: 24
	},
	{
		id: 'e1',
		acc: 'acme',
		created: '2026-03-12T09:00:00Z',
		verdict: 'excluded',
		priority: 'P3',
		business: null,
		target: 24,
		type: 'feature_request'
	},
	// 1 April 00:30 in Amsterdam: not March
	{
		id: 'apr',
		acc: 'acme',
		created: '2026-03-31T22:30:00Z',
		verdict: 'missed',
		priority: 'P3',
		business: 40,
		target: 24
	},
	// February and March 2025: previous month and same month last year
	{
		id: 'f1',
		acc: 'acme',
		created: '2026-02-10T09:00:00Z',
		verdict: 'met',
		priority: 'P3',
		business: 1,
		target: 24
	},
	{
		id: 'f2',
		acc: 'acme',
		created: '2026-02-11T09:00:00Z',
		verdict: 'missed',
		priority: 'P3',
		business: 25,
		target: 24
	},
	{
		id: 'y1',
		acc: 'acme',
		created: '2025-03-11T09:00:00Z',
		verdict: 'met',
		priority: 'P1',
		business: 0.25,
		target: 4
	}
];

// globex (model B): single point of contact spoc@globex.nl; lines; a resolution clock
const GLOBEX: T[] = [
	{
		id: 'g1',
		acc: 'globex',
		created: '2026-03-02T09:00:00Z',
		verdict: 'met',
		priority: 'P2',
		business: 1,
		target: 8,
		requester: 'SPOC@globex.nl',
		line: '1'
	},
	{
		id: 'g2',
		acc: 'globex',
		created: '2026-03-03T09:00:00Z',
		verdict: 'met',
		priority: 'P2',
		business: 2,
		target: 8,
		requester: 'user@globex.nl',
		line: '3'
	},
	{
		id: 'g3',
		acc: 'globex',
		created: '2026-03-04T09:00:00Z',
		verdict: 'met',
		priority: 'P3',
		business: 3,
		target: 16,
		requester: null,
		line: '2'
	},
	{
		id: 'g4',
		acc: 'globex',
		created: '2026-03-05T09:00:00Z',
		verdict: 'missed',
		priority: 'P1',
		business: 6,
		target: 4,
		requester: 'other@example.com',
		line: '1'
	},
	{
		id: 'g1',
		acc: 'globex',
		created: '2026-03-02T09:00:00Z',
		verdict: 'met',
		priority: 'P2',
		business: 10,
		target: 16,
		clock: 'resolution'
	},
	{
		id: 'g2',
		acc: 'globex',
		created: '2026-03-03T09:00:00Z',
		verdict: 'missed',
		priority: 'P2',
		business: 20,
		target: 16,
		clock: 'resolution'
	}
];

async function insertTicket(t: T, withTicket = true) {
	if (withTicket)
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, subject, type, channel, phone_pin_valid, submitted_priority, final_priority,
			   requester_email, requester_name, line, tags, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, 'Subject ' || $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::TIMESTAMPTZ, '', 1, 1)`,
			[
				t.id,
				t.acc,
				t.type ?? 'incident',
				t.channel ?? 'email',
				t.pin === undefined ? null : t.pin,
				t.submitted ?? null,
				t.final ?? t.priority,
				t.requester === undefined ? `${t.id}@example.com` : t.requester,
				t.requester ? `Person ${t.id}` : null,
				t.line ?? null,
				t.tags ?? null,
				t.created
			]
		);
	await store.run(
		`INSERT INTO ticket_sla (source, external_id, clock, policy_id, policy_version, tier, priority, language, calendar_id, target_s, business_s,
		   stopped_at, due_at, verdict, as_of, computed_at, created_local_date)
		 VALUES ('t', $1, $2, $3, 1, 'Standard', $4, 'nl', $5, $6, $7, $8::TIMESTAMPTZ, $9::TIMESTAMPTZ, $10, $11::TIMESTAMPTZ, now(),
		   CAST(timezone('Europe/Amsterdam', $12::TIMESTAMPTZ) AS DATE))`,
		[
			t.id,
			t.clock ?? 'first_response',
			t.acc === 'acme' ? 'model-a' : 'model-b',
			t.priority,
			t.calendar ?? null,
			t.target * 3600,
			t.business === null ? null : t.business * 3600,
			t.business === null ? null : t.created,
			t.due ?? null,
			t.verdict,
			t.asOf ?? AS_OF,
			t.created
		]
	);
}

beforeAll(async () => {
	({ store, dir } = await freshStore());
	await store.run(
		`INSERT INTO accounts (id, name, policy_id, csm, account_manager, time_zone, status, created_at, updated_at) VALUES
		 ('acme', 'Acme', 'model-a', 'Eva', 'Ruud', 'Europe/Amsterdam', 'active', now(), now()),
		 ('globex', 'Globex', 'model-b', 'Mark', 'Linda', 'Europe/Amsterdam', 'active', now(), now())`
	);
	await store.run(
		`INSERT INTO tier_history VALUES ('acme', '2025-01-01', 'Standard'), ('acme', '2026-03-16', 'Enhanced'), ('acme', '2026-05-01', 'Premium'), ('globex', '2025-01-01', 'Zilver')`
	);
	await store.run(
		`INSERT INTO arrears VALUES ('acme', '2026-03-10', '2026-03-20', 'late invoice'), ('acme', '2025-01-01', '2025-02-01', NULL)`
	);
	await store.run(
		`INSERT INTO contacts (account_id, name, email, is_spoc) VALUES ('globex', 'Spoc', 'spoc@globex.nl', true), ('globex', 'User', 'user@globex.nl', false)`
	);
	await store.run(
		`INSERT INTO imports (id, source, record_kind, profile, profile_reason, file_name, file_size, file_sha256, encoding, zone, as_of, as_of_origin, started_at, finished_at, status, report, is_sample)
		 VALUES (1, 't', 'tickets', 'peil', 'test', 'x.csv', 0, '', 'utf-8', 'UTC', $1::TIMESTAMPTZ, 'test', now(), now(), 'committed', '{}', false)`,
		[AS_OF]
	);
	const seen = new Set<string>();
	for (const t of [...ACME, ...GLOBEX]) {
		await insertTicket(t, !seen.has(t.id));
		seen.add(t.id);
	}
	// status history: a reassessment request on x1, line escalations on g2
	await store.run(
		`INSERT INTO ticket_events (source, ticket_id, event_key, "at", kind, from_value, to_value, actor, import_id) VALUES
		 ('t', 'x1', 'a', '2026-03-11T10:00:00Z', 'reassessment', '', 'requested', 'customer', 1),
		 ('t', 'x1', 'b', '2026-03-10T09:30:00Z', 'status', 'new', 'open', 'agent', 1),
		 ('t', 'g2', 'c', '2026-03-03T10:00:00Z', 'line', '1', '2', 'Ann', 1),
		 ('t', 'g2', 'd', '2026-03-04T10:00:00Z', 'line', '2', '3', 'Bob', 1)`
	);
	// corrections: m4's final priority P1 (a reclassification P3 → P1), o1 an external problem,
	// g4 raised by an authorised contact after all
	await store.run(
		`INSERT INTO ticket_corrections (source, external_id, field, value, reason, corrected_by, corrected_at) VALUES
		 ('t', 'm4', 'final_priority', 'P1', 'production down', 'Eva', now()),
		 ('t', 'o1', 'external', 'true', 'printer driver', 'Eva', now()),
		 ('t', 'g4', 'authorised_contact', 'true', 'deputy contact', 'Mark', now())`
	);
});

afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('review figures', () => {
	it('header: tiers in force with the change in the month, arrears, CSM, as-of, model', async () => {
		const d = (await reviewData(store, ALL_ACCOUNTS, 'acme', '2026-03'))!;
		expect(d.account).toMatchObject({
			name: 'Acme',
			model: 'A',
			csm: 'Eva',
			accountManager: 'Ruud'
		});
		expect(d.tiers.history).toEqual([
			{ tier: 'Standard', from: '2025-01-01', changedInMonth: false },
			{ tier: 'Enhanced', from: '2026-03-16', changedInMonth: true }
		]);
		expect(d.arrears).toEqual([{ from: '2026-03-10', to: '2026-03-20', note: 'late invoice' }]);
		expect(d.asOf).toBe(AS_OF.replace('Z', '.000Z'));
		expect(d.policyVersions).toEqual([{ policyId: 'model-a', version: 1, tickets: 9 }]);
		expect(d.hasResolution).toBe(false);
		expect(d.training.available).toBe(true);
		expect(d.training.note).toMatch(/how-to questions? of 9 tickets/);
		expect(await reviewData(store, ALL_ACCOUNTS, 'nobody', '2026-03')).toBeNull();
		expect(
			await reviewData(store, { kind: 'accounts', ids: ['globex'] }, 'acme', '2026-03')
		).toBeNull();
		await expect(reviewData(store, ALL_ACCOUNTS, 'acme', '2026-13')).rejects.toThrow(ReviewError);
	});

	it('key figures: the one formula, medians and 90th percentiles of stopped clocks', async () => {
		const d = (await reviewData(store, ALL_ACCOUNTS, 'acme', '2026-03'))!;
		const c = d.figures.current;
		const formula = await attainment(store, ALL_ACCOUNTS, {
			clock: 'first_response',
			from: '2026-03-01',
			to: '2026-04-01',
			accountIds: ['acme']
		});
		expect(c.tickets).toBe(9);
		expect(c.firstResponse).toMatchObject({
			met: 5,
			missed: 2,
			openMissed: 1,
			openWithin: 1,
			excluded: 1,
			attainment: formula.attainment,
			stopped: 6
		});
		expect((c.firstResponse.attainment! * 100).toFixed(1)).toBe('71.4');
		// stopped clocks: 0.5, 1, 2, 3, 4, 30 h → median (2 + 3) / 2; p90 at 4.5 → 4 + 0.5 × 26
		expect(c.firstResponse.medianHours).toBeCloseTo(2.5, 9);
		expect(c.firstResponse.p90Hours).toBeCloseTo(17, 9);
		expect(c.resolution).toBeNull();
		const p3 = c.byPriority.find((p) => p.priority === 'P3')!;
		// 0.5, 2, 3, 4, 30 → median 3; p90 at 3.6 → 4 + 0.6 × 26
		expect(p3).toMatchObject({ tickets: 8 });
		expect(p3.firstResponse.medianHours).toBeCloseTo(3, 9);
		expect(p3.firstResponse.p90Hours).toBeCloseTo(19.6, 9);
		expect(c.byPriority.find((p) => p.priority === 'P2')!.firstResponse).toMatchObject({
			met: 1,
			medianHours: 1,
			p90Hours: 1
		});
		expect(d.figures.previous).toMatchObject({ month: '2026-02', tickets: 2 });
		expect(d.figures.previous.firstResponse.attainment).toBe(0.5);
		expect(d.figures.lastYear).toMatchObject({ month: '2025-03', tickets: 1 });
		expect(d.figures.lastYear.firstResponse.medianHours).toBeCloseTo(0.25, 9);
	});

	it('volume, trend and every missed target with how far over', async () => {
		const d = (await reviewData(store, ALL_ACCOUNTS, 'acme', '2026-03'))!;
		expect(d.volume.priority.map((r) => [r.value, r.tickets])).toEqual([
			['P3', 8],
			['P2', 1]
		]);
		expect(d.volume.type.find((r) => r.value === 'feature_request')?.tickets).toBe(1);
		expect(d.volume.channel.find((r) => r.value === 'phone')).toMatchObject({
			tickets: 3,
			attainment: 1
		});
		expect(d.volume.priority[0].params).toContain('priority=P3');
		expect(d.trend).toHaveLength(12);
		expect(d.trend[0].month).toBe('2025-04');
		expect(d.trend.at(-1)).toMatchObject({ month: '2026-03', met: 5, missed: 2, tickets: 9 });
		expect(d.trend.at(-2)).toMatchObject({ month: '2026-02', met: 1, missed: 1, attainment: 0.5 });
		expect(d.missed.map((m) => m.externalId)).toEqual(['x2', 'x1']);
		const [x2, x1] = d.missed;
		// still open: 24 h target + 8 business hours (Thu 10:00–17:00, Fri 09:00–10:00)
		expect(x2).toMatchObject({ open: true, targetHours: 24, businessHours: 32, overHours: 8 });
		expect(x2.ratio).toBeCloseTo(32 / 24, 9);
		expect(x1).toMatchObject({ open: false, businessHours: 30, overHours: 6, ratio: 1.25 });
	});

	it('discussion points of model A', async () => {
		const d = (await reviewData(store, ALL_ACCOUNTS, 'acme', '2026-03'))!;
		const by = Object.fromEntries(d.discussion.map((p) => [p.key, p]));
		expect(Object.keys(by)).toEqual([
			'reclassifications',
			'reassessments',
			'feature_requests',
			'external',
			'phone_without_pin'
		]);
		// m2 P2 → P3, x1 P4 → P3, m4 P3 → P1 (final priority corrected); m3 unchanged
		expect(by.reclassifications.count).toBe(3);
		expect(by.reclassifications.context).toBe('of 4 tickets with a submitted priority');
		expect(by.reclassifications.notes[0]).toMatch(/^5 tickets have no submitted priority/);
		expect(by.reclassifications.tickets.find((t) => t.externalId === 'm4')?.detail).toBe(
			'P3 → P1 (final priority corrected in Peil)'
		);
		// x1 by its event, m2 by its tag
		expect(by.reassessments.tickets.map((t) => t.externalId).sort()).toEqual(['m2', 'x1']);
		expect(by.reassessments.notes[0]).toMatch(/8 tickets have no status history/);
		expect(by.feature_requests.count).toBe(1);
		// o1: marked external by a correction
		expect(by.external.tickets.map((t) => t.externalId)).toEqual(['o1']);
		expect(by.phone_without_pin).toMatchObject({ count: 1, context: 'of 3 phone tickets' });
		expect(by.phone_without_pin.notes[0]).toMatch(/^1 phone ticket does not say/);
	});

	it('discussion points of model B, and a resolution clock', async () => {
		const d = (await reviewData(store, ALL_ACCOUNTS, 'globex', '2026-03'))!;
		expect(d.account.model).toBe('B');
		expect(d.discussion.map((p) => p.key)).toEqual(['not_spoc', 'escalations']);
		const [spoc, esc] = d.discussion;
		// g1 is the SPOC (case ignored); g2 is not; g3 has no requester; g4 corrected as authorised
		expect(spoc.tickets.map((t) => t.externalId)).toEqual(['g2']);
		expect(spoc.context).toBe('of 3 tickets whose requester is known');
		expect(spoc.notes[0]).toMatch(/^1 ticket has no requester e-mail/);
		// g2 by its events (1 → 2 → 3), g3 by the line the export gives
		expect(esc.tickets.map((t) => t.externalId)).toEqual(['g2', 'g3']);
		expect(esc.summary).toEqual([
			{ label: 'line 1 → 2', count: 1 },
			{ label: 'line 2 → 3', count: 1 },
			{ label: 'to line 2', count: 1 }
		]);
		expect(esc.notes[0]).toMatch(/^1 escalation is known only from the line/);
		expect(d.hasResolution).toBe(true);
		expect(d.figures.current.resolution).toMatchObject({ met: 1, missed: 1, attainment: 0.5 });
		expect(d.figures.current.resolution!.medianHours).toBeCloseTo(15, 9);
		expect(d.figures.current.firstResponse.attainment).toBe(0.75);
		expect(d.missed.map((m) => [m.externalId, m.clock])).toEqual([
			['g4', 'first_response'],
			['g2', 'resolution']
		]);
	});
});

describe('portfolio', () => {
	it('flags the accounts that need attention, with the reason', async () => {
		const p = await portfolio(store, ALL_ACCOUNTS, '2026-03', null);
		expect(p.csms).toEqual(['Eva', 'Mark']);
		const acme = p.rows.find((r) => r.accountId === 'acme')!;
		expect(acme.attainment).toBe(5 / 7);
		expect(acme.reasons).toEqual([
			'first-response attainment 71,4% is below the goal of 90,0%',
			'in arrears during the month (from 10 mrt 2026 to 20 mrt 2026) (R27)',
			'3 of 4 tickets reclassified (75,0%, R5)'
		]);
		const globex = p.rows.find((r) => r.accountId === 'globex')!;
		expect(globex.reasons).toEqual([
			'first-response attainment 75,0% is below the goal of 90,0%',
			'resolution attainment 50,0% is below the goal of 90,0%',
			'1 P1 ticket missed the first-response target'
		]);
		const eva = await portfolio(store, ALL_ACCOUNTS, '2026-03', 'Eva');
		expect(eva.rows.map((r) => r.accountId)).toEqual(['acme']);
	});
});

describe('finalising', () => {
	it('keeps what was presented while the live data changes, and lists the change', async () => {
		await saveAgreements(store, 'acme', '2026-03', 'Draft text', 'Eva');
		expect((await getReview(store, 'acme', '2026-03'))?.agreements).toBe('Draft text');
		await expect(saveAgreements(store, 'acme', '2026-03', 'x', ' ')).rejects.toThrow(/name/);
		const snap = await finaliseReview(store, 'acme', '2026-03', 'Eva', {
			agreements: 'Train the phone team on PINs.'
		});
		expect(snap.data.figures.current.firstResponse).toMatchObject({ met: 5, missed: 2 });
		expect(snap.data.policyVersions).toEqual([{ policyId: 'model-a', version: 1, tickets: 9 }]);
		const p = await portfolio(store, ALL_ACCOUNTS, '2026-03', null);
		expect(p.rows.find((r) => r.accountId === 'acme')?.finalisedBy).toBe('Eva');

		// a later import alters the month: one more missed ticket, and m1 now missed
		await insertTicket({
			id: 'late',
			acc: 'acme',
			created: '2026-03-20T09:00:00Z',
			verdict: 'missed',
			priority: 'P3',
			business: 48,
			target: 24
		});
		await store.run(
			`UPDATE ticket_sla SET verdict = 'missed', business_s = 9 * 3600 WHERE external_id = 'm1'`
		);

		const stored = (await getReview(store, 'acme', '2026-03'))!;
		expect(stored.finalisedBy).toBe('Eva');
		expect(stored.snapshot).toEqual(JSON.parse(JSON.stringify(snap)));
		expect(stored.snapshot!.data.figures.current.firstResponse.attainment).toBe(5 / 7);
		expect(stored.agreements).toBe('Train the phone team on PINs.');

		const live = (await reviewData(store, ALL_ACCOUNTS, 'acme', '2026-03'))!;
		expect(live.figures.current.firstResponse).toMatchObject({ met: 4, missed: 4 });
		const changes = compareReviews(stored.snapshot!.data, live);
		const of = (what: string) => changes.find((c) => c.what === what);
		expect(of('mrt 2026: tickets')).toEqual({
			what: 'mrt 2026: tickets',
			kind: 'count',
			before: 9,
			after: 10
		});
		expect(of('mrt 2026, first response: attainment')).toMatchObject({ before: 5 / 7, after: 0.5 });
		expect(of('mrt 2026, first response: missed')).toMatchObject({ before: 2, after: 4 });
		expect(of('Missed targets')).toMatchObject({ before: 2, after: 4 });
		expect(of('Missed targets now also')?.after).toBe(
			't/late (first response), t/m1 (first response)'
		);
		// the months that did not change are not listed
		expect(changes.some((c) => c.what.startsWith('feb 2026'))).toBe(false);

		await expect(saveAgreements(store, 'acme', '2026-03', 'changed', 'Eva')).rejects.toThrow(
			/finalised .*can no longer be changed/
		);
		await expect(finaliseReview(store, 'acme', '2026-03', 'Eva')).rejects.toThrow(
			/already finalised/
		);
		// compare with itself: nothing changes
		expect(compareReviews(live, live)).toEqual([]);
	});
});

describe('the XLSX download', () => {
	it('holds the figures the page shows, one sheet per section', async () => {
		const d = (await reviewData(store, ALL_ACCOUNTS, 'globex', '2026-03'))!;
		const tables = reviewTables(d, 'Agreed things', null);
		const ExcelJS = (await import('exceljs')).default;
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load((await tableToXlsx(tables)) as unknown as ArrayBuffer);
		expect(wb.worksheets.map((w) => w.name)).toEqual([
			'Header',
			'Key figures',
			'Volume',
			'Trend',
			'Missed targets',
			'Discussion points',
			'Training',
			'Chargeable work',
			'Agreements and actions'
		]);
		const rows = (name: string) => {
			const ws = wb.getWorksheet(name)!;
			const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
			const out: Record<string, unknown>[] = [];
			ws.eachRow((row, i) => {
				if (i === 1) return;
				const v = (row.values as unknown[]).slice(1);
				out.push(Object.fromEntries(header.map((h, j) => [h, v[j] ?? null])));
			});
			return out;
		};
		const key = rows('Key figures');
		expect(key).toHaveLength(keyFigureRows(d).length);
		const now = key.find(
			(r) => r.Period === 'this month' && r.Priority === 'all' && r.Clock === 'first response'
		)!;
		expect(now).toMatchObject({ Tickets: 4, Met: 3, Missed: 1, Attainment: 0.75 });
		expect(now['Median business hours']).toBeCloseTo(
			d.figures.current.firstResponse.medianHours!,
			9
		);
		expect(now['90th percentile business hours']).toBeCloseTo(
			d.figures.current.firstResponse.p90Hours!,
			9
		);
		const res = key.find(
			(r) => r.Period === 'this month' && r.Priority === 'all' && r.Clock === 'resolution'
		)!;
		expect(res).toMatchObject({ Attainment: 0.5, 'Median business hours': 15 });
		const missed = rows('Missed targets');
		expect(missed.map((r) => r.Ticket)).toEqual(d.missed.map((m) => `${m.source}/${m.externalId}`));
		expect(missed[0]['Business hours over target']).toBeCloseTo(d.missed[0].overHours!, 9);
		expect(rows('Trend').at(-1)).toMatchObject({
			Month: '2026-03',
			'First-response attainment': 0.75
		});
		const vol = rows('Volume').filter((r) => r.By === 'Priority');
		expect(vol.map((r) => [r.Value, r.Tickets])).toEqual(
			d.volume.priority.map((r) => [r.value, r.tickets])
		);
		const points = rows('Discussion points').filter((r) => r.Count !== null);
		expect(points.map((r) => r.Count)).toEqual(d.discussion.map((p) => p.count));
		expect(rows('Agreements and actions')[0]['Agreements and actions']).toBe('Agreed things');
	});
});
