/**
 * Erasure of one account on a real store loaded with the generated sample (accounts, tickets,
 * status history, time entries, verdicts), plus what people add: corrections, a finalised
 * review, training records, material lines, a time-entry correction and a locked month. After
 * the erasure no table and no report holds the account or its people; the other accounts read
 * exactly as before; the locked month's invoice lines remain, anonymised, with the same totals.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/lib/server/db/index.ts';
import { FIXTURES, freshStore, storeContents, storeTables } from '../helpers/fresh-store.ts';
import { generateSample } from '../../src/lib/server/sample/generate.ts';
import { importAccounts } from '../../src/lib/server/accounts/accounts.ts';
import { importFile } from '../../src/lib/server/ingest/run-import.ts';
import { ALL_ACCOUNTS } from '../../src/lib/server/scope.ts';
import {
	complianceView,
	dataVersion,
	listPage,
	parseFilters,
	parseListFilters
} from '../../src/lib/server/reports/compliance.ts';
import { finaliseReview, portfolio, reviewData } from '../../src/lib/server/reports/review.ts';
import { recordTraining, trainingView } from '../../src/lib/server/reports/training.ts';
import {
	addMaterial,
	billingMonth,
	correctEntry,
	lockMonth
} from '../../src/lib/server/billing/billing.ts';
import { invoiceTables } from '../../src/lib/server/billing/export.ts';
import { tableToCsv } from '../../src/lib/server/export/table-export.ts';
import { addCorrection } from '../../src/lib/server/sla/corrections.ts';
import { listAccounts, listImports } from '../../src/lib/server/reports/overview.ts';
import { eraseAccount, EraseError, listErasures } from '../../src/lib/server/accounts/erase.ts';
import { ROOT, startServer, type RunningServer } from '../helpers/server.ts';

function peil(args: string[], env: Record<string, string>) {
	const r = spawnSync(process.execPath, ['bin/peil.js', ...args], {
		cwd: ROOT,
		env: { ...process.env, ...env },
		encoding: 'utf8'
	});
	return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let store: Store;
let dir: string;
let victim: string;
let victimName: string;
let other: string;
/** names, e-mail addresses and ids of the victim's people, read before the erasure */
let people: string[];
const LOCKED = '2026-09';
const OPEN = '2026-10';

