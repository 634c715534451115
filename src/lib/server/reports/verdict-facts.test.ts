/**
 * What the review and the training view read from the verdicts instead of the tickets or their
 * events, on a generated sample (both contract models, every kind of event), against the path
 * that reads the tickets and events themselves (the path of verdicts written before the engine
 * stored these facts):
 *  - the status history — whether a ticket has one, its reassessment requests (R10), its changes
 *    of line (R8) — stored by the engine: the stored facts are what the events say, ticket by
 *    ticket, and a review read from them equals the review read from the events, wholly and in part;
 *  - the account and the (corrected) type a verdict carries: the training view counts a ticket
 *    from them and reads the ticket only for how-to questions, with the same result as reading
 *    every ticket.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { generateSample } from '../sample/generate.ts';
import { importAccounts } from '../accounts/accounts.ts';
import { importFile } from '../ingest/run-import.ts';
import { recomputeSla } from '../sla/recompute.ts';
import { ALL_ACCOUNTS } from '../scope.ts';
import { reviewData, type ReviewData } from './review.ts';
import {
	BUILTIN_VERSION,
	DEFAULT_THRESHOLDS,
	trainingForAccount,
	trainingView
} from './training.ts';

let store: Store;
let dir: string;
// tickets (of model-A accounts) whose events are removed before the verdicts are written: no
// status history
let withoutEvents: string[] = [];

beforeAll(async () => {
	({ store, dir } = await freshStore());
	const sample = path.join(dir, 'sample');
	const gen = await generateSample({ tickets: 4000, outDir: sample });
	await importAccounts(store, gen.files.accounts);
	for (const [file, profile] of [
		[gen.files.tickets, 'zendesk'],
		[gen.files.events, 'peil-events']
	] as const)
		await importFile(store, { file, source: 'zendesk', profile, asOf: gen.asOf, verdicts: false });
	withoutEvents = (
		await store.all(
			`SELECT t.external_id FROM tickets t JOIN accounts a ON a.id = t.account_id
			 WHERE a.policy_id = 'model-a' ORDER BY t.external_id LIMIT 3`
		)
	).map((r) => String(r.external_id));
	await store.run(
		`DELETE FROM ticket_events WHERE source = 'zendesk' AND ticket_id IN ($1, $2, $3)`,
		withoutEvents
	);
	await recomputeSla(store);
}, 120_000);

afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** The facts as the events give them, for every verdict: what the engine must have stored. */
async function factsDiffering(): Promise<Record<string, unknown> | undefined> {
	return store.one(
		`WITH ev AS (
		   SELECT e.source, e.ticket_id,
		     to_json(list({'at': epoch_ms(e."at"), 'actor': e.actor} ORDER BY e."at", e.event_key) FILTER (e.kind = 'reassessment')) AS r,
		     to_json(list({'at': epoch_ms(e."at"), 'from': e.from_value, 'to': e.to_value, 'actor': e.actor} ORDER BY e."at", e.event_key) FILTER (e.kind = 'line')) AS l
		   FROM ticket_events e GROUP BY 1, 2)
		 SELECT count(*) AS verdicts,
		   count(*) FILTER (s.has_events IS DISTINCT FROM (ev.source IS NOT NULL)) AS has_events,
		   count(*) FILTER (CAST(s.reassessments AS VARCHAR) IS DISTINCT FROM CAST(ev.r AS VARCHAR)) AS reassessments,
		   count(*) FILTER (CAST(s.line_changes AS VARCHAR) IS DISTINCT FROM CAST(ev.l AS VARCHAR)) AS line_changes,
		   count(*) FILTER (NOT s.has_events) AS without_history,
		   count(*) FILTER (s.reassessments IS NOT NULL) AS with_reassessments,
		   count(*) FILTER (s.line_changes IS NOT NULL) AS with_line_changes,
		   count(*) FILTER (s.policy_id IS NULL) AS without_policy
		 FROM ticket_sla s LEFT JOIN ev ON ev.source = s.source AND ev.ticket_id = s.external_id`
	);
}

/** The account and month (yyyy-mm) of the model with the most verdicts carrying the given fact. */
async function busiest(model: string, column: string): Promise<{ account: string; month: string }> {
	const r = await store.one(
		`SELECT s.account_id, strftime(s.created_local_date, '%Y-%m') AS month, count(*) AS n
		 FROM ticket_sla s JOIN accounts a ON a.id = s.account_id
		 WHERE a.policy_id = $1 AND s.clock = 'first_response' AND s.${column} IS NOT NULL
		 GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 1`,
		[model]
	);
	return { account: String(r?.account_id), month: String(r?.month) };
}

const review = async (account: string, month: string): Promise<ReviewData> => {
	const r = await reviewData(store, ALL_ACCOUNTS, account, month);
	if (!r) throw new Error(`no review of ${account}`);
	return r;
};

