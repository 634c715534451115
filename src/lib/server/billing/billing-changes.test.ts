/**
 * What changes billing after the fact, on a real store: the month kept between requests against
 * one computed afresh after every kind of change; locks per account-month; material lines edited
 * and removed. Example rate card model B: setup Brons 110,00/h, Zilver 105,00/h, support Brons
 * 95,00/h; model A Standard support 95,00/h; every entry rounded up to 15 min, at least 15;
 * VAT 21 %. Each figure's arithmetic is in the comment beside it.
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import { ALL_ACCOUNTS, type Scope } from '../scope.ts';
import { tableToCsv } from '../export/table-export.ts';
import { saveAccount } from '../accounts/accounts.ts';
import {
	accountChargeable,
	addMaterial,
	billingMonth,
	BillingError,
	correctEntry,
	drillLines,
	editMaterial,
	lockMonth,
	materialChanges,
	removeMaterial,
	summaryReason,
	type BillingMonth
} from './billing.ts';
import { builtinRateCards, rateCardVersions, saveRateCard } from './rates.ts';
import { invoiceTables } from './export.ts';

let store: Store;
let dir: string;

beforeEach(async () => {
	({ store, dir } = await freshStore());
	await store.run(
		`INSERT INTO accounts (id, name, policy_id, time_zone, status, created_at, updated_at) VALUES
		 ('brons', 'Brons B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now()),
		 ('zg', 'Zilver-Goud B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now()),
		 ('alpha', 'Alpha N.V.', 'model-a', 'Europe/Amsterdam', 'active', now(), now())`
	);
	await store.run(
		`INSERT INTO tier_history VALUES ('brons', '2024-01-01', 'Brons'), ('zg', '2024-01-01', 'Zilver'),
		 ('alpha', '2024-01-01', 'Standard')`
	);
	for (const [id, account, type] of [
		['b-set', 'brons', 'request'],
		['b-q', 'brons', 'question'],
		['z-set', 'zg', 'request'],
		['a-req', 'alpha', 'request']
	])
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, type, final_priority, subject, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, $3, 'P3', 'subject ' || $1, '2026-03-01T08:00:00Z', '', 1, 1)`,
			[id, account, type]
		);
	// entry, ticket, start (UTC), minutes, work type, billable, order
	for (const [id, ticket, at, minutes, wt, billable, po] of [
		// R21 on order: 31 min → 45 × 110,00 / 60 = 82,50
		['e-b-mar', 'b-set', '2026-03-04T10:00:00Z', 31, 'setup', true, 'PO-1'],
		// a how-to question, not billable: free (R18) until training is declined (R20)
		['e-b-q', 'b-q', '2026-03-05T10:00:00Z', 20, 'support', false, null],
		// R21 on order: 20 min → 30 × 110,00 / 60 = 55,00
		['e-b-apr', 'b-set', '2026-04-02T10:00:00Z', 20, 'setup', true, 'PO-2'],
		// R21 on order, Zilver: 30 × 105,00 / 60 = 52,50
		['e-z-mar', 'z-set', '2026-03-04T11:00:00Z', 30, 'setup', true, 'PO-3'],
		// model A, not billable: included, until the ticket is marked unjustified (R24)
		['e-a-mar', 'a-req', '2026-03-05T09:00:00Z', 40, 'support', false, null]
	] as const)
		await store.run(
			`INSERT INTO time_entries (source, external_id, ticket_id, started_at, minutes, work_type, billable, on_site, order_reference, agent, row_hash, import_id, first_import_id)
			 VALUES ('t', $1, $2, $3::TIMESTAMPTZ, $4, $5, $6, false, $7, 'Agent', '', 1, 1)`,
			[id, ticket, at, minutes, wt, billable, po]
		);
});

afterEach(async () => {
	await store?.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** The month computed afresh: a rate-card set passed in is never kept (what a preview does). */
async function fresh(month: string, scope: Scope = ALL_ACCOUNTS): Promise<BillingMonth> {
	return billingMonth(store, scope, month, { cards: await rateCardVersions(store) });
}
const net = (m: BillingMonth, id: string) =>
	m.accounts.find((a) => a.accountId === id)?.netCents ?? 0;