beforeAll(async () => {
	({ store, dir } = await freshStore());
	const gen = await generateSample({ tickets: 3000, outDir: path.join(dir, 'sample') });
	await importAccounts(store, gen.files.accounts);
	for (const [file, profile] of [
		[gen.files.tickets, 'zendesk'],
		[gen.files.events, 'peil-events'],
		[gen.files.timeEntries, 'peil-time-entries']
	] as const)
		await importFile(store, { file, source: 'zendesk', profile, asOf: gen.asOf });
	// a newer export of the same helpdesk: changed tickets keep their earlier versions
	const later = await generateSample({
		tickets: 3000,
		outDir: path.join(dir, 'sample-later'),
		asOf: '2026-11-23T16:00:00Z'
	});
	for (const [file, profile] of [
		[later.files.tickets, 'zendesk'],
		[later.files.timeEntries, 'peil-time-entries']
	] as const)
		await importFile(store, { file, source: 'zendesk', profile, asOf: later.asOf });

	// the account with most invoice lines in the month to lock is erased; the next one is watched
	const m = await billingMonth(store, ALL_ACCOUNTS, LOCKED);
	const perAccount = new Map<string, number>();
	for (const l of m.invoiceLines)
		perAccount.set(l.accountId, (perAccount.get(l.accountId) ?? 0) + 1);
	const ranked = [...perAccount].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
	victim = ranked[0][0];
	other = ranked[1][0];
	victimName = String((await store.one('SELECT name FROM accounts WHERE id = $1', [victim]))?.name);

	// what people add on top of the imports, for both accounts
	for (const id of [victim, other]) {
		const t = await store.one(
			`SELECT source, external_id FROM tickets WHERE account_id = $1 ORDER BY external_id LIMIT 1`,
			[id]
		);
		await addCorrection(store, {
			source: String(t!.source),
			externalId: String(t!.external_id),
			field: 'language',
			value: 'en',
			reason: 'asked in English',
			by: 'Eva'
		});
		await recordTraining(store, {
			accountId: id,
			status: 'offered',
			onDate: '2026-08-01',
			note: 'Outlook course',
			by: 'Ruud'
		});
		await finaliseReview(store, id, '2026-08', 'Eva', { agreements: `Agreed with ${id}` });
		await addMaterial(store, {
			accountId: id,
			month: LOCKED,
			description: `Laptop for the desk of ${id}`,
			quantity: 2,
			unitPriceCents: 45_000,
			by: 'Finance'
		});
		const e = await store.one(
			`SELECT e.source, e.external_id FROM time_entries e JOIN tickets t ON t.source = e.source AND t.external_id = e.ticket_id
			 WHERE t.account_id = $1 ORDER BY e.started_at DESC, e.external_id LIMIT 1`,
			[id]
		);
		await correctEntry(store, {
			source: String(e!.source),
			entryId: String(e!.external_id),
			field: 'order_reference',
			value: `PO-${id}`,
			why: 'order came by mail',
			by: 'Finance'
		});
	}
	await lockMonth(store, LOCKED, 'Finance', 'invoiced');
	// an export saved under the account's name (its file name is shown on /imports)
	const named = await importFile(store, {
		file: path.join(FIXTURES, 'zendesk-small.csv'),
		name: `${victimName} export.csv`,
		source: 'zendesk-named'
	});
	expect(named.file).toBe(`${victimName} export.csv`);
	// a rejected row of a later import whose offending cell was one of the victim's requesters
	// (as a time-entries file naming the e-mail address in the ticket column would leave it)
	const requester = await store.one(
		`SELECT requester_email FROM tickets WHERE account_id = $1 AND requester_email IS NOT NULL LIMIT 1`,
		[victim]
	);
	await store.run(
		`INSERT INTO import_rejects VALUES (3, 'time_entries', 'entries.csv', 7, 'ticket_id', $1, 'no such ticket'),
		 (3, 'time_entries', 'entries.csv', 8, 'minutes', 'abc', 'not a number')`,
		[`"${String(requester!.requester_email)}"`]
	);

	people = (
		await store.all(
			`SELECT DISTINCT x AS v FROM (
			   SELECT unnest([requester_name, requester_email]) AS x FROM tickets WHERE account_id = $1
			   UNION ALL SELECT unnest([name, email]) FROM contacts WHERE account_id = $1)
			 WHERE x IS NOT NULL AND length(x) > 5`,
			[victim]
		)
	).map((r) => String(r.v));
	// a name shared with another account's people is not the victim's alone
	const shared = new Set(
		(
			await store.all(
				`SELECT DISTINCT unnest([requester_name, requester_email]) AS v FROM tickets WHERE account_id <> $1`,
				[victim]
			)
		).map((r) => String(r.v))
	);
	people = people.filter((p) => !shared.has(p));
	expect(people.length).toBeGreaterThan(3);
}, 300_000);

