/**
 * How-to questions (R19, R18) on a real store: whether a question was referred to the manual is
 * read from the ticket's tags, for tickets that are how-to questions by type or by category (the
 * training settings' lists; a category compared lowercased, also beyond ASCII). Example rate card
 * model B, Brons: support 95,00/h, minimum 15 min, rounded up to 15 min; VAT 21 %.
 * Also the subjects of the lines a page shows, read for those lines alone.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { ALL_ACCOUNTS } from '../scope.ts';
import { saveThresholds } from '../reports/training.ts';
import { billingMonth, ticketSubjects } from './billing.ts';
import type { BillingLine } from './classify.ts';

let store: Store;
let dir: string;

// id, type, category, tags
const tickets: [string, string, string | null, string | null][] = [
	['q-ref', 'question', null, 'manual_answer, other'],
	['q-ref-free', 'question', null, 'other;MANUAL_ANSWER'],
	['q-noref', 'question', null, 'other'],
	['c-ref', 'request', 'HOW-TO', 'manual_answer'],
	['u-ref', 'request', 'Ünterricht', 'manual_answer'],
	['r-tag', 'request', 'hardware', 'manual_answer']
];

// entry id, ticket, started (UTC; Tuesday 3 March 2026, 10:00 local and on), minutes, billable
const entries: [string, string, string, number, boolean][] = [
	['e-q-ref', 'q-ref', '2026-03-03T09:00:00Z', 30, true],
	['e-q-ref-free', 'q-ref-free', '2026-03-03T09:40:00Z', 10, false],
	['e-q-noref', 'q-noref', '2026-03-03T10:00:00Z', 25, true],
	['e-c-ref', 'c-ref', '2026-03-03T11:00:00Z', 20, true],
	['e-u-ref', 'u-ref', '2026-03-03T12:00:00Z', 15, true],
	['e-r-tag', 'r-tag', '2026-03-03T13:00:00Z', 40, true]
];

beforeAll(async () => {
	({ store, dir } = await freshStore());
	await store.run(
		`INSERT INTO accounts (id, name, policy_id, time_zone, status, created_at, updated_at) VALUES
		 ('brons', 'Brons B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now())`
	);
	await store.run(`INSERT INTO tier_history VALUES ('brons', '2024-01-01', 'Brons')`);
	for (const [id, type, category, tags] of tickets)
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, type, final_priority, category, tags, subject, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, 'brons', $2, 'P4', $3, $4, 'subject ' || $1, '2026-03-01T08:00:00Z', '', 1, 1)`,
			[id, type, category, tags]
		);
	for (const [id, ticket, at, minutes, billable] of entries)
		await store.run(
			`INSERT INTO time_entries (source, external_id, ticket_id, started_at, minutes, work_type, billable, on_site, order_reference, agent, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, $3::TIMESTAMPTZ, $4, 'support', $5, false, NULL, 'Agent', '', 1, 1)`,
			[id, ticket, at, minutes, billable]
		);
	// how-to questions: the type "question", and two categories (stored lowercased)
	await saveThresholds(store, {
		body: { howTo: { types: ['question'], categories: ['How-To', 'ÜNTERRICHT'] } },
		effectiveFrom: '2026-01-01',
		reason: 'how-to categories',
		by: 'Service desk'
	});
});

afterAll(async () => {
	await store?.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const lineOf = (lines: BillingLine[], id: string) => lines.find((l) => l.entryId === id)!;

describe('how-to questions and their tags', () => {
	it('R19 where the question was referred to the manual and help still given; the tags of other tickets change nothing', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		expect(m.lines).toHaveLength(entries.length);
		// 30 min at 95,00/h = 47,50
		const qRef = lineOf(m.lines, 'e-q-ref');
		expect([qRef.status, qRef.reason, qRef.billedMinutes, qRef.amountCents]).toEqual([
			'billable',
			'R19',
			30,
			4750
		]);
		// a tag in capitals, after a semicolon: referred; not billable, so free
		const free = lineOf(m.lines, 'e-q-ref-free');
		expect([free.status, free.reason]).toEqual(['free', 'R18']);
		expect(free.why).toBe('a user question referred to the manual, no further help charged: free');
		// not referred, yet marked billable: a person decides
		const noRef = lineOf(m.lines, 'e-q-noref');
		expect([noRef.status, noRef.reason]).toEqual(['needs-person', null]);
		expect(noRef.why).toMatch(/not referred to the manual/);
		// a how-to question by its category "HOW-TO": 20 min rounded up to 30 = 47,50
		const cRef = lineOf(m.lines, 'e-c-ref');
		expect([cRef.status, cRef.reason, cRef.billedMinutes, cRef.amountCents]).toEqual([
			'billable',
			'R19',
			30,
			4750
		]);
		// and by "Ünterricht" (lowercased beyond ASCII): 15 min = 23,75
		const uRef = lineOf(m.lines, 'e-u-ref');
		expect([uRef.status, uRef.reason, uRef.billedMinutes, uRef.amountCents]).toEqual([
			'billable',
			'R19',
			15,
			2375
		]);
		// a request about hardware tagged manual_answer is no how-to question: the tag decides nothing
		const rTag = lineOf(m.lines, 'e-r-tag');
		expect([rTag.status, rTag.reason, rTag.rule]).toEqual(['needs-person', null, '—']);
		expect(rTag.why).toMatch(/no chargeable reason of this policy/);
		// the month: 47,50 + 47,50 + 23,75 = 118,75, VAT 21 % per line
		expect(m.totals.netCents).toBe(11875);
		expect(m.totals.vatCents).toBe(998 + 998 + 499);
		expect(m.needsPerson.map((l) => l.entryId).sort()).toEqual(['e-q-noref', 'e-r-tag']);
	});

	it('the subjects of the lines shown, read for those lines alone', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const shown = m.needsPerson;
		expect(await ticketSubjects(store, shown)).toEqual({
			't/q-noref': 'subject q-noref',
			't/r-tag': 'subject r-tag'
		});
		// a ticket the store does not hold: no subject; no lines: nothing read
		expect(await ticketSubjects(store, [{ source: 't', ticketId: 'gone' }])).toEqual({
			't/gone': null
		});
		expect(await ticketSubjects(store, [])).toEqual({});
	});
});
