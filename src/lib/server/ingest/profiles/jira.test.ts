import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../db/index.ts';
import { freshStore, FIXTURES } from '../../../../../test/helpers/fresh-store.ts';
import { importFile, type ImportReport } from '../run-import.ts';
import { checkProfile } from '../profile.ts';
import { BUILTIN_PROFILES, detectProfile } from './index.ts';
import { JIRA_SIGNATURE, jiraTickets } from './jira.ts';

// The same eight rows exported twice by JSM: once by a user with English settings, once by one
// with Spanish settings (localised headers, month names, statuses, a. m./p. m.; the resolution
// SLA is "Time to resolution" in one and the team-managed "Time to done" in the other).
// Rows 2-6 are good tickets; row 7 has 31 February, row 8 an unknown priority, row 9 no key.
const english = path.join(FIXTURES, 'jira-english.csv');
const spanish = path.join(FIXTURES, 'jira-spanish.csv');
const chart = path.join(FIXTURES, 'jira-chart-first-response.csv');

let store: Store;
let dir: string;

beforeEach(async () => {
	({ store, dir } = await freshStore());
});
afterEach(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

function headerOf(file: string): string[] {
	return fs.readFileSync(file, 'utf8').split('\n')[0].split(',');
}

function balanced(r: ImportReport): void {
	for (const c of Object.values(r.counts))
		expect(c.read).toBe(c.inserted + c.updated + c.unchanged + c.rejected);
}

/** The stored tickets of a source, without what differs by construction between two sources. */
async function ticketsOf(source: string): Promise<Record<string, unknown>[]> {
	return store.all(
		`SELECT * EXCLUDE (source, import_id, first_import_id, status_raw, priority_raw, type_raw, row_hash)
		 FROM tickets WHERE source = $1 ORDER BY external_id`,
		[source]
	);
}

describe('Jira Service Management CSV', () => {
	it('is a valid profile', () => {
		expect(checkProfile(jiraTickets)).toEqual([]);
	});

	it('detects the English export from its header', async () => {
		expect(detectProfile(headerOf(english), BUILTIN_PROFILES)?.profile.name).toBe('jira');
		const r = await importFile(store, { file: english, source: 'jira-en' });
		expect(r.profile).toBe('jira');
		expect(r.profileReason).toMatch(/detected from the header: 15 of the 15 columns/);
	});

	it('names every identifying column in both languages', () => {
		const en = new Set(headerOf(english));
		const es = new Set(headerOf(spanish));
		for (const [e, s] of JIRA_SIGNATURE) {
			expect(en.has(e), e).toBe(true);
			expect(es.has(s), s).toBe(true);
		}
	});

	it('detects the Spanish export from its header', () => {
		expect(detectProfile(headerOf(spanish), BUILTIN_PROFILES)?.profile.name).toBe('jira');
	});

	for (const [lang, file, cols] of [
		['English', english, { created: 'Created', priority: 'Priority', key: 'Issue key' }],
		['Spanish', spanish, { created: 'Creada', priority: 'Prioridad', key: 'Clave de incidencia' }]
	] as const) {
		it(`loads the ${lang} export's good rows and rejects each bad one with row, column and reason`, async () => {
			const r = await importFile(store, { file, source: 'jira', profile: 'jira' });
			expect(r.zone).toBe('Europe/Amsterdam');
			expect(r.counts.tickets).toEqual({
				read: 8,
				inserted: 5,
				updated: 0,
				unchanged: 0,
				rejected: 3
			});
			balanced(r);
			// one problem per bad row; a multi-line comment does not shift the row numbers
			expect(r.rejects.map((x) => x.row)).toEqual([7, 8, 9]);
			const month = lang === 'English' ? 'Feb' : 'feb';
			expect(r.rejects[0]).toEqual({
				row: 7,
				column: cols.created,
				value: `31/${month}/26 9:00 AM`,
				reason: `"31/${month}/26 9:00 AM" is not a possible date and time in the form dd/MMM/yy h:mm a or dd/MMM/yy HH:mm`
			});
			const urgent = lang === 'English' ? 'Urgent' : 'Urgente';
			expect(r.rejects[1]).toMatchObject({ row: 8, column: cols.priority, value: urgent });
			expect(r.rejects[1].reason).toMatch(
				new RegExp(`^unknown priority "${urgent}": expected one of`)
			);
			expect(r.rejects[2]).toEqual({
				row: 9,
				column: cols.key,
				value: null,
				reason: 'the ticket id is empty'
			});
			const stored = await store.all(
				'SELECT row_number, column_name FROM import_rejects ORDER BY row_number'
			);
			expect(stored).toEqual([
				{ row_number: 7, column_name: cols.created },
				{ row_number: 8, column_name: cols.priority },
				{ row_number: 9, column_name: cols.key }
			]);
			expect(r.notInExport).toContain('first_response_at');
			expect(r.derived).toEqual([
				'resolved_at (from Status Category Changed when Resolved is empty and the category is Done)'
			]);
		});
	}

	it('gives the same tickets from the English and the Spanish export', async () => {
		await importFile(store, { file: english, source: 'jira-en' });
		await importFile(store, { file: spanish, source: 'jira-es', profile: 'jira' });
		const en = await ticketsOf('jira-en');
		expect(en).toHaveLength(5);
		expect(await ticketsOf('jira-es')).toEqual(en);
		// what the export wrote is kept beside Peil's words, in its own language
		const raw = await store.all(
			`SELECT source, status, status_raw, type, type_raw FROM tickets WHERE external_id = 'SD-103' ORDER BY source`
		);
		expect(raw).toEqual([
			{
				source: 'jira-en',
				status: 'pending',
				status_raw: 'Waiting for customer',
				type: 'request',
				type_raw: 'Service request'
			},
			{
				source: 'jira-es',
				status: 'pending',
				status_raw: 'Esperando al cliente',
				type: 'request',
				type_raw: 'Solicitud de servicio'
			}
		]);
	});

	it('reads 12-hour wall-clock times in the zone and maps statuses, priorities and languages', async () => {
		await importFile(store, { file: spanish, source: 'jira', profile: 'jira' });
		const t = await store.all(
			`SELECT external_id, created_at, updated_at, resolved_at, status, final_priority, type, category, language, organisation, requester_name, requester_id
			 FROM tickets ORDER BY external_id`
		);
		const by = Object.fromEntries(t.map((x) => [x.external_id, x]));
		// winter time (CET): 9:10 a. m. on 3 December is 08:10 UTC; 4:40 p. m. is 15:40 UTC
		expect(by['SD-101']).toMatchObject({
			created_at: '2025-12-03T08:10:00.000Z',
			resolved_at: '2025-12-03T15:40:00.000Z',
			status: 'solved',
			final_priority: 'P2',
			type: 'incident',
			category: 'Report a system problem',
			language: 'en',
			organisation: 'Gemeente Zuidvelde',
			requester_name: 'jan.devries@zuidvelde.example',
			requester_id: 'qm:5f0c1a2b-1111-4222-8333-444455556666:0a1b2c3d-0001'
		});
		// summer time (CEST): 2:05 p. m. is 12:05 UTC; 12:15 AM is a quarter past midnight
		expect(by['SD-103']).toMatchObject({
			created_at: '2026-04-14T12:05:00.000Z',
			resolved_at: null,
			status: 'pending',
			final_priority: 'P3',
			language: 'nl'
		});
		expect(by['SD-104']).toMatchObject({
			created_at: '2026-08-20T22:15:00.000Z',
			status: 'new',
			final_priority: 'P4',
			type: 'task',
			language: null
		});
		expect(by['SD-102']).toMatchObject({ status: 'closed', final_priority: 'P1' });
		// a site's own status and issue type load as written
		expect(by['SD-105']).toMatchObject({
			status: 'Awaiting vendor',
			type: 'Hardware Issue',
			final_priority: 'P4'
		});
	});

	it('takes the resolution time from Status Category Changed when Resolved is empty and the category is Done', async () => {
		await importFile(store, { file: english, source: 'jira-en' });
		await importFile(store, { file: spanish, source: 'jira-es', profile: 'jira' });
		for (const source of ['jira-en', 'jira-es']) {
			const t = await store.one(
				`SELECT resolved_at, status FROM tickets WHERE source = $1 AND external_id = 'SD-102'`,
				[source]
			);
			// Resolved is empty; Done since 12 January 12:30 PM CET
			expect(t).toEqual({ resolved_at: '2026-01-12T11:30:00.000Z', status: 'closed' });
			// not for a ticket still in progress, whose category also changed
			const open = await store.one(
				`SELECT resolved_at FROM tickets WHERE source = $1 AND external_id = 'SD-103'`,
				[source]
			);
			expect(open?.resolved_at).toBeNull();
		}
	});

	it("keeps JSM's remaining SLA time as the helpdesk's claim, a missed one negative", async () => {
		await importFile(store, { file: spanish, source: 'jira', profile: 'jira' });
		const rows = await store.all(
			'SELECT external_id, helpdesk_sla FROM tickets ORDER BY external_id'
		);
		const sla = Object.fromEntries(
			rows.map((x) => [x.external_id, JSON.parse(String(x.helpdesk_sla))])
		);
		expect(sla['SD-102']).toMatchObject({
			first_response_remaining_minutes: 20,
			resolution_remaining_minutes: -90,
			status_category: 'done'
		});
		expect(sla['SD-105']).toMatchObject({
			first_response_remaining_minutes: 418,
			resolution_remaining_minutes: 1815,
			status_category: 'in_progress'
		});
		expect(sla['SD-104']).toMatchObject({
			first_response_remaining_minutes: 240,
			resolution_remaining_minutes: null
		});
		// the SLA columns never become Peil's first response
		const fr = await store.one(
			`SELECT count(first_response_at) AS n FROM tickets WHERE source = 'jira'`
		);
		expect(fr?.n).toBe(0);
	});

	it('changes nothing when the same exports are imported again', async () => {
		await importFile(store, { file: english, source: 'jira-en' });
		await importFile(store, { file: spanish, source: 'jira-es', profile: 'jira' });
		const before = await store.all('SELECT * FROM tickets ORDER BY source, external_id');
		const again = [
			await importFile(store, { file: english, source: 'jira-en' }),
			await importFile(store, { file: spanish, source: 'jira-es', profile: 'jira' })
		];
		for (const r of again) {
			expect(r.counts.tickets).toEqual({
				read: 8,
				inserted: 0,
				updated: 0,
				unchanged: 5,
				rejected: 3
			});
			balanced(r);
		}
		expect(await store.all('SELECT * FROM tickets ORDER BY source, external_id')).toEqual(before);
	});

	it('maps [CHART] Date of First Response to the first response when the export has it', async () => {
		const r = await importFile(store, { file: chart, source: 'jira' });
		expect(r.profile).toBe('jira');
		expect(r.counts.tickets).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
		expect(r.notInExport).not.toContain('first_response_at');
		const t = await store.all(
			'SELECT external_id, first_response_at, first_response_origin FROM tickets ORDER BY external_id'
		);
		expect(t).toEqual([
			{
				external_id: 'OPS-7',
				first_response_at: '2026-03-09T08:35:00.000Z',
				first_response_origin: 'export'
			},
			{ external_id: 'OPS-8', first_response_at: null, first_response_origin: null }
		]);
	});
});
