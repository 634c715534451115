import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore, FIXTURES } from '../../../../test/helpers/fresh-store.ts';
import { importAccounts, saveAccount } from './accounts.ts';
import { importFile } from '../ingest/run-import.ts';
import { getAccount, listAccounts } from '../reports/overview.ts';
import { ALL_ACCOUNTS } from '../scope.ts';

let store: Store;
let dir: string;
beforeEach(async () => {
	({ store, dir } = await freshStore());
});
afterEach(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const HEADER =
	'id,name,policy,tiers,csm,account_manager,time_zone,default_language,aliases,contacts,arrears';

describe('accounts import', () => {
	it('reads a CSV with tier history, aliases, single points of contact and arrears; reports bad rows by row and field', async () => {
		const file = path.join(dir, 'accounts.csv');
		fs.writeFileSync(
			file,
			[
				HEADER,
				'zuidvelde,Gemeente Zuidvelde,model-a,2024-01-01=Standard;2025-03-01=Premium,Eva Janssen,Ruud,Europe/Amsterdam,nl,zendesk=Gemeente Zuidvelde (ICT),Jan <jan@zuidvelde.nl>;Piet <piet@zuidvelde.nl>,2025-02-01..2025-03-15',
				'korenschoof,Bakkerij De Korenschoof,model-b,2024-01-01=Goud,,Linda,Europe/Amsterdam,nl,,"Gert-Jan Bos <g.bos@korenschoof.nl>!",',
				'bad-tier,Bad Tier BV,model-b,2024-01-01=Platinum,,,Europe/Amsterdam,nl,,,',
				'bad-zone,Bad Zone BV,model-a,2024-13-01=Standard,,,Mars/Olympus,nl,,,'
			].join('\n') + '\n'
		);
		const r = await importAccounts(store, file);
		expect(r).toMatchObject({ read: 4, inserted: 2, updated: 0, unchanged: 0, rejected: 2 });
		expect(r.problems).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ row: 4, field: 'tiers', value: 'Platinum' }),
				expect.objectContaining({ row: 5, field: 'tiers' }),
				expect.objectContaining({ row: 5, field: 'time_zone', value: 'Mars/Olympus' })
			])
		);
		const a = await getAccount(store, ALL_ACCOUNTS, 'zuidvelde');
		expect(a?.tiers).toEqual([
			{ from: '2024-01-01', tier: 'Standard' },
			{ from: '2025-03-01', tier: 'Premium' }
		]);
		expect(a?.aliasList).toEqual([{ source: 'zendesk', alias: 'Gemeente Zuidvelde (ICT)' }]);
		expect(a?.arrears).toEqual([{ from: '2025-02-01', to: '2025-03-15' }]);
		const k = await getAccount(store, ALL_ACCOUNTS, 'korenschoof');
		expect(k?.contacts).toEqual([
			{ name: 'Gert-Jan Bos', email: 'g.bos@korenschoof.nl', spoc: true }
		]);
		// the same file again changes nothing
		expect(await importAccounts(store, file)).toMatchObject({
			inserted: 0,
			updated: 0,
			unchanged: 2,
			rejected: 2
		});
	});

	it('reads the same from JSON and from XLSX', async () => {
		const json = path.join(dir, 'accounts.json');
		fs.writeFileSync(
			json,
			JSON.stringify([
				{
					id: 'northwind',
					name: 'Northwind Logistics Ltd',
					policy: 'model-a',
					tiers: [{ from: '2024-06-01', tier: 'Enhanced' }],
					time_zone: 'Europe/London',
					default_language: 'en',
					aliases: [{ source: 'zendesk', alias: 'Northwind' }],
					contacts: [{ name: 'Anna', email: 'anna@northwind.co.uk', spoc: false }]
				}
			])
		);
		expect(await importAccounts(store, json)).toMatchObject({ inserted: 1, rejected: 0 });
		const wb = new ExcelJS.Workbook();
		const ws = wb.addWorksheet('Accounts');
		ws.addRow(HEADER.split(','));
		ws.addRow([
			'oosterpark',
			'Huisartsenpraktijk Oosterpark',
			'model-b',
			'2024-01-01=Zilver',
			'Eva',
			'',
			'Europe/Amsterdam',
			'nl',
			'zendesk=Oosterpark',
			'Dr. Visser <visser@oosterpark.nl>!',
			''
		]);
		const xlsx = path.join(dir, 'accounts.xlsx');
		await wb.xlsx.writeFile(xlsx);
		expect(await importAccounts(store, xlsx)).toMatchObject({ read: 1, inserted: 1, rejected: 0 });
		const list = await listAccounts(store, ALL_ACCOUNTS);
		expect(list.map((a) => [a.id, a.policy, a.timeZone]).sort()).toEqual([
			['northwind', 'model-a', 'Europe/London'],
			['oosterpark', 'model-b', 'Europe/Amsterdam']
		]);
	});

	it('completes an unassigned account an export created, and its tickets follow', async () => {
		await importFile(store, { file: path.join(FIXTURES, 'zendesk-small.csv'), source: 'zendesk' });
		expect(
			(await listAccounts(store, ALL_ACCOUNTS)).filter((a) => a.status === 'unassigned')
		).toHaveLength(2);
		const file = path.join(dir, 'accounts.csv');
		fs.writeFileSync(
			file,
			`${HEADER}\nzuidvelde,Gemeente Zuidvelde,model-a,2024-01-01=Premium,Eva,,Europe/Amsterdam,nl,,,\n`
		);
		const r = await importAccounts(store, file);
		expect(r).toMatchObject({ inserted: 0, updated: 1 });
		const list = await listAccounts(store, ALL_ACCOUNTS);
		const z = list.find((a) => a.id === 'zuidvelde');
		expect(z).toMatchObject({ status: 'active', tier: 'Premium', tickets: 2 });
		expect(list.find((a) => a.id === 'gemeente-zuidvelde')).toBeUndefined();
		// the next export of the same helpdesk finds it by the alias the first one created
		const again = await importFile(store, {
			file: path.join(FIXTURES, 'zendesk-small.csv'),
			source: 'zendesk'
		});
		expect(again.accountsCreated).toEqual([]);
		// 1006 has no language in the export: the account's default (nl) now fills it
		expect(again.counts.tickets).toMatchObject({ unchanged: 2, updated: 1 });
		expect(
			await store.one(`SELECT language, defaulted_fields FROM tickets WHERE external_id = '1006'`)
		).toEqual({ language: 'nl', defaulted_fields: ['language'] });
	});

	it('fills an empty ticket language from the account default, and says so', async () => {
		const file = path.join(dir, 'accounts.csv');
		fs.writeFileSync(
			file,
			`${HEADER}\nnorthwind,Northwind Logistics Ltd,model-a,2024-01-01=Enhanced,,,Europe/London,en,,,\n`
		);
		await importAccounts(store, file);
		await importFile(store, { file: path.join(FIXTURES, 'zendesk-small.csv'), source: 'zendesk' });
		const t = await store.one(
			`SELECT language, defaulted_fields FROM tickets WHERE external_id = '1002'`
		);
		expect(t).toEqual({ language: 'en', defaulted_fields: ['language'] });
	});

	it('saves an edit from the form with the same checks', async () => {
		const file = path.join(dir, 'accounts.csv');
		fs.writeFileSync(
			file,
			`${HEADER}\nnorthwind,Northwind Logistics Ltd,model-a,2024-01-01=Enhanced,,,Europe/London,en,,,\n`
		);
		await importAccounts(store, file);
		const bad = await saveAccount(
			store,
			{
				id: 'northwind',
				name: 'Northwind',
				policy: 'model-a',
				tiers: '2024-01-01=Gold',
				time_zone: 'Europe/London'
			},
			'northwind'
		);
		expect(bad.ok).toBe(false);
		const ok = await saveAccount(
			store,
			{
				id: 'northwind',
				name: 'Northwind Logistics Ltd',
				policy: 'model-a',
				tiers: '2024-01-01=Enhanced;2025-01-01=Premium',
				csm: 'Sanne',
				time_zone: 'Europe/London'
			},
			'northwind'
		);
		expect(ok).toEqual({ ok: true, id: 'northwind' });
		expect((await getAccount(store, ALL_ACCOUNTS, 'northwind'))?.csm).toBe('Sanne');
	});
});

