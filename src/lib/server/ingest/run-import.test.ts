import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore, snapshot, FIXTURES } from '../../../../test/helpers/fresh-store.ts';
import { importFile, type Counts, type ImportReport } from './run-import.ts';
import { ImportFileError } from './read-file.ts';
import { rollbackImport, RollbackError } from './rollback.ts';

let store: Store;
let dir: string;

beforeEach(async () => {
	({ store, dir } = await freshStore());
});
afterEach(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

function balanced(c: Counts): void {
	expect(c.read).toBe(c.inserted + c.updated + c.unchanged + c.rejected);
}

function allBalanced(r: ImportReport): void {
	for (const c of Object.values(r.counts)) balanced(c);
}

const zendesk = path.join(FIXTURES, 'zendesk-small.csv');

describe('Zendesk ticket CSV', () => {
	it('detects the profile, loads the good rows and rejects each bad one with row, column and reason', async () => {
		const r = await importFile(store, { file: zendesk, source: 'zendesk' });
		expect(r.profile).toBe('zendesk');
		expect(r.profileReason).toMatch(/detected from the header/);
		expect(r.counts.tickets).toEqual({
			read: 8,
			inserted: 3,
			updated: 0,
			unchanged: 0,
			rejected: 5
		});
		allBalanced(r);
		const byRow = Object.fromEntries(r.rejects.map((x) => [x.row, x]));
		expect(byRow[4]).toMatchObject({ column: 'Created at', value: '31-02-2024 10:00' });
		expect(byRow[4].reason).toMatch(/not a possible date/);
		expect(byRow[5]).toMatchObject({ column: 'Priority', value: 'critical' });
		expect(byRow[5].reason).toMatch(/unknown priority "critical"/);
		expect(byRow[6]).toMatchObject({ column: 'Id', value: null, reason: 'the ticket id is empty' });
		expect(byRow[7].reason).toMatch(/duplicate ticket id "1001": row 2/);
		expect(byRow[8]).toMatchObject({ column: 'Solved at' });
		expect(byRow[8].reason).toMatch(/before the creation time/);
		const stored = await store.all(
			'SELECT row_number, column_name, reason FROM import_rejects ORDER BY row_number'
		);
		expect(stored.map((x) => x.row_number)).toEqual([4, 5, 6, 7, 8]);
	});

	it('reads wall-clock times in the zone with the compatible rule and derives first response from Zendesk minutes', async () => {
		const r = await importFile(store, { file: zendesk, source: 'zendesk' });
		expect(r.zone).toBe('Europe/Amsterdam');
		expect(r.wallClockAdjusted).toEqual({ gap: 1, ambiguous: 1 });
		const t = Object.fromEntries(
			(
				await store.all(
					'SELECT external_id, created_at, first_response_at, first_response_origin, final_priority, type, missing_fields, helpdesk_sla FROM tickets'
				)
			).map((x) => [x.external_id, x])
		);
		expect(t['1001'].created_at).toBe('2024-03-04T08:15:00.000Z');
		expect(t['1001'].first_response_at).toBe('2024-03-04T08:50:00.000Z');
		expect(t['1001'].first_response_origin).toBe('helpdesk minutes');
		// spring gap: 02:30 does not exist on 31 March 2024 and moves forward to 03:30 CEST
		expect(t['1006'].created_at).toBe('2024-03-31T01:30:00.000Z');
		// autumn overlap: 02:30 on 27 October 2024 happened twice; the earlier (CEST) one counts
		expect(t['1002'].created_at).toBe('2024-10-27T00:30:00.000Z');
		expect(t['1002'].final_priority).toBe('P1');
		expect(t['1006'].type).toBe('feature_request');
		expect(t['1001'].missing_fields).toEqual(['closed_at']);
		expect(JSON.parse(String(t['1001'].helpdesk_sla)).first_reply_business_minutes).toBe(35);
		expect(r.asOf).toBe('2024-10-27T08:00:00.000Z');
	});

	it('creates unassigned accounts for organisations nobody described and loads their tickets', async () => {
		const r = await importFile(store, { file: zendesk, source: 'zendesk' });
		expect(r.accountsCreated.map((a) => a.id).sort()).toEqual([
			'gemeente-zuidvelde',
			'northwind-logistics-ltd'
		]);
		const acc = await store.all(`SELECT id, status FROM accounts ORDER BY id`);
		expect(acc.every((a) => a.status === 'unassigned')).toBe(true);
		const n = await store.one(
			`SELECT count(*) AS n FROM tickets WHERE account_id = 'gemeente-zuidvelde'`
		);
		expect(n?.n).toBe(2);
	});

	it('changes nothing when the same file is imported again', async () => {
		await importFile(store, { file: zendesk, source: 'zendesk' });
		const before = await store.all('SELECT * FROM tickets ORDER BY external_id');
		const r = await importFile(store, { file: zendesk, source: 'zendesk' });
		expect(r.counts.tickets).toEqual({
			read: 8,
			inserted: 0,
			updated: 0,
			unchanged: 3,
			rejected: 5
		});
		expect(await store.all('SELECT * FROM tickets ORDER BY external_id')).toEqual(before);
	});

	it('updates changed tickets from a newer export, keeps the old version, and rollback restores it', async () => {
		await importFile(store, { file: zendesk, source: 'zendesk' });
		const first = await snapshot(store);
		const newer = path.join(dir, 'newer.csv');
		fs.writeFileSync(
			newer,
			fs
				.readFileSync(zendesk, 'utf8')
				.replace('Printer doet het niet', 'Printer kapot')
				.replace(',1006,', ',1007,')
		);
		const r = await importFile(store, { file: newer, source: 'zendesk' });
		expect(r.counts.tickets).toMatchObject({ inserted: 1, updated: 1, unchanged: 1 });
		const hist = await store.all('SELECT external_id, subject, replaced_by FROM ticket_history');
		expect(hist).toEqual([
			{ external_id: '1001', subject: 'Printer doet het niet', replaced_by: 2 }
		]);
		await expect(rollbackImport(store, 1)).rejects.toThrow(RollbackError);
		const rb = await rollbackImport(store, 2);
		expect(rb.tickets).toEqual({ deleted: 1, restored: 1 });
		const after = await snapshot(store);
		// everything as after the first import, except the second import's own record and rejects
		for (const t of ['accounts', 'tickets', 'ticket_history']) expect(after[t]).toEqual(first[t]);
		expect((await store.one(`SELECT status FROM imports WHERE id = 2`))?.status).toBe(
			'rolled_back'
		);
	});

	it('keeps tickets of two sources apart even with the same id', async () => {
		await importFile(store, { file: zendesk, source: 'zendesk' });
		const r = await importFile(store, { file: zendesk, source: 'zendesk-eu' });
		expect(r.counts.tickets.inserted).toBe(3);
		expect((await store.one('SELECT count(*) AS n FROM tickets'))?.n).toBe(6);
	});
});

describe('CSV dialects', () => {
	const mapping = {
		name: 'acme-excel',
		kind: 'tickets',
		zone: 'Europe/Amsterdam',
		fields: {
			external_id: { column: 'Meldingnummer' },
			organisation: { column: 'Klant' },
			subject: { column: 'Omschrijving' },
			final_priority: { column: 'Prioriteit', map: { hoog: 'P1', normaal: 'P3', laag: 'P4' } },
			created_at: { column: 'Aangemeld', format: 'dd-mm-yyyy HH:mm' },
			resolved_at: { column: 'Opgelost', format: 'dd-mm-yyyy HH:mm' },
			sla_hours_spent: { column: 'Uren' }
		}
	};

	it('reads Dutch Excel: Windows-1252, semicolons, dd-mm-yyyy, decimal commas, through a mapping file', async () => {
		const text =
			'Meldingnummer;Klant;Omschrijving;Prioriteit;Aangemeld;Opgelost;Uren\r\n' +
			'M-1;Café Zoë;Kassa “doet” niets – €50 kwijt;Hoog;05-03-2024 14:30;05-03-2024 16:00;1,5\r\n' +
			'M-2;Café Zoë;Printer;laag;06-03-2024 09:00;;0,25\r\n' +
			'M-3;Café Zoë;Onbekend;Spoed;06-03-2024 09:00;;0\r\n';
		const file = path.join(dir, 'excel.csv');
		fs.writeFileSync(file, iconv.encode(text, 'win1252'));
		const profile = path.join(dir, 'mapping.json');
		fs.writeFileSync(profile, JSON.stringify(mapping));
		const r = await importFile(store, { file, source: 'acme', profile });
		expect(r.encoding).toBe('windows-1252');
		expect(r.delimiter).toBe(';');
		expect(r.counts.tickets).toEqual({
			read: 3,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 1
		});
		expect(r.rejects[0]).toMatchObject({ row: 4, column: 'Prioriteit', value: 'Spoed' });
		const t = await store.one(
			`SELECT organisation, subject, created_at, resolved_at, helpdesk_sla FROM tickets WHERE external_id = 'M-1'`
		);
		expect(t?.organisation).toBe('Café Zoë');
		expect(t?.subject).toBe('Kassa “doet” niets – €50 kwijt');
		expect(t?.created_at).toBe('2024-03-05T13:30:00.000Z');
		expect(JSON.parse(String(t?.helpdesk_sla))).toEqual({ hours_spent: 1.5 });
		expect(r.notInExport).toContain('first_response_at');
	});

	it('reads UTF-8 with a BOM and tab separators', async () => {
		const text =
			'\uFEFFMeldingnummer\tKlant\tOmschrijving\tPrioriteit\tAangemeld\tOpgelost\tUren\n' +
			'T-1\tÆbleværk\tMulti\tnormaal\t01-02-2024 10:00\t\t2\n';
		const file = path.join(dir, 'tab.tsv');
		fs.writeFileSync(file, text);
		const profile = path.join(dir, 'mapping.json');
		fs.writeFileSync(profile, JSON.stringify(mapping));
		const r = await importFile(store, { file, source: 'acme', profile });
		expect(r.encoding).toBe('utf-8 with BOM');
		expect(r.delimiter).toBe('tab');
		expect(r.counts.tickets.inserted).toBe(1);
		expect((await store.one('SELECT organisation FROM tickets'))?.organisation).toBe('Æbleværk');
	});
});

describe('files that cannot be read at all write nothing', () => {
	async function expectUnreadable(file: string, message: RegExp, opts: { profile?: string } = {}) {
		await importFile(store, { file: zendesk, source: 'zendesk' });
		const before = await snapshot(store);
		const err = await importFile(store, { file, source: 'zendesk', ...opts }).catch((e) => e);
		expect(err).toBeInstanceOf(ImportFileError);
		expect(err.message).toContain(path.basename(file));
		expect(err.message).toMatch(message);
		expect(await snapshot(store)).toEqual(before);
	}

	it('an empty file', async () => {
		const f = path.join(dir, 'empty.csv');
		fs.writeFileSync(f, '');
		await expectUnreadable(f, /empty/);
	});

	it('a binary file', async () => {
		const f = path.join(dir, 'picture.csv');
		fs.writeFileSync(f, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3, 0, 0, 0xff]));
		await expectUnreadable(f, /binary/);
	});

	it('the wrong profile forced', async () => {
		await expectUnreadable(zendesk, /cannot be read with the profile "peil-events"/, {
			profile: 'peil-events'
		});
	});

	it('a file truncated inside a quoted field', async () => {
		const f = path.join(dir, 'truncated.csv');
		const full = fs.readFileSync(zendesk, 'utf8');
		fs.writeFileSync(f, full.slice(0, full.indexOf('Login fails') + 5));
		await expectUnreadable(f, /cannot be read as CSV/);
	});

	it('a header no profile knows', async () => {
		const f = path.join(dir, 'other.csv');
		fs.writeFileSync(f, 'a,b,c\n1,2,3\n');
		await expectUnreadable(f, /no profile fits its header/);
	});
});

