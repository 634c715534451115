/**
 * Freshdesk / Freshservice, TOPdesk (UI export in Dutch and English, REST JSON) and Zammad (XLSX
 * report, REST JSON): each export detected from its header, its good rows loaded with Peil's
 * words and the helpdesk's own SLA figures kept as its claim, each bad row rejected with its row,
 * column and a reason, every row accounted for, and a second import of the same file a no-op.
 *
 * The fixtures are written for these tests (never copied from real exports). XLSX workbooks are
 * built here with exceljs rather than committed as binaries.
 */
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../db/index.ts';
import { freshStore, FIXTURES } from '../../../../../test/helpers/fresh-store.ts';
import {
	importFile,
	type ImportOptions,
	type ImportReport,
	type RejectRow
} from '../run-import.ts';
import { parseCsvRecord } from '../read-file.ts';
import { checkProfile } from '../profile.ts';
import { BUILTIN_PROFILES, detectProfile } from './index.ts';
import { freshdeskTickets } from './freshdesk.ts';
import { topdeskApiIncidents, topdeskIncidents, topdeskIncidentsEn } from './topdesk.ts';
import { zammadApiTickets, zammadTickets } from './zammad.ts';

const freshdesk = path.join(FIXTURES, 'freshdesk-tickets.csv');
const freshservice = path.join(FIXTURES, 'freshservice-tickets.csv');
const topdeskNl = path.join(FIXTURES, 'topdesk-incidents-nl.csv');
const topdeskApi = path.join(FIXTURES, 'topdesk-api-incidents.json');
const zammadApi = path.join(FIXTURES, 'zammad-api-tickets.json');

let store: Store;
let dir: string;

