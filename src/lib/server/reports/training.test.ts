/**
 * Training needs on a real store: one account crosses the thresholds and another of the same tier
 * does not (flags and their reasons), repeat askers, the trend and the tier comparison, the
 * corrected type, what the data cannot show, the versioned thresholds with their preview, the
 * training records and R20's chargeable date.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { ALL_ACCOUNTS } from '../scope.ts';
import {
	BUILTIN_VERSION,
	chargeableHowToFrom,
	chargeableHowToPeriods,
	currentThresholds,
	DEFAULT_THRESHOLDS,
	listTrainingRecords,
	parsePeriod,
	parseThresholds,
	previewThresholds,
	recordTraining,
	saveThresholds,
	thresholdVersions,
	TrainingError,
	trainingView
} from './training.ts';

let store: Store;
let dir: string;
const MARCH = { from: '2026-03', to: '2026-03' };

interface T {
	id: string;
	account: string;
	/** day of the month in Amsterdam */
	created: string;
	type: string;
	category?: string | null;
	tags?: string | null;
	email?: string | null;
	name?: string | null;
	noTags?: boolean;
}

const tickets: T[] = [];
let seq = 0;
function add(account: string, month: string, n: number, t: Partial<T> = {}) {
	for (let i = 0; i < n; i++)
		tickets.push({
			id: `${account}-${++seq}`,
			account,
			created: `${month}-${String((i % 27) + 1).padStart(2, '0')}T10:00:00Z`,
			type: 'incident',
			category: 'login',
			email: `someone${i % 5}@${account}.nl`,
			name: `Someone ${i % 5}`,
			...t
		});
}