describe('status history and time entries', () => {
	it('loads events and time entries for known tickets and rejects those for unknown ones', async () => {
		await importFile(store, { file: zendesk, source: 'zendesk' });
		const events = path.join(dir, 'events.csv');
		fs.writeFileSync(
			events,
			'ticket_id,at,kind,from,to,actor\n1001,2024-03-04T08:15:00Z,status,new,open,system\n1001,2024-03-04T08:50:00Z,reply,,agent,Eva\n9999,2024-03-04T08:50:00Z,reply,,agent,Eva\n1001,2024-03-04T09:00:00Z,teleport,,,x\n'
		);
		const e = await importFile(store, { file: events, source: 'zendesk' });
		expect(e.profile).toBe('peil-events');
		expect(e.counts.events).toEqual({
			read: 4,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 2
		});
		expect(e.rejects.map((x) => x.reason).join('\n')).toMatch(
			/no ticket "9999"[\s\S]*unknown event kind "teleport"/
		);
		const again = await importFile(store, { file: events, source: 'zendesk' });
		expect(again.counts.events).toMatchObject({ inserted: 0, unchanged: 2 });

		const entries = path.join(dir, 'time.csv');
		fs.writeFileSync(
			entries,
			'entry_id,ticket_id,started_at,minutes,work_type,billable,on_site,order_reference,agent\nT1,1001,2024-03-04T09:00:00Z,30,support,false,false,,Eva\nT2,1001,2024-03-04T20:00:00Z,45,on_call,true,false,,Eva\nT3,1001,2024-03-04T21:00:00Z,lots,support,true,false,,Eva\n'
		);
		const t = await importFile(store, { file: entries, source: 'zendesk' });
		expect(t.profile).toBe('peil-time-entries');
		expect(t.counts.timeEntries).toEqual({
			read: 3,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 1
		});
		expect(t.rejects[0]).toMatchObject({ row: 4, column: 'minutes', value: 'lots' });
		allBalanced(t);
	});
});

