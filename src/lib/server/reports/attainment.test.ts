import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { attainment } from './attainment.ts';
import { ALL_ACCOUNTS } from '../scope.ts';

let store: Store;
let dir: string;

// The worked example of attainment.ts and the README, on a real store: tickets and their
// verdicts written as rows, so the formula is checked on its own.
const TICKETS: [string, string, string][] = [
	['m1', '2026-03-02T09:00:00Z', 'met'],
	['m2', '2026-03-03T09:00:00Z', 'met'],
	['m3', '2026-03-04T09:00:00Z', 'met'],
	['m4', '2026-03-05T09:00:00Z', 'met'],
	// 23:30 UTC on 28 February is 00:30 on 1 March in Amsterdam: a March ticket
	['m5', '2026-02-28T23:30:00Z', 'met'],
	['x1', '2026-03-10T09:00:00Z', 'missed'],
	['x2', '2026-03-11T09:00:00Z', 'open_missed'],
	['o1', '2026-03-30T09:00:00Z', 'open_within'],
	['e1', '2026-03-12T09:00:00Z', 'excluded'],
	// 1 April 00:30 in Amsterdam (22:30 UTC on 31 March): not March
	['apr', '2026-03-31T22:30:00Z', 'missed']
];

beforeAll(async () => {
	({ store, dir } = await freshStore());
	await store.run(
		`INSERT INTO accounts (id, name, policy_id, time_zone, status, created_at, updated_at) VALUES ('acme', 'Acme', 'model-a', 'Europe/Amsterdam', 'active', now(), now())`
	);
	for (const [id, created, verdict] of TICKETS) {
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, created_at, row_hash, import_id, first_import_id) VALUES ('t', $1, 'acme', $2::TIMESTAMPTZ, '', 1, 1)`,
			[id, created]
		);
		await store.run(
			// created_local_date as the engine stores it: the date in the account's zone
			`INSERT INTO ticket_sla (source, external_id, clock, tier, priority, verdict, computed_at, created_local_date)
			 VALUES ('t', $1, 'first_response', 'Standard', 'P3', $2, now(), CAST(timezone('Europe/Amsterdam', $3::TIMESTAMPTZ) AS DATE))`,
			[id, verdict, created]
		);
	}
});

afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

it('attainment = met / (met + missed), open-within and excluded tickets shown apart, months in the account zone', async () => {
	const r = await attainment(store, ALL_ACCOUNTS, {
		clock: 'first_response',
		from: '2026-03-01',
		to: '2026-04-01'
	});
	// met: m1–m5 = 5; missed: x1 + x2 (open and missed) = 2; attainment 5 / 7
	expect(r).toEqual({
		met: 5,
		missed: 2,
		openWithin: 1,
		openMissed: 1,
		excluded: 1,
		attainment: 5 / 7
	});
	expect((r.attainment! * 100).toFixed(1)).toBe('71.4');
	const april = await attainment(store, ALL_ACCOUNTS, {
		clock: 'first_response',
		from: '2026-04-01',
		to: '2026-05-01'
	});
	expect(april).toMatchObject({ met: 0, missed: 1, attainment: 0 });
	const none = await attainment(
		store,
		{ kind: 'accounts', ids: [] },
		{ clock: 'first_response', from: '2026-03-01', to: '2026-04-01' }
	);
	expect(none.attainment).toBeNull();
});
