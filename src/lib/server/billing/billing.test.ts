/**
 * Chargeable work on a real store, each reason with a hand-computed fixture (the arithmetic in the
 * comments). Example rate card model B, Brons: support/on_call 95,00/h, setup/change 110,00/h;
 * Zilver support/on_call 90,00/h; model A Standard support 95,00/h, on-site 130,00/h; out-of-hours
 * × 1.5, holiday × 2, minimum 15 min, rounded up to 15 min; VAT 21 %.
 * March 2026 in Amsterdam is UTC+1 until Sunday 29 March; April is UTC+2.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { ALL_ACCOUNTS } from '../scope.ts';
import { tableToCsv } from '../export/table-export.ts';
import {
	accountChargeable,
	addMaterial,
	billingMonth,
	BillingError,
	correctEntry,
	drillLines,
	lockMonth,
	parseEuros
} from './billing.ts';
import { billedMinutes, amountCents, type BillingLine } from './classify.ts';
import { builtinRateCards, saveRateCard } from './rates.ts';
import { invoiceTables } from './export.ts';

let store: Store;
let dir: string;

const tickets: [string, string, string, string, string | null][] = [
	// id, account, type, priority, tags
	['b-p1', 'brons', 'incident', 'P1', null],
	['b-p2', 'brons', 'incident', 'P2', null],
	['b-p3', 'brons', 'request', 'P3', null],
	['b-rep', 'brons', 'incident', 'P3', null],
	['zg-p1', 'zg', 'incident', 'P1', null],
	['d-q', 'decl', 'question', 'P4', null],
	['o-q', 'offer', 'question', 'P4', null],
	['a-unj', 'alpha', 'request', 'P3', null],
	['a-site', 'alpha', 'incident', 'P3', null]
];

// entry id, ticket, started (UTC), minutes, work type, billable, order reference
const entries: [string, string, string, number, string, boolean | null, string | null][] = [
	['e-straddle', 'b-p1', '2026-03-03T16:00:00Z', 60, 'on_call', true, null], // 17:00–18:00 local
	['e-setup7', 'b-p3', '2026-03-04T09:00:00Z', 7, 'setup', true, 'PO-1'],
	['e-setup31', 'b-p3', '2026-03-04T10:00:00Z', 31, 'setup', true, 'PO-1'],
	['e-setup-noorder', 'b-p3', '2026-03-04T11:00:00Z', 30, 'setup', true, null],
	['e-late-rate', 'b-p1', '2026-03-20T20:00:00Z', 20, 'on_call', true, null], // 21:00 local
	['e-repair', 'b-rep', '2026-03-05T09:00:00Z', 45, 'repair', true, null],
	['e-analysis', 'b-rep', '2026-03-05T10:00:00Z', 30, 'analysis', false, null],
	['e-zilver', 'zg-p1', '2026-03-14T09:00:00Z', 30, 'on_call', true, null], // Saturday 10:00
	['e-goud', 'zg-p1', '2026-03-15T09:00:00Z', 30, 'on_call', false, null], // Sunday, now Goud
	['e-d-before', 'd-q', '2026-03-09T09:00:00Z', 20, 'support', false, null],
	['e-d-after', 'd-q', '2026-03-11T09:00:00Z', 20, 'support', false, null],
	['e-o-before', 'o-q', '2026-03-02T09:00:00Z', 20, 'support', false, null],
	['e-o-after', 'o-q', '2026-03-04T09:00:00Z', 20, 'support', false, null],
	['e-unj', 'a-unj', '2026-03-05T09:00:00Z', 40, 'support', false, null],
	['e-site', 'a-site', '2026-03-06T09:00:00Z', 60, 'on_site', true, null],
	['e-holiday', 'b-p2', '2026-04-06T08:00:00Z', 50, 'support', false, null] // Easter Monday 10:00
];

beforeAll(async () => {
	({ store, dir } = await freshStore());
	await store.run(
		`INSERT INTO accounts (id, name, policy_id, time_zone, status, created_at, updated_at) VALUES
		 ('brons', 'Brons B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now()),
		 ('zg', 'Zilver-Goud B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now()),
		 ('decl', 'Declined B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now()),
		 ('offer', 'Offered B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now()),
		 ('alpha', '=Alpha N.V.', 'model-a', 'Europe/Amsterdam', 'active', now(), now())`
	);
	await store.run(
		`INSERT INTO tier_history VALUES ('brons', '2024-01-01', 'Brons'), ('zg', '2024-01-01', 'Zilver'),
		 ('zg', '2026-03-15', 'Goud'), ('decl', '2024-01-01', 'Brons'), ('offer', '2024-01-01', 'Brons'),
		 ('alpha', '2024-01-01', 'Standard')`
	);
	for (const [id, account, type, prio, tags] of tickets)
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, type, final_priority, tags, subject, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, $3, $4, $5, 'subject ' || $1, '2026-03-01T08:00:00Z', '', 1, 1)`,
			[id, account, type, prio, tags]
		);
	for (const [id, ticket, at, minutes, wt, billable, po] of entries)
		await store.run(
			`INSERT INTO time_entries (source, external_id, ticket_id, started_at, minutes, work_type, billable, on_site, order_reference, agent, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, $3::TIMESTAMPTZ, $4, $5, $6, $7, $8, 'Agent', '', 1, 1)`,
			[id, ticket, at, minutes, wt, billable, wt === 'on_site', po]
		);
	await store.run(
		`INSERT INTO training_records (account_id, status, on_date, recorded_by, recorded_at) VALUES
		 ('decl', 'declined', '2026-03-10', 'AM', now()), ('offer', 'offered', '2026-02-01', 'AM', now())`
	);
	await store.run(
		`INSERT INTO ticket_corrections (source, external_id, field, value, reason, corrected_by, corrected_at)
		 VALUES ('t', 'a-unj', 'unjustified', 'true', 'no fault found', 'CSM', now())`
	);
	// a rate change from 16 March: Brons support and on-call 120,00/h
	const b = structuredClone(builtinRateCards().get('model-b')!.card);
	b.tiers.Brons.rates.on_call = 12000;
	b.tiers.Brons.rates.support = 12000;
	await saveRateCard(store, {
		body: b,
		effectiveFrom: '2026-03-16',
		reason: 'new rates',
		by: 'Finance'
	});
});

afterAll(async () => {
	await store?.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const lineOf = (lines: BillingLine[], id: string, part?: string) =>
	lines.find((l) => l.entryId === id && (!part || l.part === part));

describe('rounding and amounts', () => {
	it('rounds up to the increment with a minimum', () => {
		const r = { minimumMinutes: 15, roundingMinutes: 15 };
		expect(billedMinutes(7, r)).toBe(15); // 7 → 15 (increment), ≥ 15
		expect(billedMinutes(31, r)).toBe(45); // 31 → 45
		expect(billedMinutes(30, r)).toBe(30); // exactly 30 stays 30
		expect(billedMinutes(0, r)).toBe(0);
		expect(billedMinutes(5, { minimumMinutes: 30, roundingMinutes: 5 })).toBe(30);
		expect(amountCents(9500, 30, 1.5)).toBe(7125); // 9500 × 30 × 1.5 / 60
		expect(parseEuros('12,50')).toBe(1250);
		expect(parseEuros('3')).toBe(300);
		expect(parseEuros('x')).toBeNull();
	});
});

describe('March 2026', () => {
	it('R23: an entry straddling 17:30 charges only the minutes after it, × 1.5', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const out = lineOf(m.lines, 'e-straddle', 'outside')!;
		// 17:00–18:00 local; office hours end 17:30: 30 min outside, billed 30,
		// 9500 × 30 × 1.5 / 60 = 7125 cents; VAT round(7125 × 0.21 = 1496.25) = 1496
		expect(out.status).toBe('billable');
		expect(out.reason).toBe('R23');
		expect(out.minutes).toBeCloseTo(30, 6);
		expect(out.amountCents).toBe(7125);
		expect(out.vatCents).toBe(1496);
		expect(out.setting).toContain('onCallIncluded');
		const inside = lineOf(m.lines, 'e-straddle', 'inside')!;
		expect(inside.status).toBe('free');
		expect(inside.minutes).toBeCloseTo(30, 6);
	});

	it('a rate change mid-month prices entries after it at the new rate', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const l = lineOf(m.lines, 'e-late-rate', 'outside')!;
		// 20 March 21:00 local, 20 min all outside → billed 30; 12000 × 30 × 1.5 / 60 = 9000
		expect(l.rateCents).toBe(12000);
		expect(l.rateCardVersion).toBe(2);
		expect(l.amountCents).toBe(9000);
	});

	it('R21 rounding and minimum; without a written order it needs a person', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		// 7 min → 15 min × 11000 / 60 = 2750; 31 min → 45 min × 11000 / 60 = 8250
		expect(lineOf(m.lines, 'e-setup7')!.amountCents).toBe(2750);
		expect(lineOf(m.lines, 'e-setup7')!.vatCents).toBe(578); // 577.5 rounds to 578
		expect(lineOf(m.lines, 'e-setup31')!.amountCents).toBe(8250);
		expect(lineOf(m.lines, 'e-setup-noorder')!.status).toBe('needs-person');
	});

	it('a tier upgrade on the 15th: Zilver charged on the 14th, Goud included on the 15th', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const z = lineOf(m.lines, 'e-zilver')!;
		// Saturday: all 30 min outside; 9000 × 30 × 1.5 / 60 = 6750
		expect(z.tier).toBe('Zilver');
		expect(z.amountCents).toBe(6750);
		const g = lineOf(m.lines, 'e-goud')!;
		expect(g.tier).toBe('Goud');
		expect(g.status).toBe('free');
		expect(g.reason).toBe('included');
		const zg = m.accounts.find((a) => a.accountId === 'zg')!;
		expect(zg.netCents).toBe(6750);
		expect(zg.freeHours).toBeCloseTo(0.5, 6);
	});

	it('R20 from the decline date, and 30 days after an unanswered offer', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		expect(lineOf(m.lines, 'e-d-before')!.status).toBe('free'); // 9 March, before the decline
		const after = lineOf(m.lines, 'e-d-after')!;
		// 11 March: R20, 20 min → 30; 9500 × 30 / 60 = 4750
		expect(after.reason).toBe('R20');
		expect(after.amountCents).toBe(4750);
		// offered 1 February, no answer: chargeable from 3 March (1 Feb + 30 days)
		expect(lineOf(m.lines, 'e-o-before')!.status).toBe('free');
		expect(lineOf(m.lines, 'e-o-after')!.amountCents).toBe(4750);
	});

	it('model A: R24 unjustified, R25 on-site needs its order; free analysis and repairs needing a person', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const u = lineOf(m.lines, 'e-unj')!;
		// 40 min → 45; 9500 × 45 / 60 = 7125
		expect(u.reason).toBe('R24');
		expect(u.amountCents).toBe(7125);
		expect(lineOf(m.lines, 'e-site')!.status).toBe('needs-person');
		expect(lineOf(m.lines, 'e-analysis')!.status).toBe('free');
		expect(lineOf(m.lines, 'e-analysis')!.reason).toBe('R22');
		expect(lineOf(m.lines, 'e-repair')!.status).toBe('needs-person');
		expect(m.needsPerson.map((l) => l.entryId).sort()).toEqual([
			'e-repair',
			'e-setup-noorder',
			'e-site'
		]);
	});

	it('fixes in place: an order reference, a reason, a material line; they survive a re-import', async () => {
		await correctEntry(store, {
			source: 't',
			entryId: 'e-site',
			field: 'order_reference',
			value: '+31 PO-7',
			why: '',
			by: 'Finance'
		});
		await correctEntry(store, {
			source: 't',
			entryId: 'e-repair',
			field: 'reason',
			value: 'free',
			why: 'our own fault',
			by: 'Finance'
		});
		await addMaterial(store, {
			accountId: 'brons',
			month: '2026-03',
			description: '=HYPERLINK("x")',
			quantity: 2,
			unitPriceCents: 4550,
			by: 'Finance',
			orderReference: 'PO-9'
		});
		await expect(
			correctEntry(store, {
				source: 't',
				entryId: 'e-site',
				field: 'reason',
				value: 'R99',
				why: 'x',
				by: 'F'
			})
		).rejects.toThrow(BillingError);
		// a re-import rewrites the entry: the corrections stay
		await store.run(
			`UPDATE time_entries SET order_reference = NULL, import_id = 2 WHERE external_id = 'e-site'`
		);
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const site = lineOf(m.lines, 'e-site')!;
		// 60 min on site × 13000 / 60 = 13000
		expect(site.reason).toBe('R25');
		expect(site.amountCents).toBe(13000);
		expect(site.orderReference).toBe('+31 PO-7');
		expect(lineOf(m.lines, 'e-repair')!.status).toBe('free');
		expect(m.needsPerson.map((l) => l.entryId)).toEqual(['e-setup-noorder']);
		const mat = m.invoiceLines.find((l) => l.kind === 'material')!;
		expect(mat.amountCents).toBe(9100); // 2 × 4550
		expect(mat.vatCents).toBe(1911); // 9100 × 0.21
	});

	it('the drill-down behind each summary figure holds exactly the lines summed there (an entry marked free is "included")', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		// e-repair was marked "free" by a person above: counted as included, and found there
		const brons = m.accounts.find((a) => a.accountId === 'brons')!;
		const included = brons.reasons.find((r) => r.reason === 'included')!;
		expect(included.freeHours).toBeCloseTo(45 / 60, 9);
		expect(
			drillLines(m.lines, { account: 'brons', reason: 'included', status: 'free' }).map(
				(l) => l.entryId
			)
		).toEqual(['e-repair']);
		for (const a of m.accounts)
			for (const r of a.reasons) {
				const free = drillLines(m.lines, {
					account: a.accountId,
					reason: r.reason,
					status: 'free'
				});
				expect(free.reduce((s, l) => s + l.minutes / 60, 0)).toBeCloseTo(r.freeHours, 9);
				const billable = drillLines(m.lines, {
					account: a.accountId,
					reason: r.reason,
					status: 'billable'
				});
				expect(billable.reduce((s, l) => s + l.amountCents, 0)).toBe(
					m.invoiceLines
						.filter(
							(l) => l.accountId === a.accountId && l.kind === 'time' && l.reason === r.reason
						)
						.reduce((s, l) => s + l.amountCents, 0)
				);
			}
	});

	it('the totals: per account and the month; the CSV read back and summed equals them', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const brons = m.accounts.find((a) => a.accountId === 'brons')!;
		// 7125 (R23 straddle) + 9000 (R23 after the rate change) + 2750 + 8250 (R21) + 9100 (material)
		expect(brons.netCents).toBe(7125 + 9000 + 2750 + 8250 + 9100);
		// 7125 + 6750 + 4750 + 4750 + 2750 + 8250 + 9000 + 9100 + 7125 + 13000
		expect(m.totals.netCents).toBe(72600);
		const csv = tableToCsv(invoiceTables(m, false)[0], {
			delimiter: ';',
			decimal: '.',
			bom: false
		});
		const rows = csv
			.trim()
			.split('\r\n')
			.map((r) => r.split(';'));
		const head = rows[0];
		const amount = head.indexOf('Amount');
		const vat = head.indexOf('VAT amount');
		const sum = (i: number) =>
			rows.slice(1).reduce((s, r) => s + Math.round(Number(r[i]) * 100), 0);
		expect(rows.length - 1).toBe(m.invoiceLines.length);
		expect(sum(amount)).toBe(m.totals.netCents);
		expect(sum(vat)).toBe(m.totals.vatCents);
		// formula injection: the account "=Alpha N.V.", the material, the order "+31 PO-7"
		expect(csv).toContain("'=Alpha N.V.");
		expect(csv).toContain("'=HYPERLINK");
		expect(csv).toContain("'+31 PO-7");
		expect(csv).not.toMatch(/;"?=|;"?\+31/);
	});

	it('a holiday: Easter Monday counts as outside office hours, × 2 (April)', async () => {
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		const l = lineOf(m.lines, 'e-holiday')!;
		// 50 min on Easter Monday → billed 60; rate from 16 March 12000; × 2: 12000 × 60 × 2 / 60 = 24000
		expect(l.reason).toBe('R23');
		expect(l.multiplier).toBe(2);
		expect(l.amountCents).toBe(24000);
	});

	it('a locked month keeps its lines: later corrections are refused, a back-dated rate leaves them', async () => {
		const before = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		await lockMonth(store, '2026-03', 'Finance', 'invoiced');
		await expect(
			correctEntry(store, {
				source: 't',
				entryId: 'e-setup-noorder',
				field: 'order_reference',
				value: 'PO-2',
				why: '',
				by: 'F'
			})
		).rejects.toThrow(/locked/);
		const b = structuredClone(builtinRateCards().get('model-b')!.card);
		b.tiers.Brons.rates.setup = 20000;
		await saveRateCard(store, {
			body: b,
			effectiveFrom: '2026-01-01',
			reason: 'back-dated',
			by: 'Finance'
		});
		const after = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		expect(after.locked?.by).toBe('Finance');
		expect(after.invoiceLines).toEqual(before.invoiceLines);
		expect(after.totals.netCents).toBe(72600);
		// the live figure moved (20000 × 15 / 60 = 5000 for the 7-minute setup): not in the lines
		expect(lineOf(after.lines, 'e-setup7')!.amountCents).toBe(5000);
	});

	it('differences after the lock appear as adjustment lines in the first open month, once', async () => {
		const april = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		const adj = april.invoiceLines.filter((l) => l.kind === 'adjustment');
		// setup at 200,00/h instead of 110,00/h: 7 min → 15: 5000 − 2750 = 2250; 31 → 45: 15000 − 8250 = 6750
		expect(adj.map((l) => [l.originPeriod, l.amountCents]).sort()).toEqual([
			['2026-03', 2250],
			['2026-03', 6750]
		]);
		// VAT: (1050 − 578) + (3150 − round(1732.5) = 1733) = 472 + 1417
		expect(adj.reduce((s, l) => s + l.vatCents, 0)).toBe(472 + 1417);
		// April's own line (24000, the holiday) plus the adjustments
		expect(april.totals.netCents).toBe(24000 + 9000);
		await lockMonth(store, '2026-04', 'Finance');
		// May: March's differences were invoiced in April — nothing more, until another change
		expect((await billingMonth(store, ALL_ACCOUNTS, '2026-05')).invoiceLines).toEqual([]);
		const b = structuredClone(builtinRateCards().get('model-b')!.card);
		b.tiers.Brons.rates.setup = 21000;
		await saveRateCard(store, {
			body: b,
			effectiveFrom: '2026-01-01',
			reason: 'again',
			by: 'Finance'
		});
		const may = await billingMonth(store, ALL_ACCOUNTS, '2026-05');
		// 1000 more an hour: 15 min → 250, 45 min → 750
		expect(may.invoiceLines.map((l) => l.amountCents).sort((x, y) => x - y)).toEqual([250, 750]);
		expect(
			may.invoiceLines.every((l) => l.period === '2026-05' && l.originPeriod === '2026-03')
		).toBe(true);
		// April stays as locked
		expect((await billingMonth(store, ALL_ACCOUNTS, '2026-04')).totals.netCents).toBe(33000);
	});
});

describe("one account's summary (the review's chargeable section)", () => {
	it('is the account of the whole month, computed for that account alone', async () => {
		for (const month of ['2026-03', '2026-04']) {
			const all = await billingMonth(store, ALL_ACCOUNTS, month);
			for (const id of ['brons', 'zg', 'alpha']) {
				const a = all.accounts.find((x) => x.accountId === id);
				const one = (await accountChargeable(store, ALL_ACCOUNTS, id, month))!;
				expect(one.locked).toBe(true);
				expect(one.netCents).toBe(a?.netCents ?? 0);
				expect(one.vatCents).toBe(a?.vatCents ?? 0);
				expect(one.freeHours).toBeCloseTo(a?.freeHours ?? 0, 9);
				expect(one.reasons).toEqual(a?.reasons ?? []);
			}
		}
		// an account outside the viewer's scope: nothing
		expect(
			await accountChargeable(store, { kind: 'accounts', ids: ['zg'] }, 'brons', '2026-03')
		).toBeNull();
		// a month without entries: zeros
		const empty = (await accountChargeable(store, ALL_ACCOUNTS, 'brons', '2025-01'))!;
		expect([empty.netCents, empty.billableHours, empty.reasons.length]).toEqual([0, 0, 0]);
	});
});