describe('keys stay unique without a database constraint', () => {
	it('holds one row per (source, ticket id) after repeated, overlapping imports', async () => {
		await importFile(store, { file: zendesk, source: 'zendesk' });
		const newer = path.join(dir, 'newer.csv');
		fs.writeFileSync(
			newer,
			fs.readFileSync(zendesk, 'utf8').replaceAll('Gemeente Zuidvelde', 'Gemeente Noordveld')
		);
		await importFile(store, { file: newer, source: 'zendesk' });
		await importFile(store, { file: zendesk, source: 'zendesk' });
		await importFile(store, { file: newer, source: 'zendesk' });
		const dup = await store.one(
			'SELECT count(*) AS n FROM (SELECT source, external_id FROM tickets GROUP BY ALL HAVING count(*) > 1)'
		);
		expect(dup?.n).toBe(0);
		expect((await store.one('SELECT count(*) AS n FROM tickets'))?.n).toBe(3);
		expect((await store.one('SELECT count(*) AS n FROM ticket_history'))?.n).toBe(6);
	});
});

describe('XLSX', () => {
	it('imports the first sheet of a workbook, date cells as wall-clock times in the zone', async () => {
		const ExcelJS = (await import('exceljs')).default;
		const wb = new ExcelJS.Workbook();
		const ws = wb.addWorksheet('Tickets');
		const lines = fs.readFileSync(zendesk, 'utf8').trim().split('\n');
		const header = lines[0].split(',');
		ws.addRow(header);
		const created = header.indexOf('Created at');
		// ticket 1001 as a real spreadsheet row: numbers as numbers, the creation time as a date cell
		ws.addRow(
			header.map((h, i) =>
				h === 'Id'
					? 1001
					: i === created
						? new Date(Date.UTC(2024, 2, 4, 9, 15))
						: h === 'Organization'
							? 'Gemeente Zuidvelde'
							: h === 'Priority'
								? 'normal'
								: h === 'Status'
									? 'open'
									: ''
			)
		);
		const file = path.join(dir, 'export.xlsx');
		await wb.xlsx.writeFile(file);
		const r = await importFile(store, { file, source: 'zendesk' });
		expect(r.profile).toBe('zendesk');
		expect(r.counts.tickets).toEqual({
			read: 1,
			inserted: 1,
			updated: 0,
			unchanged: 0,
			rejected: 0
		});
		const t = await store.one(`SELECT external_id, created_at, final_priority FROM tickets`);
		expect(t).toEqual({
			external_id: '1001',
			created_at: '2024-03-04T08:15:00.000Z',
			final_priority: 'P3'
		});
	});
});