/** A rate card for model B from 2026-01-01 with these setup rates (cents an hour). */
async function backDatedSetup(brons: number, zilver: number, reason: string) {
	const card = structuredClone(builtinRateCards().get('model-b')!.card);
	card.tiers.Brons.rates.setup = brons;
	card.tiers.Zilver.rates.setup = zilver;
	await saveRateCard(store, { body: card, effectiveFrom: '2026-01-01', reason, by: 'Finance' });
}

describe('the month kept between requests', () => {
	it('equals the month computed afresh after every kind of change, and shows each change', async () => {
		// a P1 incident worked 17:00–18:00 in Amsterdam for a Brons account: two lines (R23)
		await store.run(
			`INSERT INTO accounts (id, name, policy_id, time_zone, status, created_at, updated_at)
			 VALUES ('night', 'Nacht B.V.', 'model-b', 'Europe/Amsterdam', 'active', now(), now())`
		);
		await store.run(`INSERT INTO tier_history VALUES ('night', '2024-01-01', 'Brons')`);
		await store.run(
			`INSERT INTO tickets (source, external_id, account_id, type, final_priority, subject, created_at, row_hash, import_id, first_import_id)
			 VALUES ('t', 'n-p1', 'night', 'incident', 'P1', 'down', '2026-03-03T15:00:00Z', '', 1, 1)`
		);
		await store.run(
			`INSERT INTO time_entries (source, external_id, ticket_id, started_at, minutes, work_type, billable, on_site, order_reference, agent, row_hash, import_id, first_import_id)
			 VALUES ('t', 'e-n-p1', 'n-p1', '2026-03-03T16:00:00Z', 60, 'on_call', true, false, NULL, 'Agent', '', 1, 1)`
		);
		let before = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		// brons 8250; zg 5250; alpha 0 (included); night: the 30 min after 17:30, × 1.5:
		// 30 × 95,00 / 60 × 1.5 = 7125 (the 30 min before it free)
		expect([
			net(before, 'brons'),
			net(before, 'zg'),
			net(before, 'alpha'),
			net(before, 'night')
		]).toEqual([8250, 5250, 0, 7125]);
		expect(before.lines.filter((l) => l.entryId === 'e-n-p1').map((l) => l.part)).toEqual([
			'outside',
			'inside'
		]);
		// the same request again is the kept result itself
		expect(await billingMonth(store, ALL_ACCOUNTS, '2026-03')).toBe(before);

		const reason = (entryId: string, value: string) =>
			correctEntry(store, {
				source: 't',
				entryId,
				field: 'reason',
				value,
				why: 'agreed',
				by: 'Finance'
			});
		const changes: [string, () => Promise<unknown>, (m: BillingMonth) => void][] = [
			[
				'an entry of two lines set free by a person: one line',
				() => reason('e-n-p1', 'free'),
				(m) => {
					expect(net(m, 'night')).toBe(0);
					expect(m.lines.filter((l) => l.entryId === 'e-n-p1').map((l) => l.part)).toEqual(['all']);
				}
			],
			[
				'a reason set by a person',
				() =>
					correctEntry(store, {
						source: 't',
						entryId: 'e-z-mar',
						field: 'reason',
						value: 'free',
						why: 'goodwill',
						by: 'Finance'
					}),
				(m) => expect(net(m, 'zg')).toBe(0)
			],
			[
				'a material line added',
				() =>
					addMaterial(store, {
						accountId: 'zg',
						month: '2026-03',
						description: 'Cable',
						quantity: 2,
						unitPriceCents: 450,
						by: 'Finance'
					}),
				(m) => expect(net(m, 'zg')).toBe(900) // 2 × 4,50
			],
			[
				'a material line edited',
				async () =>
					editMaterial(
						store,
						(await billingMonth(store, ALL_ACCOUNTS, '2026-03')).materials[0].id,
						{ description: 'Cable', quantity: 3, unitPriceCents: 450 },
						'three were used',
						'Finance'
					),
				(m) => expect(net(m, 'zg')).toBe(1350) // 3 × 4,50
			],
			[
				'a material line removed',
				async () =>
					removeMaterial(
						store,
						(await billingMonth(store, ALL_ACCOUNTS, '2026-03')).materials[0].id,
						'entered by mistake',
						'Finance'
					),
				(m) => expect(net(m, 'zg')).toBe(0)
			],
			[
				'a back-dated rate card',
				() => backDatedSetup(12000, 10500, 'new setup rate'),
				(m) => expect(net(m, 'brons')).toBe(9000) // 45 × 120,00 / 60
			],
			[
				'training declined (R20)',
				() =>
					store.run(
						`INSERT INTO training_records (account_id, status, on_date, recorded_by, recorded_at)
						 VALUES ('brons', 'declined', '2026-03-01', 'AM', now())`
					),
				// 9000 + the question: 20 min → 30 × 95,00 / 60 = 4750
				(m) => expect(net(m, 'brons')).toBe(9000 + 4750)
			],
			[
				'a ticket marked unjustified (R24)',
				() =>
					store.run(
						`INSERT INTO ticket_corrections (source, external_id, field, value, reason, corrected_by, corrected_at)
						 VALUES ('t', 'a-req', 'unjustified', 'true', 'no fault found', 'CSM', now())`
					),
				(m) => expect(net(m, 'alpha')).toBe(7125) // 40 min → 45 × 95,00 / 60
			],
			[
				'a tier change from the account form',
				() =>
					saveAccount(
						store,
						{
							id: 'brons',
							name: 'Brons B.V.',
							policy: 'model-b',
							tiers: '2024-01-01=Brons;2026-03-01=Zilver',
							time_zone: 'Europe/Amsterdam'
						},
						'brons'
					),
				// Zilver: setup 45 × 105,00 / 60 = 7875; the question 30 × 90,00 / 60 = 4500
				(m) => expect(net(m, 'brons')).toBe(7875 + 4500)
			],
			[
				'the same entry corrected again, and another with it',
				async () => {
					await reason('e-n-p1', 'R23');
					await correctEntry(store, {
						source: 't',
						entryId: 'e-b-mar',
						field: 'order_reference',
						value: 'PO-11',
						why: '',
						by: 'Finance'
					});
				},
				(m) => {
					// set by a person: the whole hour, 60 × 95,00 / 60 = 9500, no multiplier
					expect(net(m, 'night')).toBe(9500);
					expect(m.lines.find((l) => l.entryId === 'e-b-mar')?.orderReference).toBe('PO-11');
				}
			]
		];
		for (const [what, change, check] of changes) {
			await change();
			const kept = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
			expect(kept, what).not.toBe(before);
			check(kept);
			expect(kept, what).toEqual(await fresh('2026-03'));
			// one account's summary from the kept month equals it computed for that account alone
			for (const id of ['brons', 'zg', 'alpha', 'night']) {
				const one = await accountChargeable(store, ALL_ACCOUNTS, id, '2026-03');
				const alone = await fresh('2026-03', { kind: 'accounts', ids: [id] });
				expect(one?.netCents, `${what}: ${id}`).toBe(net(alone, id));
				expect(one?.netCents, `${what}: ${id}`).toBe(net(kept, id));
			}
			before = kept;
		}
	});

	it('the kept totals per account and reason are the sums of the lines behind them, line by line', async () => {
		await backDatedSetup(12000, 10500, 'new setup rate');
		await store.run(
			`INSERT INTO training_records (account_id, status, on_date, recorded_by, recorded_at)
			 VALUES ('brons', 'declined', '2026-03-01', 'AM', now())`
		);
		await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		let sum = 0;
		for (const a of m.accounts)
			for (const r of a.reasons) {
				const billable = drillLines(m.lines, {
					account: a.accountId,
					reason: r.reason,
					status: 'billable'
				});
				const free = drillLines(m.lines, {
					account: a.accountId,
					reason: r.reason,
					status: 'free'
				});
				expect(r.amountCents).toBe(billable.reduce((s, l) => s + l.amountCents, 0));
				expect(r.billableHours).toBeCloseTo(
					billable.reduce((s, l) => s + l.billedMinutes / 60, 0),
					9
				);
				expect(r.freeHours).toBeCloseTo(
					free.reduce((s, l) => s + l.minutes / 60, 0),
					9
				);
				sum += r.amountCents;
			}
		// brons: R21 9000 + R20 4750; zg: R21 5250
		expect(sum).toBe(9000 + 4750 + 5250);
		expect(m.totals.netCents).toBe(sum);
		expect(m.lines.every((l) => summaryReason(l) !== 'none' || l.status === 'needs-person')).toBe(
			true
		);
	});
});