beforeAll(async () => {
	({ store, dir } = await freshStore());
	await store.run(
		`INSERT INTO accounts (id, name, policy_id, account_manager, time_zone, status, created_at, updated_at) VALUES
		 ('needy', 'Needy B.V.', 'model-b', 'Linda', 'Europe/Amsterdam', 'active', now(), now()),
		 ('calm', 'Calm B.V.', 'model-b', 'Linda', 'Europe/Amsterdam', 'active', now(), now()),
		 ('notags', 'No Tags Ltd', 'model-b', 'Ruud', 'Europe/Amsterdam', 'active', now(), now()),
		 ('quiet', 'Quiet B.V.', 'model-b', 'Ruud', 'Europe/Amsterdam', 'active', now(), now()),
		 ('declined', 'Declined B.V.', 'model-b', 'Ruud', 'Europe/Amsterdam', 'active', now(), now()),
		 ('unanswered', 'Unanswered B.V.', 'model-b', 'Ruud', 'Europe/Amsterdam', 'active', now(), now()),
		 ('accepted', 'Accepted B.V.', 'model-b', 'Ruud', 'Europe/Amsterdam', 'active', now(), now()),
		 ('late', 'Late B.V.', 'model-b', 'Ruud', 'Europe/Amsterdam', 'active', now(), now())`
	);
	await store.run(
		`INSERT INTO tier_history VALUES ('needy', '2024-01-01', 'Zilver'), ('calm', '2024-01-01', 'Zilver'),
		 ('notags', '2024-01-01', 'Goud')`
	);
	await store.run(
		`INSERT INTO imports (id, source, record_kind, profile, profile_reason, file_name, file_size, file_sha256, encoding, zone, as_of, as_of_origin, started_at, finished_at, status, report, is_sample)
		 VALUES (1, 't', 'tickets', 'peil', 'test', 'x.csv', 0, '', 'utf-8', 'UTC', '2026-04-02T10:00:00Z', 'test', now(), now(), 'committed', '{}', false)`
	);

	// needy, March: 20 tickets, 11 questions + 1 incident corrected to a question = 12 (60 %);
	// ann asks 5 how-to questions on "howto" (a repeat asker), bob 3 (not: the minimum is 4);
	// 8 of the 12 were answered with the manual
	add('needy', '2026-03', 5, {
		type: 'question',
		category: 'howto',
		email: 'ann@needy.nl',
		name: 'Ann',
		tags: 'manual_answer'
	});
	add('needy', '2026-03', 3, {
		type: 'question',
		category: 'howto',
		email: 'bob@needy.nl',
		name: 'Bob',
		tags: 'manual_answer escalated_2nd_line'
	});
	add('needy', '2026-03', 3, { type: 'question', category: 'reports' });
	add('needy', '2026-03', 1, { id: 'needy-corrected', type: 'incident', category: 'reports' });
	add('needy', '2026-03', 8, { type: 'incident' });
	// needy earlier: 10 tickets a month, 2 questions (20 %)
	for (const m of ['2025-12', '2026-01', '2026-02']) {
		add('needy', m, 2, { type: 'question', category: 'howto' });
		add('needy', m, 8, { type: 'incident' });
	}
	// calm, March: 20 tickets, 4 questions (20 %), 1 referred; the same share before
	add('calm', '2026-03', 1, { type: 'question', category: 'howto', tags: 'manual_answer' });
	add('calm', '2026-03', 3, { type: 'question', category: 'howto' });
	add('calm', '2026-03', 16, { type: 'incident' });
	add('calm', '2026-02', 2, { type: 'question', category: 'howto' });
	add('calm', '2026-02', 8, { type: 'incident' });
	// notags (Goud, alone in its tier): an export without tags; some questions without category
	// or requester
	add('notags', '2026-03', 6, { type: 'question', category: 'howto', noTags: true });
	add('notags', '2026-03', 2, { type: 'question', category: null, noTags: true });
	add('notags', '2026-03', 2, { type: 'question', category: 'howto', email: null, noTags: true });
	add('notags', '2026-03', 2, { type: 'incident', noTags: true });
	// a ticket created 23:30 UTC on 31 March is 1 April in Amsterdam: not March
	add('calm', '2026-03', 1, {
		id: 'calm-april',
		type: 'question',
		created: '2026-03-31T22:30:00Z'
	});

	for (const t of tickets) {
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, type, category, tags, requester_email, requester_name,
			   created_at, missing_fields, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, $3, $4, $5, $6, $7, $8::TIMESTAMPTZ, $9::VARCHAR[], '', 1, 1)`,
			[
				t.id,
				t.account,
				t.type,
				t.category ?? null,
				t.tags ?? null,
				t.email ?? null,
				t.name ?? null,
				t.created,
				t.noTags ? '[tags, closed_at]' : '[closed_at]'
			]
		);
		await store.run(
			`INSERT INTO ticket_sla (source, external_id, clock, verdict, computed_at, created_local_date)
			 VALUES ('t', $1, 'first_response', 'met', now(), CAST(timezone('Europe/Amsterdam', $2::TIMESTAMPTZ) AS DATE))`,
			[t.id, t.created]
		);
	}
	await store.run(
		`INSERT INTO ticket_corrections (source, external_id, field, value, reason, corrected_by, corrected_at)
		 VALUES ('t', 'needy-corrected', 'type', 'question', 'a how-to question really', 'csm', now())`
	);
});

afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('training view', () => {
	it('flags the account that crosses the thresholds, with the reasons in words', async () => {
		const v = await trainingView(store, ALL_ACCOUNTS, MARCH);
		expect(v.thresholds.version).toBe(1);
		expect(v.accounts.map((a) => a.accountId)).toEqual(['needy', 'notags', 'calm']);
		const needy = v.accounts[0];
		expect(needy).toMatchObject({
			tickets: 20,
			howTo: 12, // 11 imported questions and the one corrected to a question
			referred: 8,
			referredKnown: 12,
			tier: 'Zilver'
		});
		expect(needy.share).toBeCloseTo(0.6, 6);
		expect(needy.flags.map((f) => f.key)).toEqual([
			'share',
			'referred',
			'repeat',
			'rising',
			'tier'
		]);
		const reason = Object.fromEntries(needy.flags.map((f) => [f.key, f.reason]));
		expect(reason.share).toBe(
			'12 of its 20 tickets (60,0%) in mrt 2026 were how-to questions; the flag is set at 50% or more with at least 10 how-to questions.'
		);
		expect(reason.referred).toBe(
			'8 of 12 how-to questions (66,7%) were answered by pointing to the manual or knowledge base; the flag is set at 40% or more with at least 5.'
		);
		expect(reason.rising).toContain('rose from 20,0%');
		expect(reason.rising).toContain('to 60,0%: 40 points');
		expect(reason.tier).toBe(
			'Its how-to share of 60,0% is 3 × the 20,0% average of the 1 other Zilver account; the flag is set at 1,5 × or more with at least 10 how-to questions.'
		);
	});

	it('does not flag the account below every threshold', async () => {
		const v = await trainingView(store, ALL_ACCOUNTS, MARCH);
		const calm = v.accounts.find((a) => a.accountId === 'calm')!;
		// the ticket of 1 April in Amsterdam is not counted
		expect(calm).toMatchObject({ tickets: 20, howTo: 4, referred: 1, flags: [] });
		expect(calm.tierAverage).toEqual({ share: 0.6, accounts: 1 });
		expect(calm.earlierShare).toBeCloseTo(0.2, 6);
	});

	it('finds repeat askers: one contact, one category, at least the minimum', async () => {
		const v = await trainingView(store, ALL_ACCOUNTS, MARCH);
		const needy = v.accounts.find((a) => a.accountId === 'needy')!;
		expect(needy.repeatAskers).toEqual([
			{ email: 'ann@needy.nl', name: 'Ann', category: 'howto', questions: 5 }
		]);
		expect(needy.flags.find((f) => f.key === 'repeat')!.reason).toBe(
			'1 contact asked 4 or more how-to questions on one category in mrt 2026: Ann 5 on "howto".'
		);
		// over two months the minimum doubles (4 a month): Ann's 5 are not enough
		const two = await trainingView(store, ALL_ACCOUNTS, { from: '2026-02', to: '2026-03' });
		expect(two.accounts.find((a) => a.accountId === 'needy')!.repeatAskers).toEqual([]);
	});

	it('says what the data cannot show instead of counting zero', async () => {
		const v = await trainingView(store, ALL_ACCOUNTS, MARCH);
		const nt = v.accounts.find((a) => a.accountId === 'notags')!;
		expect(nt).toMatchObject({ howTo: 10, referred: 0, referredKnown: 0, referredShare: null });
		expect(nt.flags.map((f) => f.key)).toEqual(['share']);
		expect(nt.notes).toEqual([
			'Whether questions were answered by the manual cannot be seen: the export of its tickets has no tags.',
			'2 how-to questions have no category: not counted for repeat askers.',
			'2 how-to questions have no requester e-mail: not attributed to a contact.',
			'No other Goud account has tickets in mrt 2026: no tier comparison.',
			'No tickets in the earlier periods: no trend.'
		]);
		expect(v.quiet.map((q) => q.accountId)).toContain('quiet');
	});

	it('links the counts to the ticket list with its own filters', async () => {
		const v = await trainingView(store, ALL_ACCOUNTS, MARCH);
		const needy = v.accounts.find((a) => a.accountId === 'needy')!;
		expect(needy.links).toEqual({
			tickets: 'from=2026-03&account=needy',
			howTo: 'from=2026-03&account=needy&type=question'
		});
		expect(v.howToLinkExact).toBe(true);
	});

	it('respects the scope', async () => {
		const v = await trainingView(store, { kind: 'accounts', ids: ['calm'] }, MARCH);
		expect(v.accounts.map((a) => a.accountId)).toEqual(['calm']);
		// no other Zilver account in scope: no comparison
		expect(v.accounts[0].tierAverage.accounts).toBe(0);
	});

	it('reads the period from the URL, naming a wrong parameter', () => {
		expect(parsePeriod(new URLSearchParams(''), '2026-03')).toEqual(MARCH);
		expect(parsePeriod(new URLSearchParams('from=2026-01&to=2026-03'), 'x')).toEqual({
			from: '2026-01',
			to: '2026-03'
		});
		expect(() => parsePeriod(new URLSearchParams('from=2026-13'), 'x')).toThrow(/^from: /);
		expect(() => parsePeriod(new URLSearchParams('from=2026-03&to=2026-01'), 'x')).toThrow(/^to: /);
	});
});

describe('thresholds, versioned', () => {
	it('checks a document field by field', () => {
		expect(parseThresholds({})).toEqual(DEFAULT_THRESHOLDS);
		expect(() => parseThresholds({ minHowToSharePct: 120 })).toThrow(
			'minHowToSharePct: 120 is outside 0–100'
		);
		expect(() => parseThresholds({ trendPeriods: 1.5 })).toThrow(
			'trendPeriods: 1.5 is not a whole number'
		);
		expect(() => parseThresholds({ howTo: { types: [], categories: [] } })).toThrow(
			/^howTo\.types: /
		);
	});

	it('previews which flags change, then saves version 2 from its date (version 1 kept)', async () => {
		expect(await thresholdVersions(store)).toEqual([BUILTIN_VERSION]);
		const body = { ...DEFAULT_THRESHOLDS, minHowToSharePct: 90, tierFactor: 4 };
		const preview = await previewThresholds(
			store,
			ALL_ACCOUNTS,
			{ body, effectiveFrom: '2026-04-01' },
			MARCH
		);
		expect(preview.candidate.version).toBe(2);
		expect(preview.changes).toEqual([
			expect.objectContaining({
				accountId: 'needy',
				added: [],
				removed: [
					expect.objectContaining({ key: 'share' }),
					expect.objectContaining({ key: 'tier' })
				]
			}),
			expect.objectContaining({
				accountId: 'notags',
				removed: [expect.objectContaining({ key: 'share' })]
			})
		]);
		// a preview saves nothing
		expect(await thresholdVersions(store)).toHaveLength(1);

		await expect(
			saveThresholds(store, { body, effectiveFrom: '2026-04-01', reason: '', by: 'Linda' })
		).rejects.toThrow('reason: say why the thresholds change');
		await expect(
			saveThresholds(store, { body, effectiveFrom: '1 april', reason: 'x', by: 'Linda' })
		).rejects.toThrow('effectiveFrom: "1 april" is not a date (yyyy-mm-dd)');
		const saved = await saveThresholds(store, {
			body,
			effectiveFrom: '2026-04-01',
			reason: 'fewer, stronger flags',
			by: 'Linda'
		});
		expect(saved.version).toBe(2);
		const versions = await thresholdVersions(store);
		expect(versions.map((v) => [v.version, v.effectiveFrom, v.reason])).toEqual([
			[1, '2000-01-01', BUILTIN_VERSION.reason],
			[2, '2026-04-01', 'fewer, stronger flags']
		]);
		expect((await currentThresholds(store)).version).toBe(2);
		expect((await currentThresholds(store, '2026-03-31')).version).toBe(1);
		// March keeps version 1's flags; April on is judged by version 2
		const march = await trainingView(store, ALL_ACCOUNTS, MARCH);
		expect(march.thresholds.version).toBe(1);
		expect(march.accounts[0].flags.map((f) => f.key)).toContain('share');
		const april = await trainingView(store, ALL_ACCOUNTS, { from: '2026-04', to: '2026-04' });
		expect(april.thresholds.version).toBe(2);
	});
});

describe('training records and R20', () => {
	it('validates a record, naming the field', async () => {
		const base = { accountId: 'needy', status: 'offered', onDate: '2026-03-10', by: 'Linda' };
		await expect(recordTraining(store, { ...base, status: 'maybe' })).rejects.toThrow(
			'status: "maybe" is not one of offered, accepted, held, declined'
		);
		await expect(recordTraining(store, { ...base, onDate: '2026-02-30' })).rejects.toThrow(
			'onDate: "2026-02-30" is not a date (yyyy-mm-dd)'
		);
		await expect(recordTraining(store, { ...base, onDate: '2999-01-01' })).rejects.toThrow(
			/^onDate: .* is in the future/
		);
		await expect(recordTraining(store, { ...base, by: ' ' })).rejects.toThrow(
			'by: enter the name of who records it'
		);
		await expect(recordTraining(store, { ...base, accountId: 'nobody' })).rejects.toThrow(
			'accountId: there is no account "nobody"'
		);
		await expect(recordTraining(store, { ...base, note: 'x'.repeat(2001) })).rejects.toThrow(
			/^note: /
		);
		const e = await recordTraining(store, { ...base, status: '' }).catch((x: unknown) => x);
		expect(e).toBeInstanceOf(TrainingError);
		expect((e as TrainingError).field).toBe('status');
	});

	it('lists records per account and shows the latest on the view', async () => {
		const r = await recordTraining(store, {
			accountId: 'needy',
			status: 'offered',
			onDate: '2026-03-20',
			note: 'two sessions on templates',
			by: 'Linda'
		});
		expect(r).toMatchObject({ accountId: 'needy', status: 'offered', onDate: '2026-03-20' });
		const list = await listTrainingRecords(store, ALL_ACCOUNTS, 'needy');
		expect(list.map((x) => [x.status, x.onDate, x.note, x.by])).toEqual([
			['offered', '2026-03-20', 'two sessions on templates', 'Linda']
		]);
		const v = await trainingView(store, ALL_ACCOUNTS, MARCH);
		expect(v.accounts.find((a) => a.accountId === 'needy')!.training).toMatchObject({
			latest: { status: 'offered', onDate: '2026-03-20' },
			records: 1,
			chargeableFrom: '2026-04-19',
			chargeableReason: 'offered on 20 mrt 2026, no answer within 30 days'
		});
	});

	it('chargeable from a decline', async () => {
		await recordTraining(store, {
			accountId: 'declined',
			status: 'offered',
			onDate: '2026-01-05',
			by: 'Ruud'
		});
		await recordTraining(store, {
			accountId: 'declined',
			status: 'declined',
			onDate: '2026-01-12',
			by: 'Ruud'
		});
		expect(await chargeableHowToFrom(store, 'declined')).toBe('2026-01-12');
	});

	it('chargeable 30 days after an offer without an answer', async () => {
		await recordTraining(store, {
			accountId: 'unanswered',
			status: 'offered',
			onDate: '2026-01-05',
			by: 'Ruud'
		});
		expect(await chargeableHowToFrom(store, 'unanswered')).toBe('2026-02-04');
		// an answer after the 30 days does not undo the days already chargeable; a decline keeps it
		await recordTraining(store, {
			accountId: 'unanswered',
			status: 'declined',
			onDate: '2026-03-01',
			by: 'Ruud'
		});
		expect(await chargeableHowToFrom(store, 'unanswered')).toBe('2026-02-04');
	});

	it('not chargeable when the offer was accepted in time; accepted late ends the period', async () => {
		await recordTraining(store, {
			accountId: 'accepted',
			status: 'offered',
			onDate: '2026-01-05',
			by: 'Ruud'
		});
		await recordTraining(store, {
			accountId: 'accepted',
			status: 'accepted',
			onDate: '2026-01-20',
			by: 'Ruud'
		});
		expect(await chargeableHowToFrom(store, 'accepted')).toBeNull();
		expect(await chargeableHowToPeriods(store, 'accepted')).toEqual([]);

		await recordTraining(store, {
			accountId: 'late',
			status: 'offered',
			onDate: '2026-01-05',
			by: 'R'
		});
		await recordTraining(store, {
			accountId: 'late',
			status: 'held',
			onDate: '2026-03-02',
			by: 'R'
		});
		expect(await chargeableHowToFrom(store, 'late')).toBeNull();
		expect(await chargeableHowToPeriods(store, 'late')).toEqual([
			{
				from: '2026-02-04',
				to: '2026-03-02',
				reason: 'offered on 5 jan 2026, no answer within 30 days'
			}
		]);
	});

	it('nothing recorded: not chargeable', async () => {
		expect(await chargeableHowToFrom(store, 'calm')).toBeNull();
	});
});