afterAll(async () => {
	await store?.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

async function reports(id: string) {
	const month = OPEN;
	const f = parseFilters(new URLSearchParams({ from: '2025-11', to: month }), month);
	const lf = parseListFilters(new URLSearchParams({ from: '2025-11', to: month }), month);
	const locked = await billingMonth(store, ALL_ACCOUNTS, LOCKED);
	const open = await billingMonth(store, ALL_ACCOUNTS, month);
	return {
		accounts: await listAccounts(store, ALL_ACCOUNTS),
		compliance: await complianceView(store, ALL_ACCOUNTS, f),
		list: await listPage(store, ALL_ACCOUNTS, lf, 1),
		review: await reviewData(store, ALL_ACCOUNTS, id, '2026-08'),
		portfolio: await portfolio(store, ALL_ACCOUNTS, '2026-08', null),
		training: await trainingView(store, ALL_ACCOUNTS, { from: '2026-08', to: month }),
		locked,
		open,
		lockedCsv: invoiceTables(locked, true)
			.map((t) => tableToCsv(t))
			.join('\n'),
		openCsv: invoiceTables(open, true)
			.map((t) => tableToCsv(t))
			.join('\n')
	};
}

describe('erasing one account', () => {
	it('refuses an unknown account and an erasure without a name, changing nothing', async () => {
		const before = await storeContents(store);
		await expect(eraseAccount(store, 'no-such-account', 'Admin')).rejects.toThrow(
			new EraseError(404, 'There is no account "no-such-account".')
		);
		await expect(eraseAccount(store, victim, '  ')).rejects.toThrow(/Say who erases/);
		expect(await storeContents(store)).toBe(before);
	});

	it('removes it from every table and report, keeps the others as they were, and keeps the locked month anonymised', async () => {
		const before = await reports(other);
		const victimBefore = await reports(victim);
		expect(victimBefore.review).not.toBeNull();
		expect(JSON.stringify(victimBefore.compliance)).toContain(victim);
		expect(victimBefore.lockedCsv).toContain(victimName);
		const lockedVictimLines = victimBefore.locked.invoiceLines.filter(
			(l) => l.accountId === victim
		);
		expect(lockedVictimLines.length).toBeGreaterThan(1);
		expect(lockedVictimLines.some((l) => l.kind === 'material')).toBe(true);
		const versionBefore = await dataVersion(store);
		const victimList = await listPage(
			store,
			ALL_ACCOUNTS,
			parseListFilters(new URLSearchParams({ from: '2025-11', to: OPEN, account: victim }), OPEN),
			1
		);
		expect(victimList.total).toBeGreaterThan(0);

		const own = await store.one(
			`SELECT (SELECT count(*) FROM tickets WHERE account_id = $1) AS tickets,
			   (SELECT count(*) FROM time_entries e JOIN tickets t ON t.source = e.source AND t.external_id = e.ticket_id WHERE t.account_id = $1) AS entries,
			   (SELECT count(*) FROM ticket_events e JOIN tickets t ON t.source = e.source AND t.external_id = e.ticket_id WHERE t.account_id = $1) AS events`,
			[victim]
		);
		expect(Number(own?.tickets)).toBeGreaterThan(20);
		expect(Number(own?.entries)).toBeGreaterThan(20);

		const result = await eraseAccount(store, victim, 'Admin');
		expect(result.counts.tickets).toBe(Number(own?.tickets));
		expect(result.counts.time_entries).toBe(Number(own?.entries));
		expect(result.counts.ticket_events).toBe(Number(own?.events));
		expect(result.counts.invoice_lines_anonymised).toBe(lockedVictimLines.length);
		expect(result.counts.import_rejects).toBe(1);
		expect(result.counts.import_records).toBe(1);
		expect((await listImports(store)).map((i) => i.file)).toContain('erased export.csv');
		expect(await dataVersion(store)).not.toBe(versionBefore);

		// no table holds the account's id, name or people — but the one erasure record and the
		// anonymised invoice lines
		expect((await storeTables(store)).length).toBeGreaterThanOrEqual(28);
		const text = await storeContents(store);
		const lines = text.split('\n').filter((l) => l.includes(victim));
		expect(lines).toHaveLength(1);
		expect(lines[0].startsWith(`meta: {'key': 'erased:${victim}', 'value': `)).toBe(true);
		expect(text.split('\n').filter((l) => l.includes(victimName))).toEqual([]);
		for (const p of people) expect(text).not.toContain(p);
		for (const t of [
			'tickets',
			'ticket_history',
			'ticket_events',
			'time_entries',
			'time_entry_history',
			'ticket_sla',
			'ticket_corrections',
			'time_entry_corrections',
			'contacts',
			'account_aliases',
			'tier_history',
			'reviews',
			'training_records',
			'billing_materials'
		])
			expect(
				Number((await store.one(`SELECT count(*) AS n FROM ${t}`))?.n),
				`${t} still holds rows of other accounts`
			).toBeGreaterThan(0);
		expect(await store.one(`SELECT 1 AS x FROM accounts WHERE id = $1`, [victim])).toBeUndefined();
		expect(
			await store.one(
				`SELECT 1 AS x FROM ticket_events e WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.source = e.source AND t.external_id = e.ticket_id)`
			)
		).toBeUndefined();
		expect(
			await store.one(
				`SELECT 1 AS x FROM time_entries e WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.source = e.source AND t.external_id = e.ticket_id)`
			)
		).toBeUndefined();
		const rejects = await store.all(
			`SELECT row_number, value, reason FROM import_rejects WHERE import_id = 3 ORDER BY row_number`
		);
		expect(rejects.map((r) => [r.row_number, r.value])).toEqual([
			[7, null],
			[8, 'abc']
		]);
		expect(String(rejects[0].reason)).toMatch(
			/^no such ticket \(value erased \d{4}-\d{2}-\d{2}\)$/
		);

		// no report shows it
		const after = await reports(other);
		expect(await reviewData(store, ALL_ACCOUNTS, victim, '2026-08')).toBeNull();
		for (const [name, value] of Object.entries({
			accounts: after.accounts,
			compliance: after.compliance,
			list: after.list,
			portfolio: after.portfolio,
			training: after.training,
			open: after.open,
			openCsv: after.openCsv,
			locked: after.locked,
			lockedCsv: after.lockedCsv,
			imports: await listImports(store)
		})) {
			const json = JSON.stringify(value);
			expect(json, name).not.toContain(victim);
			expect(json, name).not.toContain(victimName);
			for (const p of people) expect(json, `${name}: ${p}`).not.toContain(p);
		}

		// the other accounts read as before
		expect(after.review).toEqual(before.review);
		const row = <T extends { accountId?: string; id?: string }>(list: T[], id: string) =>
			list.find((x) => (x.accountId ?? x.id) === id);
		expect(after.accounts.filter((a) => a.id !== victim)).toEqual(
			before.accounts.filter((a) => a.id !== victim)
		);
		for (const id of before.accounts.map((a) => a.id).filter((x) => x !== victim)) {
			expect(row(after.portfolio.rows, id), id).toEqual(row(before.portfolio.rows, id));
			// its own figures; the average of its tier rightly moves when an account of it goes
			const own = (t: (typeof before.training.accounts)[number] | undefined) =>
				t && { ...t, tierAverage: null, flags: t.flags.filter((f) => f.key !== 'tier') };
			expect(own(row(after.training.accounts, id)), id).toEqual(
				own(row(before.training.accounts, id))
			);
			expect(row(after.open.accounts, id), id).toEqual(row(before.open.accounts, id));
			expect(row(after.locked.accounts, id), id).toEqual(row(before.locked.accounts, id));
		}
		const split = (v: typeof before.compliance) =>
			v.accounts.filter((a) => !JSON.stringify(a).includes(victim));
		expect(split(after.compliance)).toEqual(split(before.compliance));
		expect(after.compliance.accounts).toHaveLength(before.compliance.accounts.length - 1);
		expect(after.list.total).toBe(before.list.total - victimList.total);

		// the locked month: the same lines and totals, the victim's anonymised
		expect(after.locked.totals.netCents).toBe(before.locked.totals.netCents);
		expect(after.locked.totals.vatCents).toBe(before.locked.totals.vatCents);
		expect(after.locked.invoiceLines).toHaveLength(before.locked.invoiceLines.length);
		const kept = after.locked.invoiceLines.filter((l) => l.erased);
		expect(kept).toHaveLength(lockedVictimLines.length);
		kept.forEach((l, i) => {
			const was = lockedVictimLines[i];
			expect(l.accountName).toBe('Erased account');
			expect(l.accountId).toMatch(/^erased-[0-9a-f]{10}$/);
			expect([l.amountCents, l.vatCents, l.hours, l.date, l.ticket, l.debtorNumber]).toEqual([
				was.amountCents,
				was.vatCents,
				was.hours,
				was.date,
				was.ticket,
				was.debtorNumber
			]);
		});
		const material = kept.find((l) => l.kind === 'material')!;
		expect(material.description).toBe('material line (description erased)');
		expect(material.materials).toBe('2 × (description erased)');
		expect(after.lockedCsv).toContain('Erased account');
		const erasedRow = after.locked.accounts.find((a) => a.name.startsWith('Erased account'))!;
		expect(erasedRow.netCents).toBe(lockedVictimLines.reduce((s, l) => s + l.amountCents, 0));
		// someone who sees some accounts only does not see the kept lines
		const scoped = await billingMonth(store, { kind: 'accounts', ids: [other] }, LOCKED);
		expect(scoped.invoiceLines.every((l) => l.accountId === other)).toBe(true);

		expect(await listErasures(store)).toEqual([
			{ accountId: victim, erasedAt: result.erasedAt, erasedBy: 'Admin' }
		]);
	}, 300_000);
});

const ROUTES = [
	'/accounts',
	'/compliance',
	'/compliance/tickets',
	'/compliance/export?table=accounts&format=csv',
	'/reviews/2026-10',
	'/training',
	'/billing/2026-10',
	'/billing/2026-10/export?format=csv',
	'/reconciliation'
];

describe('erasing from the account page and the command line, with the built server', () => {
	let server: RunningServer;
	beforeAll(async () => {
		server = await startServer({ PEIL_SAMPLE_TICKETS: '1500' });
	}, 300_000);
	afterAll(async () => {
		await server?.stop();
	});

	const post = (route: string, form: Record<string, string>) =>
		server.fetch(`${server.base}${route}`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'text/html',
				origin: server.base
			},
			body: new URLSearchParams(form)
		});

	it('erases only when the id is typed, then no page or export shows the account', async () => {
		const html = await (await server.fetch(`${server.base}/accounts`)).text();
		// the described accounts (the second table; the first lists the unassigned ones)
		const described = html.slice(html.indexOf('<table', html.indexOf('<table') + 1));
		const accounts = [...described.matchAll(/<a href="[./]*accounts\/([^"/]+)">([^<]+)<\/a>/g)]
			.map((m) => ({ id: m[1], name: m[2] }))
			.filter((a) => /^[\w .-]+$/.test(a.name) && a.name.length > 8);
		expect(accounts.length).toBeGreaterThan(5);
		const [first, second] = accounts;
		const page = await (await server.fetch(`${server.base}/accounts/${first.id}`)).text();
		expect(page).toContain(`Type the account's id <code>${first.id}</code> to confirm`);

		// where the account shows before
		const shown: string[] = [];
		for (const route of ROUTES)
			if ((await (await server.fetch(`${server.base}${route}`)).text()).includes(first.name))
				shown.push(route);
		expect(shown).toEqual(
			expect.arrayContaining([
				'/accounts',
				'/compliance',
				'/compliance/export?table=accounts&format=csv',
				'/training',
				'/billing/2026-10/export?format=csv'
			])
		);

		const wrong = await post(`/accounts/${first.id}?/erase`, { confirm: 'yes', by: 'Admin' });
		const wrongPage = await wrong.text();
		expect(wrong.status, wrongPage.slice(0, 3000)).toBe(400);
		expect(wrongPage).toContain(
			`Type the account's id "${first.id}" to confirm: nothing was erased.`
		);
		expect((await server.fetch(`${server.base}/accounts/${first.id}`)).status).toBe(200);

		const done = await post(`/accounts/${first.id}?/erase`, { confirm: first.id, by: 'Admin' });
		expect(done.status).toBe(303);
		expect(done.headers.get('location')).toBe('/accounts?erased=1');
		expect((await server.fetch(`${server.base}/accounts/${first.id}`)).status).toBe(404);
		const list = await (await server.fetch(`${server.base}/accounts?erased=1`)).text();
		expect(list).toContain('The account and all its data are erased.');

		// the command line: refused without --confirm, handed to the server with it
		const env = { PEIL_DB: server.db };
		const unconfirmed = peil(['account', 'erase', second.id], env);
		expect(unconfirmed.code).toBe(1);
		expect(unconfirmed.stderr).toMatch(/Add --confirm to erase it\./);
		const cli = peil(['account', 'erase', second.id, '--confirm', '--by', 'Admin', '--json'], env);
		expect(cli.stderr).toMatch(/holds the store: sending the work there/);
		expect(cli.code).toBe(0);
		expect(JSON.parse(cli.stdout)).toMatchObject({ accountId: second.id, erasedBy: 'Admin' });
		const again = peil(['account', 'erase', second.id, '--confirm'], env);
		expect(again.code).toBe(2);
		expect(again.stderr.trim().split('\n').at(-1)).toBe(
			`Error: There is no account "${second.id}".`
		);

		for (const route of ROUTES) {
			const res = await server.fetch(`${server.base}${route}`);
			expect(res.status, route).toBe(200);
			const text = await res.text();
			for (const a of [first, second]) {
				expect(text, route).not.toContain(a.id);
				expect(text, route).not.toContain(a.name);
			}
		}
	}, 300_000);
});