describe('debtor numbers', () => {
	const base = {
		name: 'Bakkerij De Korenschoof',
		policy: 'model-b',
		tiers: '2024-01-01=Goud',
		time_zone: 'Europe/Amsterdam'
	};
	it('reads them from CSV, JSON and XLSX; a bad one is refused by row and field and not stored', async () => {
		const csv = path.join(dir, 'accounts.csv');
		fs.writeFileSync(
			csv,
			[
				`${HEADER},debtor_number`,
				'korenschoof,Bakkerij De Korenschoof,model-b,2024-01-01=Goud,,,Europe/Amsterdam,nl,,,,D-10042',
				'zuidvelde,Gemeente Zuidvelde,model-a,2024-01-01=Standard,,,Europe/Amsterdam,nl,,,,=SUM(A1)',
				'oost,Oost BV,model-a,2024-01-01=Standard,,,Europe/Amsterdam,nl,,,,'
			].join('\n') + '\n'
		);
		const r = await importAccounts(store, csv);
		expect(r).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
		expect(r.problems).toEqual([
			expect.objectContaining({ row: 3, field: 'debtor_number', value: '=SUM(A1)' })
		]);
		expect(r.problems[0].reason).toMatch(/at most 30 letters, digits/);
		const list = await listAccounts(store, ALL_ACCOUNTS);
		expect(list.map((a) => [a.id, a.debtorNumber])).toEqual([
			['korenschoof', 'D-10042'],
			['oost', null]
		]);

		const json = path.join(dir, 'accounts.json');
		fs.writeFileSync(
			json,
			JSON.stringify([{ id: 'oost', ...base, name: 'Oost BV', debtor: 20017 }])
		);
		expect(await importAccounts(store, json)).toMatchObject({ updated: 1, rejected: 0 });
		expect((await getAccount(store, ALL_ACCOUNTS, 'oost'))?.debtorNumber).toBe('20017');

		const wb = new ExcelJS.Workbook();
		const ws = wb.addWorksheet('Accounts');
		ws.addRow(['id', 'name', 'policy', 'tiers', 'debtor_number']);
		ws.addRow(['korenschoof', base.name, 'model-b', '2024-01-01=Goud', 31000]);
		const xlsx = path.join(dir, 'accounts.xlsx');
		await wb.xlsx.writeFile(xlsx);
		expect(await importAccounts(store, xlsx)).toMatchObject({ updated: 1, rejected: 0 });
		expect((await getAccount(store, ALL_ACCOUNTS, 'korenschoof'))?.debtorNumber).toBe('31000');
	});

	it('a file without the column keeps the stored number; an empty cell clears it; the form edits it', async () => {
		const withNumber = path.join(dir, 'with.csv');
		fs.writeFileSync(
			withNumber,
			`id,name,policy,tiers,debtor_number\nkorenschoof,${base.name},model-b,2024-01-01=Goud,D-1\n`
		);
		await importAccounts(store, withNumber);
		const without = path.join(dir, 'without.csv');
		fs.writeFileSync(
			without,
			`id,name,policy,tiers,csm\nkorenschoof,${base.name},model-b,2024-01-01=Goud,Eva\n`
		);
		expect(await importAccounts(store, without)).toMatchObject({ updated: 1 });
		expect((await getAccount(store, ALL_ACCOUNTS, 'korenschoof'))?.debtorNumber).toBe('D-1');
		const bad = await saveAccount(
			store,
			{ id: 'korenschoof', ...base, debtor_number: 'D 1' },
			'korenschoof'
		);
		expect(bad).toEqual({
			ok: false,
			problems: [expect.objectContaining({ field: 'debtor_number', value: 'D 1' })]
		});
		expect((await getAccount(store, ALL_ACCOUNTS, 'korenschoof'))?.debtorNumber).toBe('D-1');
		await saveAccount(store, { id: 'korenschoof', ...base, debtor_number: 'D-2' }, 'korenschoof');
		expect((await getAccount(store, ALL_ACCOUNTS, 'korenschoof'))?.debtorNumber).toBe('D-2');
		const emptied = path.join(dir, 'emptied.csv');
		fs.writeFileSync(
			emptied,
			`id,name,policy,tiers,debtor_number\nkorenschoof,${base.name},model-b,2024-01-01=Goud,\n`
		);
		expect(await importAccounts(store, emptied)).toMatchObject({ updated: 1 });
		expect((await getAccount(store, ALL_ACCOUNTS, 'korenschoof'))?.debtorNumber).toBeNull();
	});
});