describe('an event log and time entries in hours, through mapping files', () => {
	it('collapses a log with its own activity names into tickets, then matches time entries by ticket key', async () => {
		const log = path.join(dir, 'log.csv');
		fs.writeFileSync(
			log,
			[
				'Zaak;Stap;Tijdstip;Medewerker;Klant;Prioriteit',
				'Z-1;Aangemeld;2024-04-02 09:00;Anna;Café Zoë;Normaal',
				'Z-1;In behandeling;2024-04-02 09:40;Bram;Café Zoë;Hoog',
				'Z-1;Wacht op klant;2024-04-02 10:00;Bram;Café Zoë;',
				'Z-1;Opgelost;2024-04-03 11:00;Bram;Café Zoë;',
				'Z-2;Aangemeld;2024-04-05 16:00;Anna;Café Zoë;Laag',
				'Z-2;Teleporteren;31-04-2024 10:00;Anna;Café Zoë;'
			].join('\n') + '\n'
		);
		const logMapping = path.join(dir, 'log.json');
		fs.writeFileSync(
			logMapping,
			JSON.stringify({
				name: 'zaaklog',
				kind: 'event_log',
				fields: {
					external_id: { column: 'Zaak' },
					activity: { column: 'Stap' },
					occurred_at: { column: 'Tijdstip', format: 'yyyy-MM-dd HH:mm' },
					actor: { column: 'Medewerker' },
					organisation: { column: 'Klant' },
					final_priority: { column: 'Prioriteit', map: { hoog: 'P2', normaal: 'P3', laag: 'P4' } }
				},
				eventLog: {
					mode: 'activity',
					activities: {
						created: ['Aangemeld'],
						first_response: ['In behandeling'],
						pause_start: ['Wacht op klant'],
						resolved: ['Opgelost']
					}
				}
			})
		);
		const r = await importFile(store, { file: log, source: 'zaak', profile: logMapping });
		expect(r.counts.rows).toEqual({ read: 6, inserted: 5, updated: 0, unchanged: 0, rejected: 1 });
		expect(r.counts.tickets).toEqual({
			read: 2,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 0
		});
		expect(r.rejects[0]).toMatchObject({ row: 7, column: 'Tijdstip', value: '31-04-2024 10:00' });
		const t = await store.one(
			`SELECT created_at, first_response_at, resolved_at, status, submitted_priority, final_priority FROM tickets WHERE external_id = 'Z-1'`
		);
		expect(t).toEqual({
			created_at: '2024-04-02T07:00:00.000Z',
			first_response_at: '2024-04-02T07:40:00.000Z',
			resolved_at: '2024-04-03T09:00:00.000Z',
			status: 'solved',
			submitted_priority: 'P3',
			final_priority: 'P2'
		});
		expect(
			(await store.all(`SELECT kind FROM ticket_events WHERE ticket_id = 'Z-1' ORDER BY "at"`)).map(
				(e) => e.kind
			)
		).toEqual(['created', 'first_response', 'pause_start', 'resolved']);

		const hours = path.join(dir, 'uren.csv');
		fs.writeFileSync(
			hours,
			'Regel;Zaak;Start;Uren;Soort\nU1;Z-1;2024-04-02T08:00:00Z;1,5;analyse\nU2;Z-9;2024-04-02T08:00:00Z;2;analyse\n'
		);
		const hoursMapping = path.join(dir, 'uren.json');
		fs.writeFileSync(
			hoursMapping,
			JSON.stringify({
				name: 'uren',
				kind: 'time_entries',
				fields: {
					external_id: { column: 'Regel' },
					ticket_id: { column: 'Zaak' },
					started_at: { column: 'Start' },
					minutes: { column: 'Uren', type: 'duration', unit: 'hours' },
					work_type: { column: 'Soort' }
				}
			})
		);
		const h = await importFile(store, { file: hours, source: 'zaak', profile: hoursMapping });
		expect(h.counts.timeEntries).toEqual({
			read: 2,
			inserted: 1,
			updated: 0,
			unchanged: 0,
			rejected: 1
		});
		expect(
			(await store.one(`SELECT minutes FROM time_entries WHERE external_id = 'U1'`))?.minutes
		).toBe(90);
	});
});