describe('locks per account-month', () => {
	it("one account's month locked keeps its lines; the others stay open; differences go to its first open month", async () => {
		const before = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		const bronsLines = before.invoiceLines.filter((l) => l.accountId === 'brons');
		expect(bronsLines.map((l) => l.amountCents)).toEqual([8250]);
		await lockMonth(store, '2026-03', 'Finance', 'invoice 2026-031', 'brons');

		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		expect(m.locked).toBeNull();
		expect(m.lockedAccounts.brons).toMatchObject({ by: 'Finance', note: 'invoice 2026-031' });
		expect(m.accounts.find((a) => a.accountId === 'brons')?.locked?.scope).toBe('account');
		expect(m.accounts.find((a) => a.accountId === 'zg')?.locked).toBeNull();
		expect((await accountChargeable(store, ALL_ACCOUNTS, 'brons', '2026-03'))?.locked).toBe(true);
		expect((await accountChargeable(store, ALL_ACCOUNTS, 'zg', '2026-03'))?.locked).toBe(false);

		// changes to the locked account-month are refused, naming it; the open account takes them
		const order = (entryId: string) =>
			correctEntry(store, {
				source: 't',
				entryId,
				field: 'order_reference',
				value: 'PO-9',
				why: '',
				by: 'Finance'
			});
		await expect(order('e-b-mar')).rejects.toThrow('2026-03 is locked for Brons B.V.');
		await order('e-z-mar');
		const material = (accountId: string) =>
			addMaterial(store, {
				accountId,
				month: '2026-03',
				description: 'Switch',
				quantity: 1,
				unitPriceCents: 1000,
				by: 'Finance'
			});
		await expect(material('brons')).rejects.toThrow('2026-03 is locked for Brons B.V.');
		await material('zg');
		await expect(lockMonth(store, '2026-03', 'Finance', '', 'brons')).rejects.toThrow(
			'2026-03 is already locked for Brons B.V.'
		);
		await expect(lockMonth(store, '2026-03', 'Finance', '', 'nobody')).rejects.toMatchObject({
			field: 'account'
		});

		// a back-dated rate: Brons setup 120,00, Zilver 115,00
		await backDatedSetup(12000, 11500, 'new setup rates');
		const march = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		expect(march.invoiceLines.filter((l) => l.accountId === 'brons')).toEqual(bronsLines);
		expect(march.lines.find((l) => l.entryId === 'e-b-mar')?.amountCents).toBe(9000);
		// zg is open: 30 × 115,00 / 60 = 5750, and the switch 1000
		expect(net(march, 'zg')).toBe(5750 + 1000);
		expect(march.invoiceLines.some((l) => l.kind === 'adjustment')).toBe(false);
		const april = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		const adj = april.invoiceLines.filter((l) => l.kind === 'adjustment');
		// brons: 45 × 120,00 / 60 = 9000 − 8250 invoiced = 750; VAT 1890 − 1733 = 157
		expect(adj.map((l) => [l.accountId, l.originPeriod, l.amountCents, l.vatCents])).toEqual([
			['brons', '2026-03', 750, 157]
		]);
		// April's own line: 30 × 120,00 / 60 = 6000
		expect(net(april, 'brons')).toBe(6000 + 750);
		expect(net(april, 'zg')).toBe(0);

		// the whole month locked after it: brons keeps its own lock and lines, zg's are frozen now
		await lockMonth(store, '2026-03', 'Finance', 'the rest');
		const locked = await billingMonth(store, ALL_ACCOUNTS, '2026-03');
		expect(locked.locked?.note).toBe('the rest');
		expect(locked.lockedAccounts.brons?.note).toBe('invoice 2026-031');
		expect(locked.invoiceLines.filter((l) => l.accountId === 'brons')).toEqual(bronsLines);
		const stored = await store.one(`SELECT CAST(lines AS VARCHAR) AS lines FROM billing_locks`);
		expect(
			(JSON.parse(String(stored?.lines)) as { accountId: string }[]).map((l) => l.accountId).sort()
		).toEqual(['zg', 'zg']);
		await expect(lockMonth(store, '2026-03', 'Finance')).rejects.toThrow('already locked');

		// brons's April locked too; then another rate and a debtor number
		await lockMonth(store, '2026-04', 'Finance', '', 'brons');
		expect((await billingMonth(store, ALL_ACCOUNTS, '2026-05')).invoiceLines).toEqual([]);
		await backDatedSetup(13000, 12500, 'again');
		await store.run(
			`UPDATE accounts SET debtor_number = 'D-100', updated_at = now() WHERE id = 'brons'`
		);
		const may = await billingMonth(store, ALL_ACCOUNTS, '2026-05');
		expect(
			may.invoiceLines.map((l) => [l.accountId, l.originPeriod, l.amountCents, l.debtorNumber])
		).toEqual([
			// brons April: 30 × 130,00 / 60 = 6500 − 6000
			['brons', '2026-04', 500, 'D-100'],
			// brons March: 45 × 130,00 / 60 = 9750 − (8250 + 750 carried in April)
			['brons', '2026-03', 750, 'D-100']
		]);
		// April stays as locked for brons: its line and the adjustment it carried; zg's April is its
		// first open month after March: 30 × 125,00 / 60 = 6250 − 5750 invoiced
		const april2 = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		expect(net(april2, 'brons')).toBe(6000 + 750);
		expect(
			april2.invoiceLines
				.filter((l) => l.accountId === 'zg')
				.map((l) => [l.kind, l.originPeriod, l.amountCents])
		).toEqual([['adjustment', '2026-03', 500]]);
		expect(april2.notes.join(' ')).toContain(
			'1 account with invoice lines has no debtor number (Zilver-Goud B.V.)'
		);
		// the export writes the debtor number
		const csv = tableToCsv(invoiceTables(may, false)[0]);
		expect(csv.split(/\r?\n/).filter((l) => l.includes('D-100'))).toHaveLength(2);
		expect(may.notes.join(' ')).not.toContain('no debtor number');
	});
});

