/**
 * The real exports in ../shared/samples/real-exports (other people's help desks; reference
 * material beside the checkout, never copied into it) import with every row accounted for and
 * at most a few percent rejected. CI has ../shared; a checkout without it says so plainly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/lib/server/db/index.ts';
import { importFile, type ImportReport } from '../../src/lib/server/ingest/run-import.ts';
import { freshStore } from '../helpers/fresh-store.ts';

const SAMPLES = path.resolve('../shared/samples/real-exports');
const present = fs.existsSync(SAMPLES);

let store: Store;
let dir: string;
beforeAll(async () => {
	({ store, dir } = await freshStore());
});
afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

function available(file: string): boolean {
	if (present && fs.existsSync(path.join(SAMPLES, file))) return true;
	// CI always has ../shared beside the checkout: there a missing file is a failure
	if (process.env.CI) throw new Error(`${path.join(SAMPLES, file)} is missing`);
	console.warn(`NOT RUN: ${path.join(SAMPLES, file)} is not beside this checkout`);
	return false;
}

function accountedFor(r: ImportReport, maxRejectedShare: number): void {
	for (const c of Object.values(r.counts))
		expect(c.read).toBe(c.inserted + c.updated + c.unchanged + c.rejected);
	expect(r.counts.rows.rejected).toBeLessThanOrEqual(
		Math.ceil(r.counts.rows.read * maxRejectedShare)
	);
	for (const x of r.rejects) expect(x.reason.length).toBeGreaterThan(10);
}

it('imports the ServiceNow audit extract: 5,998 update rows become 890 incidents with their history', async () => {
	if (!available('incident_event_log.csv')) return;
	const r = await importFile(store, {
		file: path.join(SAMPLES, 'incident_event_log.csv'),
		source: 'servicenow'
	});
	expect(r.profile).toBe('servicenow');
	accountedFor(r, 0.02);
	expect(r.counts.rows.read).toBe(5998);
	expect(r.counts.tickets.read).toBe(890);
	expect(r.counts.events.inserted + r.counts.events.rejected).toBe(
		r.counts.rows.read - r.counts.rows.rejected
	);
	// INC0001427 changes priority mid-life: submitted 1 - Critical, final 3 - Moderate
	const t = await store.one(
		`SELECT submitted_priority, final_priority, status, helpdesk_sla FROM tickets WHERE external_id = 'INC0001427'`
	);
	expect(t).toMatchObject({ submitted_priority: 'P1', final_priority: 'P3', status: 'closed' });
	expect(JSON.parse(String(t?.helpdesk_sla))).toHaveProperty('made_sla');
	const change = await store.one(
		`SELECT from_value, to_value FROM ticket_events WHERE ticket_id = 'INC0001427' AND kind = 'priority'`
	);
	expect(change).toEqual({ from_value: '1 - Critical', to_value: '3 - Moderate' });
	const again = await importFile(store, {
		file: path.join(SAMPLES, 'incident_event_log.csv'),
		source: 'servicenow'
	});
	expect(again.counts.tickets.unchanged).toBe(890);
	expect(again.counts.events.unchanged).toBe(r.counts.events.inserted);
});

it('imports the Italian help-desk process log on its fixed UTC+01:00 clock', async () => {
	if (!available('finale.csv')) return;
	const r = await importFile(store, {
		file: path.join(SAMPLES, 'finale.csv'),
		source: 'helpdesk-it',
		zone: '+01:00'
	});
	expect(r.profile).toBe('process-log');
	expect(r.zone).toBe('+01:00');
	accountedFor(r, 0.02);
	expect(r.counts.rows.read).toBe(21348);
	expect(r.counts.tickets.read).toBeGreaterThan(4500);
	// Case 1 was taken in charge 44 s after it came in, on a clock without summer time
	const t = await store.one(
		`SELECT created_at, first_response_at, status FROM tickets WHERE source = 'helpdesk-it' AND external_id = 'Case 1'`
	);
	expect(t).toEqual({
		created_at: '2012-10-09T13:50:17.000Z',
		first_response_at: '2012-10-09T13:51:01.000Z',
		status: 'closed'
	});
	const waits = await store.one(
		`SELECT count(*) AS n FROM ticket_events WHERE source = 'helpdesk-it' AND kind = 'pause_start'`
	);
	expect(waits?.n).toBe(1463);
});

it('imports the Spanish Jira Service Management export: localised headers, months and statuses', async () => {
	if (!available('Jira.csv')) return;
	const r = await importFile(store, { file: path.join(SAMPLES, 'Jira.csv'), source: 'jira-es' });
	expect(r.profile).toBe('jira');
	accountedFor(r, 0.34);
	expect(r.counts.tickets).toMatchObject({ read: 3, inserted: 3, rejected: 0 });
	// Resuelta is empty: resolved falls back to "Categoría de estado cambiada" as the category is Listo
	const t = await store.one(
		`SELECT created_at, resolved_at, final_priority, helpdesk_sla FROM tickets WHERE source = 'jira-es' AND external_id = 'IHS-5'`
	);
	expect(t?.final_priority).toBe('P3');
	expect(t?.resolved_at).not.toBeNull();
	expect(JSON.parse(String(t?.helpdesk_sla)).first_response_remaining_minutes).toBe(138);
	const again = await importFile(store, {
		file: path.join(SAMPLES, 'Jira.csv'),
		source: 'jira-es'
	});
	expect(again.counts.tickets.unchanged).toBe(3);
});
