/**
 * Reconciliation with the helpdesk on a real store: a hand-made Zendesk export (the headers of
 * test/fixtures/zendesk-small.csv; times are Dutch wall-clock times) whose business-minute column
 * is the helpdesk's own claim, counted on a plain Mon–Fri schedule without holidays — Peil's
 * figure beside it, and the reason where they differ. The arithmetic is written beside each case.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { importAccounts } from '../accounts/accounts.ts';
import { importFile } from '../ingest/run-import.ts';
import { ZENDESK_TICKET_HEADER } from '../sample/generate.ts';
import { formatReconcile, reconcile, type ReconcileTicket } from './reconcile.ts';

let store: Store;
let dir: string;

const ACCOUNTS = [
	'id,name,policy,tiers,time_zone,default_language',
	'std,Standaard BV,model-a,2024-01-01=Standard,Europe/Amsterdam,nl',
	// upgraded to Goud on 1 March 2025: a Goud P1 clock runs 24/7 (R15)
	'goud,Goud BV,model-b,2024-01-01=Zilver;2025-03-01=Goud,Europe/Amsterdam,nl'
].join('\n');

interface T {
	id: string;
	org: string;
	created: string;
	/** the helpdesk's calendar minutes to the first reply (Peil's stop is created + these) */
	replyMin: number;
	/** the helpdesk's business minutes to the first reply: its own claim */
	replyBusinessMin: number;
	priority: string;
	submitted: string;
	language: string;
}

const TICKETS: T[] = [
	// Fri 25 April 2025 16:00, replied Tue 29 April 10:00 (90 h = 5400 min later). King's Day is
	// Saturday 26 April, so Monday 28 April is its substitute day, closed (R12).
	// Peil (nl-opening-hours 09–17): Fri 16–17 60 + Mon 0 + Tue 09–10 60 = 120 min.
	// Helpdesk (no holidays): 60 + Mon 480 + 60 = 600 min. Difference −480.
	// Standard P2 target 8 h = 480 min: Peil met, helpdesk missed.
	{
		id: 'kingsday',
		org: 'Standaard BV',
		created: '2025-04-25 16:00:00',
		replyMin: 5400,
		replyBusinessMin: 600,
		priority: 'high',
		submitted: 'p2',
		language: 'nl'
	},
	// Mon 3 March 2025 09:00, pending 10:00–12:00 (status history), replied 13:00 (240 min).
	// Peil: 240 − 120 paused = 120 min; helpdesk 240. Difference −120. P3 24 h: both met.
	{
		id: 'paused',
		org: 'Standaard BV',
		created: '2025-03-03 09:00:00',
		replyMin: 240,
		replyBusinessMin: 240,
		priority: 'normal',
		submitted: 'p3',
		language: 'nl'
	},
	// Tue 4 March 2025 10:00, replied 11:30: 90 min on both sides
	{
		id: 'equal',
		org: 'Standaard BV',
		created: '2025-03-04 10:00:00',
		replyMin: 90,
		replyBusinessMin: 90,
		priority: 'normal',
		submitted: 'p3',
		language: 'nl'
	},
	// Mon 10 March 2025 07:30 (before opening), replied 09:30 (120 min). Peil's clock starts at
	// 09:00 (R14): 30 min; the helpdesk claims 120. Difference −90. Standard P1 4 h: both met.
	{
		id: 'early',
		org: 'Standaard BV',
		created: '2025-03-10 07:30:00',
		replyMin: 120,
		replyBusinessMin: 120,
		priority: 'urgent',
		submitted: 'p1',
		language: 'nl'
	},
	// Thu 6 March 2025 10:00, replied 11:00: Peil 60 min, the helpdesk says 45: nothing Peil
	// stored explains it — "a different calendar or clock rule". Difference +15.
	{
		id: 'other',
		org: 'Standaard BV',
		created: '2025-03-06 10:00:00',
		replyMin: 60,
		replyBusinessMin: 45,
		priority: 'high',
		submitted: 'p2',
		language: 'nl'
	},
	// Sat 8 March 2025 10:00, submitted P3, reclassified P1 (urgent), replied 11:00 (60 min).
	// Goud P1 runs 24/7 (always-open): Peil 60 min; the helpdesk's office hours (Mon–Fri
	// 08:30–17:30) count 0. Difference +60. Goud P1 target 1 h = 60 min: both met (60 <= 60).
	{
		id: 'goud',
		org: 'Goud BV',
		created: '2025-03-08 10:00:00',
		replyMin: 60,
		replyBusinessMin: 0,
		priority: 'urgent',
		submitted: 'p3',
		language: 'nl'
	}
];