const point = (r: ReviewData, key: string) => r.discussion.find((d) => d.key === key)!;

describe('the status history stored with the verdicts', () => {
	it('is what the events say, for every verdict', async () => {
		const d = await factsDiffering();
		expect(d).toMatchObject({ has_events: 0, reassessments: 0, line_changes: 0 });
		// not a comparison of nothing: each fact occurs, tickets without a history too
		expect(Number(d?.without_history)).toBeGreaterThanOrEqual(withoutEvents.length);
		expect(Number(d?.with_reassessments)).toBeGreaterThan(0);
		expect(Number(d?.with_line_changes)).toBeGreaterThan(0);
		expect(Number(d?.verdicts)).toBeGreaterThan(4000);
	});

	it('gives the review read from the events: reassessments (model A), escalations (model B)', async () => {
		for (const [model, column, key] of [
			['model-a', 'reassessments', 'reassessments'],
			['model-b', 'line_changes', 'escalations']
		] as const) {
			const { account, month } = await busiest(model, column);
			const stored = await review(account, month);
			const p = point(stored, key);
			expect(p.count).toBeGreaterThan(0);
			// their details come from the history: when, by whom
			expect(p.tickets.some((t) => /^(requested|line) /.test(t.detail))).toBe(true);

			// half the verdicts as written before the engine stored the facts, then all of them
			await store.run(
				`UPDATE ticket_sla SET has_events = NULL, reassessments = NULL, line_changes = NULL
				 WHERE account_id = $1 AND hash(external_id) % 2 = 0`,
				[account]
			);
			expect(await review(account, month)).toEqual(stored);
			await store.run(
				`UPDATE ticket_sla SET has_events = NULL, reassessments = NULL, line_changes = NULL WHERE account_id = $1`,
				[account]
			);
			expect(await review(account, month)).toEqual(stored);
		}
		// written again by the engine: the facts are back
		await recomputeSla(store);
		expect(await factsDiffering()).toMatchObject({ has_events: 0, reassessments: 0 });
	});

	it('tells the review which tickets have no history', async () => {
		const r = await store.one(
			`SELECT account_id, strftime(created_local_date, '%Y-%m') AS month FROM ticket_sla
			 WHERE source = 'zendesk' AND external_id = $1 AND clock = 'first_response'`,
			[withoutEvents[0]]
		);
		const data = await review(String(r?.account_id), String(r?.month));
		const notes = data.discussion.flatMap((d) => d.notes).join(' ');
		expect(notes).toMatch(/no status history/);
	});
});

describe('the training view from the verdicts', () => {
	it('equals the view read from every ticket: a month, a quarter, other thresholds, one account', async () => {
		const month = { from: '2026-10', to: '2026-10' };
		const quarter = { from: '2026-08', to: '2026-10' };
		// thresholds this small sample crosses, and a how-to category of other types too (every
		// ticket is then read)
		const low = {
			...BUILTIN_VERSION,
			thresholds: {
				...DEFAULT_THRESHOLDS,
				minHowToCount: 3,
				minReferredCount: 2,
				repeatMinQuestions: 2
			}
		};
		const top = await store.one(
			`SELECT category FROM tickets WHERE category IS NOT NULL AND type <> 'question' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`
		);
		const withCategory = {
			...low,
			thresholds: {
				...low.thresholds,
				howTo: { ...low.thresholds.howTo, categories: [String(top?.category)] }
			}
		};
		const cases = [
			[month, undefined],
			[quarter, undefined],
			[month, low],
			[quarter, low],
			[month, withCategory]
		] as const;
		const views = [];
		for (const [p, t] of cases) views.push(await trainingView(store, ALL_ACCOUNTS, p, t));
		const account = views[2].accounts[0].accountId;
		const one = await trainingForAccount(store, ALL_ACCOUNTS, account, quarter);
		// not a comparison of nothing: how-to questions, referrals, repeat askers and flags occur
		const all = views[2].accounts;
		expect(all.length).toBeGreaterThan(5);
		expect(all.some((a) => a.howTo > 0 && a.referred > 0)).toBe(true);
		expect(all.some((a) => a.repeatAskers.length > 0)).toBe(true);
		expect(all.some((a) => a.flags.length > 0)).toBe(true);
		expect(views[4].accounts.reduce((n, a) => n + a.howTo, 0)).toBeGreaterThan(
			views[0].accounts.reduce((n, a) => n + a.howTo, 0)
		);
		expect(one?.howTo).toBeGreaterThan(0);

		// every verdict as written before it carried the ticket's account and type
		await store.run(`UPDATE ticket_sla SET created_at = NULL`);
		for (let i = 0; i < cases.length; i++)
			expect(await trainingView(store, ALL_ACCOUNTS, cases[i][0], cases[i][1])).toEqual(views[i]);
		expect(await trainingForAccount(store, ALL_ACCOUNTS, account, quarter)).toEqual(one);
		await recomputeSla(store);
	});
});
