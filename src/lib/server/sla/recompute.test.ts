/**
 * The engine against hand-computed expectations, one rule at a time (PRODUCT.md R2, R5–R7,
 * R11–R17, R28). Times in the tickets file are Dutch wall-clock times; the arithmetic is written
 * beside each expectation. The as-of instant is always given: never the machine's clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { importAccounts } from '../accounts/accounts.ts';
import { importFile } from '../ingest/run-import.ts';
import { addCorrection } from './corrections.ts';
import { recomputeSla } from './recompute.ts';
import { explainTicket } from './explain.ts';
import { currentPolicy, previewPolicyChange, savePolicyVersion, withChange } from './settings.ts';

let store: Store;
let dir: string;

const H = 3600;

const ACCOUNTS = [
	'id,name,policy,tiers,time_zone,default_language',
	'std,Standaard BV,model-a,2024-01-01=Standard,Europe/Amsterdam,nl',
	'prem,Premium BV,model-a,2024-01-01=Premium,Europe/Amsterdam,nl',
	// a downgrade on the 10th of March: Premium stays until the end of March (R2, next-month)
	'down,Downgrade BV,model-a,2025-01-01=Premium;2025-03-10=Standard,Europe/Amsterdam,nl',
	'goud,Goud BV,model-b,2024-01-01=Goud,Europe/Amsterdam,nl',
	'brons,Brons BV,model-b,2024-01-01=Brons,Europe/Amsterdam,nl'
].join('\n');

// id; account; created; first response; resolved; priority; type; language; status
const TICKETS: string[][] = [
	// R11/R12/R14: Friday 16:30 P1 Standard; responded Monday 12:00
	[
		'fri-1630',
		'Standaard BV',
		'2026-03-06 16:30',
		'2026-03-09 12:00',
		'',
		'P1',
		'incident',
		'nl',
		'open'
	],
	// R13: Saturday 12:00, English Premium (Saturday window 11–15 open) vs Dutch Premium (Standard target)
	[
		'sat-en',
		'Premium BV',
		'2026-03-07 12:00',
		'2026-03-07 12:50',
		'',
		'P1',
		'incident',
		'en',
		'open'
	],
	[
		'sat-nl',
		'Premium BV',
		'2026-03-07 12:00',
		'2026-03-09 12:00',
		'',
		'P1',
		'incident',
		'nl',
		'open'
	],
	// R12: King's Day 2025 is Saturday 26 April, its substitute Monday 28 April is closed
	[
		'kingsday',
		'Standaard BV',
		'2025-04-25 16:00',
		'2025-04-29 16:00',
		'',
		'P2',
		'incident',
		'nl',
		'open'
	],
	// R2: created after a downgrade on 10 March, still Premium in March, Standard in April
	[
		'down-march',
		'Downgrade BV',
		'2025-03-20 10:00',
		'2025-03-20 10:30',
		'',
		'P1',
		'incident',
		'nl',
		'open'
	],
	[
		'down-april',
		'Downgrade BV',
		'2025-04-02 10:00',
		'2025-04-02 10:30',
		'',
		'P1',
		'incident',
		'nl',
		'open'
	],
	// R15/R16: Goud P1 runs 24/7; both nights of the daylight-saving change count real hours
	[
		'dst-spring',
		'Goud BV',
		'2025-03-30 01:00',
		'2025-03-30 04:00',
		'',
		'P1',
		'incident',
		'nl',
		'open'
	],
	[
		'dst-autumn',
		'Goud BV',
		'2025-10-26 01:30',
		'2025-10-26 02:30',
		'',
		'P1',
		'incident',
		'nl',
		'open'
	],
	// R17: a pause across a weekend on the resolution clock (status history below)
	[
		'pause',
		'Brons BV',
		'2026-03-06 09:00',
		'2026-03-06 09:30',
		'2026-03-09 15:00',
		'P3',
		'incident',
		'nl',
		'solved'
	],
	// R28: an automatic message never counts; a person's acknowledgement does (history below)
	['r28', 'Standaard BV', '2026-03-02 09:00', '', '', 'P2', 'incident', 'nl', 'open'],
	// R5: submitted P4, reclassified P1: measured at the final priority from creation
	[
		'r5',
		'Standaard BV',
		'2026-03-02 09:00',
		'2026-03-02 14:00',
		'',
		'P1',
		'incident',
		'nl',
		'open'
	],
	// open tickets judged at the as-of instant
	['open', 'Standaard BV', '2026-03-02 09:00', '', '', 'P3', 'incident', 'nl', 'open'],
	// R6: a feature request is excluded; R7 by correction below
	['feature', 'Standaard BV', '2026-03-02 09:00', '', '', 'P3', 'feature_request', 'nl', 'closed'],
	[
		'to-correct',
		'Standaard BV',
		'2026-03-02 09:00',
		'2026-03-02 10:00',
		'',
		'P3',
		'incident',
		'nl',
		'open'
	]
];

const EVENTS = [
	'ticket_id,at,kind,from,to,actor',
	// Friday 09:00 CET = 08:00Z; pending from Friday 12:00 until Monday 12:00
	'pause,2026-03-06T08:00:00Z,status,new,open,system',
	'pause,2026-03-06T11:00:00Z,status,open,pending,agent',
	'pause,2026-03-09T11:00:00Z,status,pending,open,customer',
	'pause,2026-03-09T14:00:00Z,status,open,solved,agent',
	// Monday 2 March 09:00 CET = 08:00Z: an auto-reply at 09:01, a person's acknowledgement at 11:00
	'r28,2026-03-02T08:01:00Z,reply,,auto,system',
	'r28,2026-03-02T10:00:00Z,reply,,acknowledgement,Eva',
	'r28,2026-03-02T12:00:00Z,reply,,agent,Eva'
].join('\n');

const MAPPING = {
	name: 'hand',
	kind: 'tickets',
	fields: {
		external_id: { column: 'id' },
		organisation: { column: 'account' },
		created_at: { column: 'created', format: 'yyyy-MM-dd HH:mm' },
		first_response_at: { column: 'first_response', format: 'yyyy-MM-dd HH:mm' },
		resolved_at: { column: 'resolved', format: 'yyyy-MM-dd HH:mm' },
		final_priority: { column: 'priority', map: { P1: 'P1', P2: 'P2', P3: 'P3', P4: 'P4' } },
		type: { column: 'type', map: { incident: 'incident', feature_request: 'feature_request' } },
		language: { column: 'language' },
		status: { column: 'status' }
	}
};

async function importTickets(asOf: string, source = 'hand', rows = TICKETS): Promise<void> {
	const file = path.join(dir, `${source}.csv`);
	fs.writeFileSync(
		file,
		[
			'id;account;created;first_response;resolved;priority;type;language;status',
			...rows.map((r) => r.join(';'))
		].join('\n') + '\n'
	);
	const mapping = path.join(dir, 'mapping.json');
	fs.writeFileSync(mapping, JSON.stringify(MAPPING));
	await importFile(store, { file, source, profile: mapping, zone: 'Europe/Amsterdam', asOf });
}

async function verdict(id: string, clock = 'first_response', source = 'hand') {
	return store.one(
		`SELECT tier, calendar_id, target_s, target_origin, business_s, paused_s, due_at, verdict, excluded_reason, stop_origin FROM ticket_sla WHERE source = $3 AND external_id = $1 AND clock = $2`,
		[id, clock, source]
	);
}

beforeAll(async () => {
	({ store, dir } = await freshStore());
	const accounts = path.join(dir, 'accounts.csv');
	fs.writeFileSync(accounts, ACCOUNTS + '\n');
	await importAccounts(store, accounts);
	await importTickets('2026-03-10T17:00:00+01:00');
	const events = path.join(dir, 'events.csv');
	fs.writeFileSync(events, EVENTS + '\n');
	await importFile(store, { file: events, source: 'hand', profile: 'peil-events' });
}, 120_000);

afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('first response in business hours', () => {
	it('R11/R12/R14: Friday 16:30 P1 Standard is due Monday 12:30', async () => {
		// Fri 16:30–17:00 = 0.5 h, Mon 09:00–12:00 = 3 h: 3.5 h of a 4 h target
		expect(await verdict('fri-1630')).toMatchObject({
			tier: 'Standard',
			calendar_id: 'nl-opening-hours',
			target_s: 4 * H,
			business_s: 3.5 * H,
			verdict: 'met',
			// Fri 0.5 h + Mon 09:00–12:30 3.5 h = 4 h: Monday 12:30 CET = 11:30Z
			due_at: '2026-03-09T11:30:00.000Z'
		});
	});

	it('R13: Saturday 12:00 in English Premium counts in the Saturday window; in Dutch it gets the Standard target', async () => {
		// English Premium: Saturday 11:00–15:00 is open; 12:00–12:50 = 50 min of a 1 h target
		expect(await verdict('sat-en')).toMatchObject({
			calendar_id: 'en-support-premium',
			target_s: 1 * H,
			business_s: 50 * 60,
			verdict: 'met'
		});
		// Dutch Premium, submitted outside Dutch opening hours: Standard P1 = 4 h, counted from Monday 09:00;
		// responded Monday 12:00 = 3 h: met (Premium's own 1 h would have been missed)
		expect(await verdict('sat-nl')).toMatchObject({
			calendar_id: 'nl-opening-hours',
			target_s: 4 * H,
			target_origin: 'standard-outside-hours',
			business_s: 3 * H,
			verdict: 'met',
			due_at: '2026-03-09T12:00:00.000Z'
		});
	});

	it("R12: King's Day on a Saturday closes its substitute Monday", async () => {
		// Fri 25 April 16:00–17:00 = 1 h; Sat/Sun closed; Mon 28 April (substitute) closed;
		// Tue 29 April 09:00–16:00 = 7 h: 8 h = exactly the P2 Standard target: met, due Tue 16:00 CEST = 14:00Z
		expect(await verdict('kingsday')).toMatchObject({
			business_s: 8 * H,
			target_s: 8 * H,
			verdict: 'met',
			due_at: '2025-04-29T14:00:00.000Z'
		});
	});

	it('stores the creation date in the account zone, which reports group by', async () => {
		// dst-autumn: 26 October 2025 01:30 CEST = 25 October 23:30 UTC: the 26th in Amsterdam
		expect(
			(
				await store.one(
					`SELECT created_local_date FROM ticket_sla WHERE external_id = 'dst-autumn' AND clock = 'first_response'`
				)
			)?.created_local_date
		).toBe('2025-10-26');
	});

	it('R2: a downgrade on the 10th takes effect on the first of the next month', async () => {
		expect(await verdict('down-march')).toMatchObject({ tier: 'Premium', target_s: 1 * H });
		expect(await verdict('down-april')).toMatchObject({ tier: 'Standard', target_s: 4 * H });
	});

	it('R15/R16: a Goud P1 clock runs 24/7 and both daylight-saving nights count real time', async () => {
		// 30 March 2025 01:00 CET → 04:00 CEST is 2 real hours (02:00–03:00 does not exist)
		expect(await verdict('dst-spring')).toMatchObject({
			calendar_id: 'always-open',
			business_s: 2 * H,
			target_s: 1 * H,
			verdict: 'missed'
		});
		// 26 October 2025 01:30 CEST → 02:30 (the earlier, CEST reading) is 1 real hour
		expect(await verdict('dst-autumn')).toMatchObject({ business_s: 1 * H, verdict: 'met' });
	});
});

describe('what counts as the first response, and which priority', () => {
	it('R28: the auto-reply does not stop the clock, the acknowledgement by a person does', async () => {
		// 09:00 → 11:00 CET = 2 h (not 1 minute, not 4 h)
		expect(await verdict('r28')).toMatchObject({
			business_s: 2 * H,
			stop_origin: 'events',
			verdict: 'met'
		});
	});

	it('R5: a reclassified ticket is measured at its final priority, from creation', async () => {
		// final P1 Standard = 4 h; 09:00 → 14:00 = 5 h: missed (P4's 48 h would have been met)
		expect(await verdict('r5')).toMatchObject({
			target_s: 4 * H,
			business_s: 5 * H,
			verdict: 'missed'
		});
	});
});

describe('pauses, open tickets, exclusions and corrections', () => {
	it('R17: a pause across a weekend does not count', async () => {
		// office hours 08:30–17:30. Gross: Fri 09:00–17:30 = 8.5 h + Mon 08:30–15:00 = 6.5 h = 15 h
		// paused (pending Fri 12:00 → Mon 12:00): Fri 12:00–17:30 = 5.5 h + Mon 08:30–12:00 = 3.5 h = 9 h
		// business = 15 − 9 = 6 h against Brons P3 resolution 72 h: met
		expect(await verdict('pause', 'resolution')).toMatchObject({
			business_s: 6 * H,
			paused_s: 9 * H,
			verdict: 'met'
		});
	});

	it('judges an open ticket at the as-of instant, never the wall clock', async () => {
		const open = TICKETS.filter((t) => t[0] === 'open');
		// as-of Tue 3 March 17:00: Mon 8 h + Tue 8 h = 16 h of 24 h: open within target, due Wed 17:00 CET = 16:00Z
		await importTickets('2026-03-03T17:00:00+01:00', 'asof', open);
		expect(await verdict('open', 'first_response', 'asof')).toMatchObject({
			business_s: 16 * H,
			verdict: 'open_within',
			due_at: '2026-03-04T16:00:00.000Z'
		});
		// a newer export, as-of Wed 4 March 17:00: 24 h = the target, due at the as-of instant: open and missed
		await importTickets('2026-03-04T17:00:00+01:00', 'asof', open);
		expect(await verdict('open', 'first_response', 'asof')).toMatchObject({
			business_s: 24 * H,
			verdict: 'open_missed'
		});
	});

	it('R6: a feature request is excluded; R7 by a correction that survives a re-import', async () => {
		expect(await verdict('feature')).toMatchObject({
			verdict: 'excluded',
			excluded_reason: 'type feature_request is excluded by the policy (R6)'
		});
		expect(await verdict('to-correct')).toMatchObject({ verdict: 'met' });
		await addCorrection(store, {
			source: 'hand',
			externalId: 'to-correct',
			field: 'external',
			value: 'true',
			reason: 'printer driver problem',
			by: 'Eva'
		});
		await recomputeSla(store, { tickets: [{ source: 'hand', externalId: 'to-correct' }] });
		expect(await verdict('to-correct')).toMatchObject({
			verdict: 'excluded',
			excluded_reason: 'marked as an external problem (R7)'
		});
		await importTickets('2026-03-11T17:00:00+01:00');
		expect(await verdict('to-correct')).toMatchObject({ verdict: 'excluded' });
		const e = await explainTicket(store, 'hand', 'to-correct');
		expect(e?.corrections[0]).toMatchObject({
			field: 'external',
			value: 'true',
			by: 'Eva',
			reason: 'printer driver problem'
		});
	});

	it("writes each verdict's account, channel, corrected type and creation instant", async () => {
		const differ = await store.one(
			`SELECT count(*) AS n, count(*) FILTER (
			   s.account_id IS DISTINCT FROM t.account_id OR s.channel IS DISTINCT FROM t.channel
			   OR s.created_at IS DISTINCT FROM t.created_at
			   OR s.type IS DISTINCT FROM COALESCE(c.value, t.type)) AS differ
			 FROM ticket_sla s JOIN tickets t ON t.source = s.source AND t.external_id = s.external_id
			 LEFT JOIN (SELECT source, external_id, arg_max(value, corrected_at) AS value FROM ticket_corrections
			            WHERE field = 'type' GROUP BY ALL) c ON c.source = s.source AND c.external_id = s.external_id`
		);
		expect(Number(differ?.n)).toBeGreaterThan(10);
		expect(Number(differ?.differ)).toBe(0);
		await addCorrection(store, {
			source: 'hand',
			externalId: 'feature',
			field: 'type',
			value: 'question',
			reason: 'a how-to question after all',
			by: 'Eva'
		});
		await recomputeSla(store, { tickets: [{ source: 'hand', externalId: 'feature' }] });
		const row = await store.one(
			`SELECT type, account_id FROM ticket_sla WHERE source = 'hand' AND external_id = 'feature' AND clock = 'first_response'`
		);
		expect(row).toMatchObject({ type: 'question' });
		expect(row?.account_id).not.toBeNull();
	});

	it('explains a verdict day by day, and the arithmetic adds up', async () => {
		const e = await explainTicket(store, 'hand', 'kingsday');
		const c = e!.clocks.find((x) => x.clock === 'first_response')!;
		expect(c.days.map((d) => [d.date, d.seconds, d.closed ?? null])).toEqual([
			['2025-04-25', 3600, null],
			['2025-04-26', 0, "holiday-set: King's Day"],
			['2025-04-28', 0, expect.stringContaining('substitute')],
			['2025-04-29', 7 * 3600, null]
		]);
		expect(c.decisions.find((d) => d.what === 'target')).toMatchObject({
			setting: 'clocks.first_response.targetHours.Standard.P2',
			rule: 'R11',
			kind: 'contract'
		});
		expect(c.arithmetic.at(-1)).toBe('28800 <= 28800: met');
	});
});

describe('a policy change', () => {
	it('is previewed, saved as a new version from its date, and leaves earlier tickets as they were', async () => {
		const kingsdayBefore = await verdict('kingsday');
		const current = await currentPolicy(store, 'model-a');
		// Standard P1 from 4 h to 2 h, from 1 March 2026
		const body = withChange(current!.policy, 'clocks.first_response.targetHours.Standard.P1', 2);
		const preview = await previewPolicyChange(store, {
			id: 'model-a',
			body,
			effectiveFrom: '2026-03-01'
		});
		expect(preview.version).toBe(2);
		// fri-1630 took 3.5 h: met under 4 h, missed under 2 h; nothing is saved yet
		expect(preview.changes.find((c) => c.externalId === 'fri-1630')).toMatchObject({
			before: { verdict: 'met', targetS: 4 * H },
			after: { verdict: 'missed', targetS: 2 * H }
		});
		expect(preview.summary['met → missed']).toBeGreaterThanOrEqual(1);
		expect(await verdict('fri-1630')).toMatchObject({ verdict: 'met' });
		const saved = await savePolicyVersion(store, {
			id: 'model-a',
			body,
			effectiveFrom: '2026-03-01'
		});
		expect(saved.version).toBe(2);
		expect(await verdict('fri-1630')).toMatchObject({ verdict: 'missed', target_s: 2 * H });
		// created in April 2025: judged under version 1, exactly as before
		expect(await verdict('kingsday')).toEqual(kingsdayBefore);
		await recomputeSla(store);
		expect(await verdict('kingsday')).toEqual(kingsdayBefore);
		expect(
			(
				await store.one(
					`SELECT policy_version FROM ticket_sla WHERE external_id = 'kingsday' AND clock = 'first_response'`
				)
			)?.policy_version
		).toBe(1);
	});

	it('refuses a document that does not validate, naming the field', async () => {
		const current = await currentPolicy(store, 'model-a');
		const body = withChange(current!.policy, 'settings.reopen.value', 'sometimes');
		await expect(
			previewPolicyChange(store, { id: 'model-a', body, effectiveFrom: '2026-04-01' })
		).rejects.toThrow('settings.reopen.value: must be one of resume, new-cycle');
		expect(() => withChange(current!.policy, 'settings.nonsense.value', 1)).toThrow(
			/no "nonsense"/
		);
	});
});

describe('the settings for changed priorities, reopens and silent closes', () => {
	it('restart-at-change starts the clock again at the last priority change; new-cycle restarts resolution at a reopen', async () => {
		const { store: s2, dir: d2 } = await freshStore();
		try {
			const accounts = path.join(d2, 'accounts.csv');
			fs.writeFileSync(
				accounts,
				'id,name,policy,tiers,time_zone\nbrons,Brons BV,model-b,2024-01-01=Brons,Europe/Amsterdam\n'
			);
			await importAccounts(s2, accounts);
			const file = path.join(d2, 't.csv');
			// Monday 2 March 2026 09:00 CET; first response 13:00; resolved Wednesday 12:00
			fs.writeFileSync(
				file,
				'id;account;created;first_response;resolved;priority;type;language;status\nchg;Brons BV;2026-03-02 09:00;2026-03-02 13:00;2026-03-04 12:00;P1;incident;nl;solved\n'
			);
			const mapping = path.join(d2, 'm.json');
			fs.writeFileSync(mapping, JSON.stringify(MAPPING));
			await importFile(s2, { file, source: 'h', profile: mapping, asOf: '2026-03-05T12:00:00Z' });
			const events = path.join(d2, 'e.csv');
			// raised to P1 at 11:00 CET (10:00Z); solved Tue 10:00, reopened Tue 12:00 (11:00Z)
			fs.writeFileSync(
				events,
				'ticket_id,at,kind,from,to,actor\nchg,2026-03-02T10:00:00Z,priority,normal,urgent,Eva\nchg,2026-03-03T09:00:00Z,status,open,solved,Eva\nchg,2026-03-03T11:00:00Z,status,solved,open,customer\nchg,2026-03-04T11:00:00Z,status,open,solved,Eva\n'
			);
			await importFile(s2, { file: events, source: 'h', profile: 'peil-events' });
			const get = (clock: string) =>
				s2.one(
					`SELECT started_at, business_s FROM ticket_sla WHERE external_id = 'chg' AND clock = $1`,
					[clock]
				);
			// default: from creation, 09:00 → 13:00 = 4 h
			expect(await get('first_response')).toMatchObject({
				started_at: '2026-03-02T08:00:00.000Z',
				business_s: 4 * H
			});
			const {
				currentPolicy: cp,
				savePolicyVersion: save,
				withChange: change
			} = await import('./settings.ts');
			let body = change(
				(await cp(s2, 'model-b'))!.policy,
				'settings.measuredPriority.value',
				'restart-at-change'
			);
			body = change(body, 'settings.reopen.value', 'new-cycle');
			await save(s2, { id: 'model-b', body, effectiveFrom: '2026-01-01' });
			// restart at the change: 11:00 → 13:00 = 2 h
			expect(await get('first_response')).toMatchObject({
				started_at: '2026-03-02T10:00:00.000Z',
				business_s: 2 * H
			});
			// new cycle at the reopen: Tue 12:00 → Wed 12:00 in office hours 08:30–17:30 = 5.5 h + 3.5 h = 9 h
			expect(await get('resolution')).toMatchObject({
				started_at: '2026-03-03T11:00:00.000Z',
				business_s: 9 * H
			});
		} finally {
			await s2.close();
			fs.rmSync(d2, { recursive: true, force: true });
		}
	});
});

describe('previews of calendar and agreement changes', () => {
	it('shows which verdicts a new calendar version or a target agreement would change, saving nothing', async () => {
		const { previewCalendarChange, previewTargetAgreement } = await import('./settings.ts');
		const before = await store.one(`SELECT count(*) AS n FROM calendars`);
		// open Monday 9 March 2026 from 07:00: fri-1630's Monday part grows by 2 h (3.5 h → 5.5 h), missing its 2 h target by more
		const cal = JSON.parse(fs.readFileSync('data/calendars/nl-opening-hours.json', 'utf8'));
		cal.overrides = { '2026-03-09': [['07:00', '17:00']] };
		const p = await previewCalendarChange(store, 'nl-opening-hours', cal, '2026-03-01');
		expect(p.changes.find((c) => c.externalId === 'fri-1630')).toMatchObject({
			before: { businessS: 3.5 * H },
			after: { businessS: 5.5 * H }
		});
		expect((await store.one(`SELECT count(*) AS n FROM calendars`))?.n).toBe(before?.n);
		// an agreement for Standaard BV from March 2026: P1 first response in 6 h makes fri-1630 (3.5 h) met again
		const a = await previewTargetAgreement(store, {
			accountId: 'std',
			effectiveFrom: '2026-03-01',
			targets: { first_response: { P1: 6 } }
		});
		expect(
			a.changes.find((c) => c.externalId === 'fri-1630' && c.clock === 'first_response')
		).toMatchObject({ before: { verdict: 'missed' }, after: { verdict: 'met', targetS: 6 * H } });
		expect((await store.one(`SELECT count(*) AS n FROM target_agreements`))?.n).toBe(0);
	});
});