// Mon 3 March 2025: 09:00 CET = 08:00Z; pending 10:00–12:00 CET = 09:00Z–11:00Z
const EVENTS = [
	'ticket_id,at,kind,from,to,actor',
	'paused,2025-03-03T08:00:00Z,status,new,open,system',
	'paused,2025-03-03T09:00:00Z,status,open,pending,Eva',
	'paused,2025-03-03T11:00:00Z,status,pending,open,customer'
].join('\n');

function csvLine(values: string[]): string {
	return values.map((v) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',');
}

function zendeskCsv(tickets: T[]): string {
	const header = ZENDESK_TICKET_HEADER.split(',');
	const lines = tickets.map((t) => {
		const row: Record<string, string> = {
			Id: t.id,
			Requester: 'Jan de Vries',
			Subject: `Ticket ${t.id}`,
			Status: 'open',
			Priority: t.priority,
			Via: 'Mail',
			'Ticket type': 'incident',
			'Created at': t.created,
			'Updated at': t.created,
			Organization: t.org,
			'First reply time in minutes': String(t.replyMin),
			'First reply time in minutes within business hours': String(t.replyBusinessMin),
			'Language [list]': t.language,
			'Submitted priority [list]': t.submitted
		};
		return csvLine(header.map((h) => row[h] ?? ''));
	});
	return [ZENDESK_TICKET_HEADER, ...lines].join('\n') + '\n';
}

const byId = (tickets: ReconcileTicket[], id: string) => tickets.find((t) => t.externalId === id)!;

beforeAll(async () => {
	({ store, dir } = await freshStore());
	const accounts = path.join(dir, 'accounts.csv');
	fs.writeFileSync(accounts, ACCOUNTS + '\n');
	await importAccounts(store, accounts);
	const tickets = path.join(dir, 'tickets.csv');
	fs.writeFileSync(tickets, zendeskCsv(TICKETS));
	const asOf = '2025-04-30T17:00:00+02:00';
	await importFile(store, { file: tickets, source: 'zendesk', profile: 'zendesk', asOf });
	const events = path.join(dir, 'events.csv');
	fs.writeFileSync(events, EVENTS + '\n');
	await importFile(store, { file: events, source: 'zendesk', profile: 'peil-events', asOf });
}, 120_000);

afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('reconcile: Peil beside the helpdesk', () => {
	it("King's Day 2025's substitute Monday, which the helpdesk counted as a working day", async () => {
		const { tickets } = await reconcile(store);
		expect(byId(tickets, 'kingsday')).toMatchObject({
			accountId: 'std',
			month: '2025-04',
			calendarId: 'nl-opening-hours',
			helpdeskCalendarId: 'nl-opening-hours',
			peilMinutes: 120,
			helpdeskMinutes: 600,
			differenceMinutes: -480,
			equal: false,
			targetMinutes: 480,
			peilMet: true,
			helpdeskMet: false
		});
		// Saturday 26 April (King's Day) is closed anyway; only the substitute Monday cost time
		expect(byId(tickets, 'kingsday').reasons).toEqual([
			{
				code: 'substitute-day',
				text: expect.stringContaining("2025-04-28 (Substitute for King's Day)")
			}
		]);
	});

	it('a pause: 120 min pending does not count for Peil', async () => {
		const { tickets } = await reconcile(store);
		expect(byId(tickets, 'paused')).toMatchObject({
			peilMinutes: 120,
			helpdeskMinutes: 240,
			differenceMinutes: -120,
			pausedMinutes: 120,
			equal: false,
			peilMet: true,
			helpdeskMet: true
		});
		expect(byId(tickets, 'paused').reasons.map((r) => r.code)).toEqual(['pause']);
		expect(byId(tickets, 'paused').reasons[0].text).toContain('paused 120 min');
	});

	it('equal figures give no reason', async () => {
		const { tickets } = await reconcile(store);
		expect(byId(tickets, 'equal')).toMatchObject({
			peilMinutes: 90,
			helpdeskMinutes: 90,
			differenceMinutes: 0,
			equal: true,
			reasons: []
		});
	});

	it('a start before opening, a reclassification with a tier change and a 24/7 calendar, and the rest', async () => {
		const { tickets } = await reconcile(store);
		expect(byId(tickets, 'early')).toMatchObject({
			peilMinutes: 30,
			helpdeskMinutes: 120,
			differenceMinutes: -90
		});
		expect(byId(tickets, 'early').reasons.map((r) => r.code)).toEqual(['start-outside-hours']);
		expect(byId(tickets, 'early').reasons[0].text).toContain('2025-03-10 07:30');

		expect(byId(tickets, 'goud')).toMatchObject({
			accountId: 'goud',
			tier: 'Goud',
			priority: 'P1',
			submittedPriority: 'P3',
			calendarId: 'always-open',
			helpdeskCalendarId: 'nl-office-hours',
			peilMinutes: 60,
			helpdeskMinutes: 0,
			differenceMinutes: 60,
			targetMinutes: 60,
			peilMet: true,
			helpdeskMet: true
		});
		expect(byId(tickets, 'goud').reasons.map((r) => r.code)).toEqual([
			'tier-change',
			'reclassification',
			'calendar'
		]);
		expect(byId(tickets, 'goud').reasons[0].text).toContain('2025-03-01 Goud');

		expect(byId(tickets, 'other')).toMatchObject({
			peilMinutes: 60,
			helpdeskMinutes: 45,
			differenceMinutes: 15,
			reasons: [{ code: 'other', text: 'a different calendar or clock rule' }]
		});
	});

	it('summarises per account and month, and filters by source, account and month', async () => {
		const { summary } = await reconcile(store);
		// Standaard BV, March: paused, equal, early, other — 1 equal, 3 different, all met on both sides
		expect(summary).toEqual([
			{
				accountId: 'goud',
				accountName: 'Goud BV',
				month: '2025-03',
				compared: 1,
				equal: 0,
				different: 1,
				peilMet: 1,
				helpdeskMet: 1,
				reasons: { 'tier-change': 1, reclassification: 1, calendar: 1 }
			},
			{
				accountId: 'std',
				accountName: 'Standaard BV',
				month: '2025-03',
				compared: 4,
				equal: 1,
				different: 3,
				peilMet: 4,
				helpdeskMet: 4,
				reasons: { pause: 1, 'start-outside-hours': 1, other: 1 }
			},
			{
				accountId: 'std',
				accountName: 'Standaard BV',
				month: '2025-04',
				compared: 1,
				equal: 0,
				different: 1,
				peilMet: 1,
				helpdeskMet: 0,
				reasons: { 'substitute-day': 1 }
			}
		]);
		const april = await reconcile(store, { accountId: 'std', month: '2025-04' });
		expect(april.tickets.map((t) => t.externalId)).toEqual(['kingsday']);
		expect((await reconcile(store, { source: 'zendesk' })).tickets).toHaveLength(6);
		expect((await reconcile(store, { source: 'other-helpdesk' })).tickets).toHaveLength(0);
		await expect(reconcile(store, { month: '2025-13' })).rejects.toThrow(/not a month/);
		const text = formatReconcile(april);
		expect(text).toContain('Standaard BV\t2025-04\t1\t0\t1\t1\t0\tsubstitute-day 1');
		expect(text).toContain('zendesk/kingsday\t120.0\t600\t-480.0');
	});
});
