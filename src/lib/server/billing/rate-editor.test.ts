/**
 * The rate card editor on a real store: the form read back (each field checked, the error naming
 * it, what was typed kept), and the preview of a change priced by billingMonth — nothing saved; a
 * locked month unaffected, its differences shown in the first open month as adjustments.
 * Example card model B, Brons: setup 110,00/h, rounded up to 15 min; VAT 21 %.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { ALL_ACCOUNTS } from '../scope.ts';
import { billingMonth, correctEntry, lockMonth } from './billing.ts';
import { builtinRateCards, rateCardVersions, saveRateCard } from './rates.ts';
import { previewRateCard, rateFormValues, readRateForm } from './rate-editor.ts';

let store: Store;
let dir: string;
const base = () => structuredClone(builtinRateCards().get('model-b')!.card);

function formOf(values: Record<string, string>): FormData {
	const f = new FormData();
	for (const [k, v] of Object.entries(values))
		if (k === 'reasons') for (const r of v.split(',').filter(Boolean)) f.append('reasons', r);
		else f.set(k, v);
	return f;
}

beforeAll(async () => {
	({ store, dir } = await freshStore());
	await store.run(
		`INSERT INTO accounts (id, name, policy_id, time_zone, status, created_at, updated_at) VALUES
		 ('brons', 'Brons B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now()),
		 ('alpha', 'Alpha N.V.', 'model-a', 'Europe/Amsterdam', 'active', now(), now())`
	);
	await store.run(
		`INSERT INTO tier_history VALUES ('brons', '2024-01-01', 'Brons'), ('alpha', '2024-01-01', 'Standard')`
	);
	for (const [id, account] of [
		['b-set', 'brons'],
		['a-site', 'alpha']
	])
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, type, final_priority, subject, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, 'request', 'P3', 'subject', '2026-03-01T08:00:00Z', '', 1, 1)`,
			[id, account]
		);
	// 31 min of setup on a written order, 4 March (R21): 45 min × 110,00 = 82,50
	// 20 min of setup, 2 April: rounded up to 30 min × 110,00 = 55,00; 60 min on site for model A (R25)
	for (const [id, ticket, at, minutes, wt] of [
		['e-mar', 'b-set', '2026-03-04T10:00:00Z', 31, 'setup'],
		['e-apr', 'b-set', '2026-04-02T10:00:00Z', 20, 'setup'],
		['e-site', 'a-site', '2026-03-06T09:00:00Z', 60, 'on_site']
	] as const)
		await store.run(
			`INSERT INTO time_entries (source, external_id, ticket_id, started_at, minutes, work_type, billable, on_site, order_reference, agent, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, $3::TIMESTAMPTZ, $4, $5, true, $6, 'PO-1', 'Agent', '', 1, 1)`,
			[id, ticket, at, minutes, wt, wt === 'on_site']
		);
});

afterAll(async () => {
	await store?.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('the rate card form', () => {
	it('shows rates in euros and VAT in %, and reads an unchanged form back as the same card', () => {
		const v = rateFormValues(base());
		expect(v['tiers.Brons.rates.setup']).toBe('110,00');
		expect(v.vatRate).toBe('21');
		expect(v['tiers.Brons.outOfHoursMultiplier']).toBe('1,5');
		const r = readRateForm(base(), formOf(v));
		expect(r.error).toBeNull();
		expect(r.changes).toEqual([]);
		expect(r.card).toEqual(base());
	});

	it('reads a change: euros to cents, % to a fraction, the reasons ticked', () => {
		const v = rateFormValues(base());
		v['tiers.Brons.rates.setup'] = '120,00';
		v.vatRate = '9';
		v.reasons = 'R21,R23';
		const r = readRateForm(base(), formOf(v));
		expect(r.error).toBeNull();
		expect(r.card!.tiers.Brons.rates.setup).toBe(12000);
		expect(r.card!.vatRate).toBe(0.09);
		expect(r.card!.reasons).toEqual(['R21', 'R23']);
		expect(r.changes.map((c) => [c.name, c.before, c.after])).toEqual([
			['vatRate', '21', '9'],
			['reasons', 'R18,R19,R20,R21,R22,R23', 'R21,R23'],
			['tiers.Brons.rates.setup', '110,00', '120,00']
		]);
	});

	it('refuses a wrong value naming the field, keeping what was typed', () => {
		for (const [name, typed, field] of [
			['tiers.Goud.rates.support', 'duur', 'tiers.Goud.rates.support'],
			['tiers.Zilver.roundingMinutes', '7,5', 'tiers.Zilver.roundingMinutes'],
			['vatRate', '121', 'vatRate'],
			['currency', 'euro', 'currency'],
			['reasons', '', 'reasons']
		]) {
			const v = rateFormValues(base());
			v[name] = typed;
			const r = readRateForm(base(), formOf(v));
			expect(r.card).toBeNull();
			expect(r.error?.field).toBe(field);
			expect(r.error?.message.startsWith(`${field}: `)).toBe(true);
			expect(r.values[name]).toBe(name === 'currency' ? typed.toUpperCase() : typed);
		}
	});
});

describe('the preview', () => {
	it("lists the accounts whose month's amount changes, old → new, and saves nothing", async () => {
		const card = base();
		card.tiers.Brons.rates.setup = 12000;
		const p = await previewRateCard(store, { card, effectiveFrom: '2026-03-01' }, '2026-03');
		// 45 min × 120,00 = 90,00 instead of 82,50; model A's account is not on the policy
		expect(p.month.changed.map((a) => [a.accountId, a.beforeCents, a.afterCents])).toEqual([
			['brons', 8250, 9000]
		]);
		expect(p.month.changed[0].afterVatCents).toBe(1890);
		expect(p.adjustmentMonth).toBeNull();
		expect((await rateCardVersions(store)).get('model-b')).toHaveLength(1); // the built-in only
		expect((await billingMonth(store, ALL_ACCOUNTS, '2026-03')).totals.netCents).toBe(8250 + 13000);
	});

	it('a change from a later date leaves the month as it is', async () => {
		const card = base();
		card.tiers.Brons.rates.setup = 12000;
		const p = await previewRateCard(store, { card, effectiveFrom: '2026-03-05' }, '2026-03');
		expect(p.month.changed).toEqual([]);
		expect(p.month.unchanged).toBe(1);
		const apr = await previewRateCard(store, { card, effectiveFrom: '2026-03-05' }, '2026-04');
		// 30 min × 120,00 = 60,00 instead of 55,00
		expect(apr.month.changed.map((a) => [a.beforeCents, a.afterCents])).toEqual([[5500, 6000]]);
	});

	it('refuses a month or date that is not one, naming it', async () => {
		await expect(
			previewRateCard(store, { card: base(), effectiveFrom: '2026-03-01' }, '2026-13')
		).rejects.toThrow(/^month: /);
		await expect(
			previewRateCard(store, { card: base(), effectiveFrom: '1 maart' }, '2026-03')
		).rejects.toThrow(/^effectiveFrom: /);
	});

	it('a locked month is unaffected; its difference shows as an adjustment in the first open month', async () => {
		await lockMonth(store, '2026-03', 'Finance', 'invoiced');
		const card = base();
		card.tiers.Brons.rates.setup = 12000;
		const p = await previewRateCard(store, { card, effectiveFrom: '2026-01-01' }, '2026-03');
		expect(p.month.locked).toBe(true);
		expect(p.month.changed).toEqual([]);
		expect(p.notes.join(' ')).toMatch(/2026-03 is locked.*2026-04/);
		// April: its own entry 5500 → 6000, and March's adjustment 9000 − 8250 = 750
		expect(p.adjustmentMonth?.month).toBe('2026-04');
		expect(
			p.adjustmentMonth?.changed.map((a) => [a.accountId, a.beforeCents, a.afterCents])
		).toEqual([['brons', 5500, 6000 + 750]]);
		// saved, the billing page agrees with the preview
		await saveRateCard(store, {
			body: card,
			effectiveFrom: '2026-01-01',
			reason: 'back-dated',
			by: 'Finance'
		});
		expect((await billingMonth(store, ALL_ACCOUNTS, '2026-03')).totals.netCents).toBe(8250 + 13000);
		const apr = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		expect(apr.accounts.find((a) => a.accountId === 'brons')?.netCents).toBe(6750);
	});
});

describe('a new work category', () => {
	const withCategory = (extra: Record<string, string>) => {
		const v = rateFormValues(base());
		return readRateForm(base(), formOf({ ...v, ...extra }));
	};
	const rates = {
		'newCategory.rate.Brons': '120,00',
		'newCategory.rate.Zilver': '115',
		'newCategory.rate.Goud': '€ 110,50'
	};

	it('is added with an hourly rate in every tier, and listed as a change', () => {
		const r = withCategory({ newCategory: 'project', ...rates });
		expect(r.error).toBeNull();
		expect(Object.values(r.card!.tiers).map((t) => t.rates.project)).toEqual([12000, 11500, 11050]);
		expect(r.changes.map((c) => [c.name, c.before, c.after])).toEqual([
			['tiers.Brons.rates.project', '', '120,00'],
			['tiers.Zilver.rates.project', '', '115,00'],
			['tiers.Goud.rates.project', '', '110,50']
		]);
		// nothing typed: nothing added, nothing changed
		const none = withCategory({});
		expect(none.changes).toEqual([]);
		expect(none.card).toEqual(base());
	});

	it('is refused with an error naming the field, keeping what was typed', () => {
		for (const [extra, field, message] of [
			[{ newCategory: 'Project X', ...rates }, 'newCategory', /"Project X" is not a work category/],
			[{ newCategory: 'setup', ...rates }, 'newCategory', /"setup" already has an hourly rate/],
			[{ newCategory: '', ...rates }, 'newCategory', /name the new work category/],
			[
				{ newCategory: 'project', ...rates, 'newCategory.rate.Goud': '' },
				'newCategory.rate.Goud',
				/enter the hourly rate of project for Goud/
			],
			[
				{ newCategory: 'project', ...rates, 'newCategory.rate.Zilver': 'veel' },
				'newCategory.rate.Zilver',
				/"veel" is not an amount in euros/
			]
		] as const) {
			const r = withCategory(extra);
			expect(r.card).toBeNull();
			expect(r.error?.field).toBe(field);
			expect(r.error?.message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}: `));
			expect(r.error?.message).toMatch(message);
			for (const [k, typed] of Object.entries(extra)) expect(r.values[k]).toBe(typed);
		}
	});

	it('once saved, prices the entries of that work type from its date', async () => {
		await store.run(
			`INSERT INTO time_entries (source, external_id, ticket_id, started_at, minutes, work_type, billable, on_site, order_reference, agent, row_hash, import_id, first_import_id)
			 VALUES ('t', 'e-project', 'b-set', '2026-05-06T09:00:00Z', 60, 'project', true, false, 'PO-7', 'Agent', '', 1, 1)`
		);
		await correctEntry(store, {
			source: 't',
			entryId: 'e-project',
			field: 'reason',
			value: 'R21',
			why: 'project work on order PO-7',
			by: 'Finance'
		});
		const line = async () =>
			(await billingMonth(store, ALL_ACCOUNTS, '2026-05')).lines.find(
				(l) => l.entryId === 'e-project'
			)!;
		// no rate for the category yet: the tier's default, 60 × 95,00 / 60
		expect((await line()).amountCents).toBe(9500);
		const latest = (await rateCardVersions(store)).get('model-b')!.at(-1)!.card;
		const r = readRateForm(
			latest,
			formOf({ ...rateFormValues(latest), newCategory: 'project', ...rates })
		);
		expect(r.error).toBeNull();
		await saveRateCard(store, {
			body: r.card!,
			effectiveFrom: '2026-05-01',
			reason: 'project rates',
			by: 'Finance'
		});
		// 60 × 120,00 / 60
		expect((await line()).amountCents).toBe(12000);
		expect((await line()).category).toBe('project');
	});
});