beforeEach(async () => {
	({ store, dir } = await freshStore());
});
afterEach(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

function balanced(r: ImportReport): void {
	for (const c of Object.values(r.counts))
		expect(c.read).toBe(c.inserted + c.updated + c.unchanged + c.rejected);
}

function byRow(r: ImportReport): Record<number, RejectRow> {
	// one problem per bad row in these fixtures
	expect(new Set(r.rejects.map((x) => x.row)).size).toBe(r.rejects.length);
	return Object.fromEntries(r.rejects.map((x) => [x.row, x]));
}

interface StoredTicket {
	[k: string]: unknown;
	sla: Record<string, unknown> | null;
}

async function ticket(source: string, id: string): Promise<StoredTicket> {
	const t = await store.one(`SELECT * FROM tickets WHERE source = $1 AND external_id = $2`, [
		source,
		id
	]);
	expect(t, `ticket ${id} of ${source}`).toBeTruthy();
	return { ...t!, sla: t!.helpdesk_sla ? JSON.parse(String(t!.helpdesk_sla)) : null };
}

/** Import, then import the same file again: the second time everything is unchanged. */
async function importTwice(opts: ImportOptions): Promise<ImportReport> {
	const first = await importFile(store, opts);
	balanced(first);
	const before = await store.all('SELECT * FROM tickets ORDER BY source, external_id');
	const again = await importFile(store, opts);
	balanced(again);
	expect(again.counts.tickets).toEqual({
		read: first.counts.tickets.read,
		inserted: 0,
		updated: 0,
		unchanged: first.counts.tickets.inserted,
		rejected: first.counts.tickets.rejected
	});
	expect(await store.all('SELECT * FROM tickets ORDER BY source, external_id')).toEqual(before);
	return first;
}

type Cell = string | number | Date | null;

/** A workbook with one sheet of these rows; dates as date cells (wall-clock, as Excel keeps them). */
async function workbook(file: string, rows: Cell[][]): Promise<string> {
	const ExcelJS = (await import('exceljs')).default;
	const wb = new ExcelJS.Workbook();
	const ws = wb.addWorksheet('Sheet1');
	for (const r of rows) {
		const row = ws.addRow(r.map((v) => v ?? undefined));
		row.eachCell((c) => {
			if (c.value instanceof Date) c.numFmt = 'yyyy-mm-dd hh:mm:ss';
		});
	}
	await wb.xlsx.writeFile(file);
	return file;
}

/** A wall-clock reading as a spreadsheet date cell holds it (no zone). */
const at = (s: string): Date => new Date(s.replace(' ', 'T') + 'Z');

describe('the profiles themselves', () => {
	const mine = [
		freshdeskTickets,
		topdeskIncidents,
		topdeskIncidentsEn,
		topdeskApiIncidents,
		zammadTickets,
		zammadApiTickets
	];

	it('are valid: Peil fields or sla_ claims, mapped values in Peil words', () => {
		for (const p of mine) expect(checkProfile(p), p.name).toEqual([]);
		for (const p of mine) expect(BUILTIN_PROFILES).toContain(p);
	});

	it('each is detected from its own signature, and Zendesk still from its header', () => {
		for (const p of mine)
			expect(
				detectProfile(
					p.signature!.map((c) => (Array.isArray(c) ? c[0] : c)),
					BUILTIN_PROFILES
				)?.profile.name,
				p.name
			).toBe(p.name);
		const zendesk = fs.readFileSync(path.join(FIXTURES, 'zendesk-small.csv'), 'utf8');
		expect(detectProfile(parseCsvRecord(zendesk, ',').fields, BUILTIN_PROFILES)?.profile.name).toBe(
			'zendesk'
		);
	});
});

describe('Freshdesk ticket export', () => {
	it('detects the profile, loads the good rows and rejects each bad one with row, column and reason', async () => {
		const r = await importTwice({ file: freshdesk, source: 'freshdesk' });
		expect(r.profile).toBe('freshdesk');
		expect(r.profileReason).toMatch(/detected from the header: 16 of the 16 columns/);
		expect(r.counts.tickets).toEqual({
			read: 9,
			inserted: 4,
			updated: 0,
			unchanged: 0,
			rejected: 5
		});
		const bad = byRow(r);
		expect(Object.keys(bad).map(Number)).toEqual([6, 7, 8, 9, 10]);
		expect(bad[6]).toMatchObject({ column: 'Priority', value: 'Critical' });
		expect(bad[6].reason).toMatch(/^unknown priority "Critical": expected one of urgent, high/);
		expect(bad[7]).toMatchObject({ column: 'Created time', value: '2024-02-30 10:00:00' });
		expect(bad[7].reason).toMatch(
			/is not a possible date and time in the form yyyy-MM-dd HH:mm:ss/
		);
		expect(bad[8]).toMatchObject({
			column: 'Ticket ID',
			value: null,
			reason: 'the ticket id is empty'
		});
		expect(bad[9].column).toBe('Initial response time');
		expect(bad[9].reason).toBe(
			'the first response time 2024-03-07 07:00:00 UTC is before the creation time 2024-03-07 08:00:00 UTC'
		);
		expect(bad[10]).toMatchObject({ column: 'Status', value: 'Escalated' });
		expect(bad[10].reason).toMatch(/^unknown status "Escalated"/);
	});

	it('normalises a ticket: UTC instants from the zone, P-levels, Peil statuses, Freshdesk claims kept', async () => {
		const r = await importFile(store, { file: freshdesk, source: 'freshdesk' });
		expect(r.zone).toBe('Europe/Amsterdam');
		const t = await ticket('freshdesk', '1201');
		expect(t).toMatchObject({
			subject: 'Laptop start niet op',
			organisation: 'Gemeente Zuidvelde',
			account_id: 'gemeente-zuidvelde',
			status: 'closed',
			status_raw: 'Closed',
			final_priority: 'P2',
			priority_raw: 'High',
			type: 'incident',
			channel: 'email',
			requester_name: 'Jan de Vries',
			requester_email: 'jan@zuidvelde.nl',
			requester_id: '80001',
			tags: 'hardware,laptop',
			// 09:15 in Amsterdam in March (CET, +01:00)
			created_at: '2024-03-04T08:15:00.000Z',
			first_response_at: '2024-03-04T08:50:00.000Z',
			first_response_origin: 'export',
			resolved_at: '2024-03-04T12:45:00.000Z',
			closed_at: '2024-03-06T09:00:00.000Z',
			updated_at: '2024-03-06T09:00:00.000Z'
		});
		expect(t.sla).toEqual({
			due_by: '2024-03-04 16:15:00+00',
			first_response_business_minutes: 35,
			resolution_business_minutes: 270,
			first_response_status: 'Within SLA',
			resolution_status: 'Within SLA',
			time_tracked_minutes: 90
		});
		// summer time (CEST, +02:00); the custom "Waiting on …" statuses; Windows-1252-able text
		const summer = await ticket('freshdesk', '1202');
		expect(summer).toMatchObject({
			subject: 'Kassa “betaling” mislukt – €50 kwijt',
			organisation: 'Café Zoë',
			status: 'hold',
			final_priority: 'P1',
			type: 'problem',
			channel: 'phone',
			created_at: '2024-07-01T06:00:00.000Z'
		});
		expect(summer.sla).toMatchObject({ first_response_status: 'SLA Violated' });
		expect(await ticket('freshdesk', '1203')).toMatchObject({
			status: 'pending',
			final_priority: 'P4',
			type: 'request',
			channel: 'web',
			requester_name: 'Smith, Anna'
		});
		// an account's own ticket type stays as written; the feedback widget is the web
		expect(await ticket('freshdesk', '1204')).toMatchObject({
			type: 'Billing',
			type_raw: 'Billing',
			channel: 'web',
			final_priority: 'P3'
		});
	});

	it('reads the same export after an Excel re-save (";", DD/MM/YYYY H:MM, Windows-1252) as the same tickets', async () => {
		const original = await importFile(store, { file: freshdesk, source: 'freshdesk' });
		// what Excel with a Dutch/UK locale makes of it: times without seconds, day first, hours
		// and durations without a leading zero, semicolons, CRLF, the ANSI code page
		const text = fs.readFileSync(freshdesk, 'utf8');
		const rows: string[][] = [];
		for (let rest = text; rest.length;) {
			const { fields, length } = parseCsvRecord(rest, ',');
			rows.push(fields);
			rest = rest.slice(length);
		}
		const resaved = rows
			.map((cells) =>
				cells
					.map((c) =>
						c
							.replace(
								/^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):00$/,
								(_, y, m, d, h, min) => `${d}/${m}/${y} ${Number(h)}:${min}`
							)
							.replace(/^0(\d:\d\d(:\d\d)?)$/, '$1')
					)
					.map((c) => (/[;"\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c))
					.join(';')
			)
			.join('\r\n');
		expect(resaved).toContain('04/03/2024 9:15;');
		const file = path.join(dir, 'freshdesk-excel.csv');
		fs.writeFileSync(file, iconv.encode(resaved + '\r\n', 'win1252'));

		const r = await importFile(store, { file, source: 'freshdesk' });
		expect(r.profile).toBe('freshdesk');
		expect(r.encoding).toBe('windows-1252');
		expect(r.delimiter).toBe(';');
		// the very same tickets: every stored value hashes the same, so nothing changes
		expect(r.counts.tickets).toEqual({
			read: 9,
			inserted: 0,
			updated: 0,
			unchanged: 4,
			rejected: 5
		});
		balanced(r);
		expect(r.rejects.map((x) => [x.row, x.column])).toEqual(
			original.rejects.map((x) => [x.row, x.column])
		);
		expect(r.rejects[1]).toMatchObject({ column: 'Created time', value: '30/02/2024 10:00' });
		expect(r.rejects[1].reason).toMatch(/not a possible date/);
		// and into a source of its own, the same values as the original's
		await importFile(store, { file, source: 'freshdesk-excel' });
		const stored = (source: string) =>
			store.all(
				`SELECT * EXCLUDE (source, import_id, first_import_id, row_hash) FROM tickets WHERE source = $1 ORDER BY external_id`,
				[source]
			);
		expect(await stored('freshdesk-excel')).toEqual(await stored('freshdesk'));
	});
});

describe('Freshservice ticket export (same profile)', () => {
	it('reads the other capitals and words, Urgency/Impact/Category/Sub-Category, in the zone given', async () => {
		const r = await importTwice({
			file: freshservice,
			source: 'freshservice',
			zone: 'Europe/Helsinki'
		});
		expect(r.profile).toBe('freshdesk');
		expect(r.zone).toBe('Europe/Helsinki');
		expect(r.counts.tickets).toEqual({
			read: 4,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 2
		});
		const bad = byRow(r);
		expect(bad[4]).toMatchObject({ column: 'Created Time', value: '2024-11-31 10:00:00' });
		expect(bad[4].reason).toMatch(/not a possible date and time/);
		expect(bad[5]).toMatchObject({ column: 'Resolution Time (in Hrs)', value: '3.5' });
		expect(bad[5].reason).toBe('"3.5" is not a duration (h:mm or h:mm:ss)');

		const t = await ticket('freshservice', 'INC-501');
		expect(t).toMatchObject({
			status: 'solved',
			final_priority: 'P2',
			type: 'incident',
			category: 'Network',
			channel: 'email',
			organisation: 'Finance',
			requester_name: 'Piet Klaassen',
			// 08:05 in Helsinki in November (EET, +02:00)
			created_at: '2024-11-12T06:05:00.000Z',
			first_response_at: '2024-11-12T06:25:00.000Z',
			resolved_at: '2024-11-12T09:35:00.000Z',
			updated_at: '2024-11-12T09:40:00.000Z',
			closed_at: null
		});
		expect(t.sla).toEqual({
			due_by: '2024-11-12 14:05:00+00',
			first_response_business_minutes: 20,
			resolution_business_minutes: 210,
			first_response_status: 'Within SLA',
			resolution_status: 'Within SLA',
			time_tracked_minutes: 50,
			urgency: 'High',
			impact: 'Medium',
			subcategory: 'VPN'
		});
		expect(await ticket('freshservice', 'SR-502')).toMatchObject({
			type: 'request',
			channel: 'web',
			status: 'open',
			final_priority: 'P4'
		});
	});
});

describe('TOPdesk incident export', () => {
	it('reads the Dutch selection export (";", dd-mm-yyyy) and rejects each bad row with row, column and reason', async () => {
		const r = await importTwice({ file: topdeskNl, source: 'topdesk' });
		expect(r.profile).toBe('topdesk');
		expect(r.delimiter).toBe(';');
		expect(r.counts.tickets).toEqual({
			read: 7,
			inserted: 3,
			updated: 0,
			unchanged: 0,
			rejected: 4
		});
		const bad = byRow(r);
		expect(Object.keys(bad).map(Number)).toEqual([5, 6, 7, 8]);
		expect(bad[5]).toMatchObject({ column: 'Prioriteit', value: 'Spoedeisend' });
		expect(bad[5].reason).toMatch(/^unknown priority "Spoedeisend"/);
		expect(bad[6]).toMatchObject({ column: 'Aanmelddatum', value: '31-04-2024 10:00' });
		expect(bad[6].reason).toMatch(/not a possible date and time in the form dd-MM-yyyy HH:mm/);
		expect(bad[7]).toMatchObject({ column: 'Incidentnummer', reason: 'the ticket id is empty' });
		expect(bad[8].column).toBe('Reactiedatum');
		expect(bad[8].reason).toMatch(/first response time 2024-03-07 07:00:00 UTC is before/);

		const t = await ticket('topdesk', 'I 2403 001');
		expect(t).toMatchObject({
			subject: 'Printer op de 2e verdieping geeft een storing',
			organisation: 'Gemeente Zuidvelde',
			requester_name: 'Jan de Vries',
			requester_email: 'jan@zuidvelde.nl',
			final_priority: 'P2',
			priority_raw: 'P2 - Hoog',
			status: 'closed',
			status_raw: 'Afgemeld',
			type: 'incident',
			category: 'Hardware',
			channel: 'phone',
			created_at: '2024-03-04T08:15:00.000Z',
			first_response_at: '2024-03-04T08:40:00.000Z',
			resolved_at: '2024-03-05T10:00:00.000Z',
			closed_at: '2024-03-05T11:00:00.000Z'
		});
		expect(t.sla).toEqual({
			target_at: '2024-03-04 16:15:00+00',
			on_hold_minutes: 30,
			time_spent_minutes: 45,
			subcategory: 'Printer'
		});
		// completed (gereed) while the processing status still says "in behandeling": solved
		expect(await ticket('topdesk', 'I 2403 002')).toMatchObject({
			status: 'solved',
			status_raw: 'In behandeling',
			final_priority: 'P3',
			type: 'request',
			channel: 'web'
		});
		expect(await ticket('topdesk', 'I 2403 003')).toMatchObject({
			status: 'hold',
			final_priority: 'P3',
			type: 'question',
			channel: 'email',
			organisation: 'Café Zoë'
		});
	});

	it('reads the English labels from an Excel export (date cells)', async () => {
		const header = [
			'Number',
			'Call date',
			'Brief description',
			'Caller',
			'Branch',
			'Call type',
			'Category',
			'Subcategory',
			'Priority',
			'Processing status',
			'Operator group',
			'Operator',
			'Entry type',
			'Response date',
			'Target date',
			'Completed date',
			'Closed date',
			'On hold duration',
			'Time spent'
		];
		const file = await workbook(path.join(dir, 'topdesk-en.xlsx'), [
			header,
			// summer time: 09:15 CEST is 07:15 UTC
			[
				'I 2407 001',
				at('2024-07-02 09:15:00'),
				'Printer offline',
				'Jan de Vries',
				'Gemeente Zuidvelde',
				'Incident',
				'Hardware',
				'Printer',
				'1 - Critical',
				'Completed',
				'Workplace',
				'Eva Bakker',
				'Phone',
				at('2024-07-02 09:30:00'),
				at('2024-07-02 13:15:00'),
				at('2024-07-02 12:00:00'),
				null,
				0,
				35
			],
			[
				'I 2407 002',
				at('2024-07-03 10:00:00'),
				'New account',
				'Ans Visser',
				'Gemeente Zuidvelde',
				'Service request',
				'Accounts',
				null,
				'P4 - Low',
				'Waiting for user',
				'Service desk',
				null,
				'Self-Service Portal',
				null,
				at('2024-07-05 10:00:00'),
				null,
				null,
				60,
				0
			],
			[
				'I 2407 003',
				at('2024-07-03 11:00:00'),
				'Unknown priority',
				'Ans Visser',
				'Gemeente Zuidvelde',
				'Incident',
				'Accounts',
				null,
				'Blocker',
				'Logged',
				'Service desk',
				null,
				'Email',
				null,
				null,
				null,
				null,
				0,
				0
			],
			[
				'I 2407 004',
				'2024-07-32 08:00:00',
				'Impossible date typed in',
				'Ans Visser',
				'Gemeente Zuidvelde',
				'Incident',
				'Accounts',
				null,
				'P3 - Medium',
				'Logged',
				'Service desk',
				null,
				'Email',
				null,
				null,
				null,
				null,
				0,
				0
			]
		]);
		const r = await importTwice({ file, source: 'topdesk' });
		expect(r.profile).toBe('topdesk-en');
		expect(r.counts.tickets).toEqual({
			read: 4,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 2
		});
		const bad = byRow(r);
		expect(bad[4]).toMatchObject({ column: 'Priority', value: 'Blocker' });
		expect(bad[4].reason).toMatch(/^unknown priority "Blocker"/);
		expect(bad[5]).toMatchObject({ column: 'Call date', value: '2024-07-32 08:00:00' });
		expect(bad[5].reason).toMatch(/not a possible date and time/);
		const t = await ticket('topdesk', 'I 2407 001');
		expect(t).toMatchObject({
			final_priority: 'P1',
			status: 'solved',
			type: 'incident',
			channel: 'phone',
			organisation: 'Gemeente Zuidvelde',
			created_at: '2024-07-02T07:15:00.000Z',
			first_response_at: '2024-07-02T07:30:00.000Z',
			resolved_at: '2024-07-02T10:00:00.000Z',
			closed_at: null
		});
		expect(t.sla).toEqual({
			target_at: '2024-07-02 11:15:00+00',
			on_hold_minutes: 0,
			time_spent_minutes: 35,
			subcategory: 'Printer'
		});
		expect(await ticket('topdesk', 'I 2407 002')).toMatchObject({
			status: 'pending',
			final_priority: 'P4',
			type: 'request',
			channel: 'web'
		});
	});

	it('reads the REST API JSON (dotted names, ISO times with +0000 whatever the zone)', async () => {
		const r = await importTwice({ file: topdeskApi, source: 'topdesk', zone: 'Pacific/Auckland' });
		expect(r.profile).toBe('topdesk-api');
		expect(r.counts.tickets).toEqual({
			read: 4,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 2
		});
		const bad = byRow(r);
		expect(bad[4]).toMatchObject({ column: 'priority.name', value: 'Blokkerend' });
		expect(bad[4].reason).toMatch(/^unknown priority "Blokkerend"/);
		expect(bad[5]).toMatchObject({ column: 'callDate', value: '2024-02-30T09:00:00.000+0000' });
		expect(bad[5].reason).toMatch(/not a possible date and time/);
		const t = await ticket('topdesk', 'I 2403 101');
		expect(t).toMatchObject({
			subject: 'Printer op de 2e verdieping geeft een storing',
			organisation: 'Gemeente Zuidvelde',
			requester_name: 'Jan de Vries',
			requester_email: 'jan@zuidvelde.nl',
			final_priority: 'P2',
			status: 'closed',
			type: 'incident',
			category: 'Hardware',
			channel: 'phone',
			created_at: '2024-03-04T08:15:00.000Z',
			first_response_at: '2024-03-04T08:40:00.000Z',
			resolved_at: '2024-03-05T10:00:00.000Z',
			closed_at: '2024-03-05T11:00:00.000Z',
			updated_at: '2024-03-05T11:00:00.000Z'
		});
		expect(t.sla).toEqual({
			target_at: '2024-03-04 16:15:00+00',
			on_hold_minutes: 30,
			time_spent_minutes: 45,
			subcategory: 'Printer',
			impact: 'Afdeling',
			urgency: 'Hoog'
		});
		// a null priority object is no priority, not an unknown one; "Automation" came in by API
		expect(await ticket('topdesk', 'I 2403 102')).toMatchObject({
			final_priority: null,
			status: 'new',
			type: 'request',
			channel: 'api',
			first_response_at: null
		});
	});
});

const ZAMMAD_HEADER = [
	'#',
	'Title',
	'State',
	'Priority',
	'Group',
	'Owner',
	'Customer',
	'Organization',
	'Create Channel',
	'Sender',
	'Tags',
	'Time Units Total',
	'Created At',
	'Updated At',
	'Closed At',
	'Close Escalation At',
	'Close In Min',
	'Close Diff In Min',
	'First Response At',
	'First Response Escalation At',
	'First Response In Min',
	'First Response Diff In Min',
	'Update Escalation At',
	'Update In Min',
	'Update Diff In Min',
	'Last Contact At',
	'Last Contact Agent At',
	'Last Contact Customer At',
	'Article Count',
	'Escalation At'
];

/** A Zammad report row by header name; what is not given stays empty. */
function zammadRow(values: Record<string, Cell>): Cell[] {
	return ZAMMAD_HEADER.map((h) => values[h] ?? null);
}

const ZAMMAD_ROWS: Cell[][] = [
	zammadRow({
		'#': '31001',
		Title: 'Printer op de 2e verdieping geeft een storing',
		State: 'closed',
		Priority: '2 normal',
		Group: 'Users',
		Owner: 'Eva Bakker',
		Customer: 'Jan de Vries',
		Organization: 'Gemeente Zuidvelde',
		'Create Channel': 'email',
		Sender: 'Customer',
		Tags: 'printer,hardware',
		'Time Units Total': 1.5,
		'Created At': at('2024-03-04 09:15:00'),
		'Updated At': at('2024-03-05 11:00:00'),
		'Closed At': at('2024-03-05 11:00:00'),
		'Close In Min': 585,
		'Close Diff In Min': -105,
		'First Response At': at('2024-03-04 09:40:00'),
		'First Response In Min': 25,
		'First Response Diff In Min': 35,
		'Article Count': 4
	}),
	zammadRow({
		'#': '31002',
		Title: 'Kassa “betaling” mislukt',
		State: 'pending reminder',
		Priority: '3 high',
		Group: 'Users',
		Owner: 'Eva Bakker',
		Customer: 'Zoë Jansen',
		Organization: 'Café Zoë',
		'Create Channel': 'phone',
		Sender: 'Agent',
		'Created At': at('2024-07-01 08:00:00'),
		'Updated At': at('2024-07-01 08:20:00'),
		'Close Escalation At': at('2024-07-01 16:00:00'),
		'First Response At': at('2024-07-01 08:20:00'),
		'First Response In Min': 20,
		'First Response Diff In Min': -5,
		'Escalation At': at('2024-07-01 16:00:00'),
		'Article Count': 2
	}),
	zammadRow({
		'#': '31003',
		Title: 'Nieuwe medewerker',
		State: 'new',
		Priority: '1 low',
		Customer: 'Ans Visser',
		Organization: 'Gemeente Zuidvelde',
		'Create Channel': 'web',
		'Created At': at('2024-03-06 10:00:00'),
		'Updated At': at('2024-03-06 10:00:00'),
		'Article Count': 1
	}),
	// bad: an administrator's own priority
	zammadRow({
		'#': '31004',
		Title: 'Netwerk ligt eruit',
		State: 'open',
		Priority: '4 urgent',
		'Create Channel': 'phone',
		'Created At': at('2024-03-06 11:00:00')
	}),
	// bad: no number
	zammadRow({
		Title: 'Zonder nummer',
		State: 'new',
		Priority: '2 normal',
		'Created At': at('2024-03-06 12:00:00')
	}),
	// bad: a date typed over in the sheet that does not exist
	zammadRow({
		'#': '31006',
		Title: 'Datum bestaat niet',
		State: 'new',
		Priority: '2 normal',
		'Created At': '2024-02-30 10:00:00'
	}),
	// bad: answered before it came in
	zammadRow({
		'#': '31007',
		Title: 'Reactie voor aanmelding',
		State: 'open',
		Priority: '2 normal',
		'Created At': at('2024-03-07 09:00:00'),
		'First Response At': at('2024-03-07 08:00:00')
	})
];

describe('Zammad ticket report (XLSX)', () => {
	it('detects the report, keeps Zammad’s SLA minutes and escalation times as its claim', async () => {
		const file = await workbook(path.join(dir, 'zammad-report.xlsx'), [
			ZAMMAD_HEADER,
			...ZAMMAD_ROWS
		]);
		const r = await importTwice({ file, source: 'zammad' });
		expect(r.profile).toBe('zammad');
		expect(r.counts.tickets).toEqual({
			read: 7,
			inserted: 3,
			updated: 0,
			unchanged: 0,
			rejected: 4
		});
		const bad = byRow(r);
		expect(Object.keys(bad).map(Number)).toEqual([5, 6, 7, 8]);
		expect(bad[5]).toMatchObject({ column: 'Priority', value: '4 urgent' });
		expect(bad[5].reason).toMatch(/^unknown priority "4 urgent": expected one of 1 low, 2 normal/);
		expect(bad[6]).toMatchObject({ column: '#', reason: 'the ticket id is empty' });
		expect(bad[7]).toMatchObject({ column: 'Created At', value: '2024-02-30 10:00:00' });
		expect(bad[7].reason).toMatch(/not a possible date and time/);
		expect(bad[8].column).toBe('First Response At');
		expect(bad[8].reason).toMatch(/first response time 2024-03-07 07:00:00 UTC is before/);

		const t = await ticket('zammad', '31001');
		expect(t).toMatchObject({
			subject: 'Printer op de 2e verdieping geeft een storing',
			status: 'closed',
			final_priority: 'P3',
			priority_raw: '2 normal',
			organisation: 'Gemeente Zuidvelde',
			requester_name: 'Jan de Vries',
			channel: 'email',
			tags: 'printer,hardware',
			created_at: '2024-03-04T08:15:00.000Z',
			first_response_at: '2024-03-04T08:40:00.000Z',
			// no solved state in Zammad: closing is the resolution
			resolved_at: '2024-03-05T10:00:00.000Z',
			closed_at: '2024-03-05T10:00:00.000Z',
			updated_at: '2024-03-05T10:00:00.000Z'
		});
		expect(t.sla).toEqual({
			first_response_in_min: 25,
			first_response_diff_in_min: 35,
			first_response_escalation_at: null,
			close_in_min: 585,
			close_diff_in_min: -105,
			close_escalation_at: null,
			update_in_min: null,
			update_diff_in_min: null,
			update_escalation_at: null,
			escalation_at: null,
			time_units_total: 1.5
		});
		const pending = await ticket('zammad', '31002');
		expect(pending).toMatchObject({
			status: 'pending',
			status_raw: 'pending reminder',
			final_priority: 'P2',
			channel: 'phone',
			created_at: '2024-07-01T06:00:00.000Z',
			resolved_at: null
		});
		expect(pending.sla).toMatchObject({
			first_response_diff_in_min: -5,
			close_escalation_at: '2024-07-01 14:00:00+00',
			escalation_at: '2024-07-01 14:00:00+00'
		});
		expect(await ticket('zammad', '31003')).toMatchObject({
			status: 'new',
			final_priority: 'P4',
			channel: 'web'
		});
	});

	it('reads the workbook as Zammad lays it out: title above the header, time-zone note below', async () => {
		// lib/excel_sheet.rb writes the report title in row 1, the header in row 3 and
		// "Timezone: …" two rows below the last ticket.
		const blank = ZAMMAD_HEADER.map(() => null);
		const file = await workbook(path.join(dir, 'zammad-as-written.xlsx'), [
			['2024-03', ...blank.slice(1)],
			blank,
			ZAMMAD_HEADER,
			...ZAMMAD_ROWS.slice(0, 3),
			blank,
			['Timezone: Europe/Amsterdam', ...blank.slice(1)]
		]);
		const r = await importFile(store, { file, source: 'zammad-written' });
		expect(r.profile).toBe('zammad');
		expect(r.counts.tickets.read).toBe(3);
		expect(r.counts.tickets.read).toBe(r.counts.tickets.inserted + r.counts.tickets.rejected);
	});
});

describe('Zammad API JSON', () => {
	it('detects the API tickets, reads UTC times and keeps the SLA claims', async () => {
		const r = await importTwice({ file: zammadApi, source: 'zammad' });
		expect(r.profile).toBe('zammad-api');
		expect(r.counts.tickets).toEqual({
			read: 4,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 2
		});
		const bad = byRow(r);
		expect(bad[4]).toMatchObject({ column: 'priority', value: '4 urgent' });
		expect(bad[4].reason).toMatch(/^unknown priority "4 urgent"/);
		expect(bad[5].column).toBe('first_response_at');
		expect(bad[5].reason).toMatch(/first response time 2024-03-07 07:00:00 UTC is before/);
		const t = await ticket('zammad', '31001');
		expect(t).toMatchObject({
			status: 'closed',
			final_priority: 'P3',
			organisation: 'Gemeente Zuidvelde',
			requester_name: 'jan@zuidvelde.nl',
			requester_id: '12',
			channel: 'email',
			created_at: '2024-03-04T08:15:00.000Z',
			first_response_at: '2024-03-04T08:40:00.000Z',
			resolved_at: '2024-03-05T10:00:00.000Z',
			closed_at: '2024-03-05T10:00:00.000Z'
		});
		expect(t.sla).toMatchObject({
			first_response_in_min: 25,
			first_response_diff_in_min: 35,
			close_in_min: 585,
			close_diff_in_min: -105,
			time_units_total: 1.5
		});
		expect(await ticket('zammad', '31002')).toMatchObject({
			status: 'pending',
			final_priority: 'P2',
			channel: 'phone',
			created_at: '2024-07-01T06:00:00.000Z'
		});
	});
});