describe('material lines', () => {
	const cable = { description: 'Cable', quantity: 2, unitPriceCents: 450, orderReference: 'PO-5' };

	it('are edited and removed with who, when and why; bad input is refused and nothing changes', async () => {
		await addMaterial(store, { accountId: 'zg', month: '2026-04', ...cable, by: 'Finance' });
		const id = (await billingMonth(store, ALL_ACCOUNTS, '2026-04')).materials[0].id;

		await editMaterial(store, id, { ...cable, quantity: 3 }, 'three were used', 'Sanne');
		let m = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		const line = m.invoiceLines.find((l) => l.kind === 'material')!;
		// 3 × 4,50 = 13,50; VAT round(283.5) = 284
		expect([line.amountCents, line.vatCents, line.materials]).toEqual([1350, 284, '3 × Cable']);
		expect(m.materials[0].edited).toMatchObject({ by: 'Sanne', why: 'three were used' });
		let history = await materialChanges(store, ALL_ACCOUNTS, '2026-04');
		expect(history).toEqual([
			expect.objectContaining({
				materialId: id,
				action: 'edit',
				before: expect.objectContaining({ quantity: 2, unitPriceCents: 450 }),
				after: expect.objectContaining({ quantity: 3, unitPriceCents: 450 }),
				why: 'three were used',
				by: 'Sanne'
			})
		]);

		// refused, naming the field; the line and its record stay as they were
		const refused: [() => Promise<unknown>, string][] = [
			[() => editMaterial(store, id, { ...cable, quantity: 0 }, 'x', 'Sanne'), 'quantity'],
			[() => editMaterial(store, id, { ...cable, unitPriceCents: -1 }, 'x', 'Sanne'), 'unitPrice'],
			[() => editMaterial(store, id, { ...cable, description: ' ' }, 'x', 'Sanne'), 'description'],
			[() => editMaterial(store, id, { ...cable, reason: 'R99' }, 'x', 'Sanne'), 'reason'],
			[() => editMaterial(store, id, { ...cable, quantity: 4 }, ' ', 'Sanne'), 'why'],
			[() => editMaterial(store, id, { ...cable, quantity: 4 }, 'x', ''), 'by'],
			[() => editMaterial(store, 'no-such-line', cable, 'x', 'Sanne'), 'material'],
			[() => removeMaterial(store, id, '', 'Sanne'), 'why']
		];
		for (const [attempt, field] of refused)
			await expect(attempt(), field).rejects.toMatchObject({ field });
		await expect(
			editMaterial(store, id, { ...cable, quantity: 3 }, 'same', 'Sanne')
		).rejects.toThrow('nothing to change');
		m = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		expect(m.materials.map((x) => [x.quantity, x.unitPriceCents])).toEqual([[3, 450]]);
		expect(await materialChanges(store, ALL_ACCOUNTS, '2026-04')).toHaveLength(1);

		await removeMaterial(store, id, 'entered twice', 'Finance');
		m = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		expect(m.materials).toEqual([]);
		expect(m.invoiceLines.filter((l) => l.kind === 'material')).toEqual([]);
		history = await materialChanges(store, ALL_ACCOUNTS, '2026-04');
		expect(history.map((h) => [h.action, h.by, h.why])).toEqual([
			['remove', 'Finance', 'entered twice'],
			['edit', 'Sanne', 'three were used']
		]);
		expect(history[0].after).toBeNull();
		// the line stays on record
		const row = await store.one(
			`SELECT removed_by, removed_reason, quantity FROM billing_materials WHERE id = $1::UUID`,
			[id]
		);
		expect(row).toMatchObject({ removed_by: 'Finance', removed_reason: 'entered twice' });
		await expect(editMaterial(store, id, cable, 'again', 'Sanne')).rejects.toThrow(
			'was removed by Finance'
		);
		await expect(removeMaterial(store, id, 'again', 'Sanne')).rejects.toBeInstanceOf(BillingError);
	});

	it('are refused in a locked account-month, and stay as locked', async () => {
		await addMaterial(store, { accountId: 'zg', month: '2026-04', ...cable, by: 'Finance' });
		await addMaterial(store, { accountId: 'brons', month: '2026-04', ...cable, by: 'Finance' });
		const ofAccount = async (acc: string) =>
			(await billingMonth(store, ALL_ACCOUNTS, '2026-04')).materials.find(
				(x) => x.accountId === acc
			)!.id;
		const zgLine = await ofAccount('zg');
		const bronsLine = await ofAccount('brons');
		await lockMonth(store, '2026-04', 'Finance', 'invoiced', 'zg');
		await expect(
			editMaterial(store, zgLine, { ...cable, quantity: 5 }, 'more', 'Sanne')
		).rejects.toThrow('2026-04 is locked for Zilver-Goud B.V.');
		await expect(removeMaterial(store, zgLine, 'gone', 'Sanne')).rejects.toThrow(
			'2026-04 is locked for Zilver-Goud B.V.'
		);
		// brons's April is open
		await editMaterial(store, bronsLine, { ...cable, quantity: 1 }, 'one', 'Sanne');
		const m = await billingMonth(store, ALL_ACCOUNTS, '2026-04');
		expect(net(m, 'zg')).toBe(900);
		// brons: the setup entry, 30 × 110,00 / 60 = 5500, and 1 × 4,50
		expect(net(m, 'brons')).toBe(5500 + 450);
		expect(await materialChanges(store, ALL_ACCOUNTS, '2026-04')).toHaveLength(1);
	});
});
