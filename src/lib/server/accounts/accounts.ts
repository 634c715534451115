/**
 * Accounts: the customer organisations, described by a person or an accounts file.
 *
 * The accounts file (CSV, XLSX or JSON) has one account per row:
 *   id, name, policy, tiers, csm, account_manager, time_zone, default_language, debtor_number, aliases, contacts, arrears
 * with the list-valued cells written as
 *   tiers     2024-01-01=Standard;2025-04-01=Premium      (dated tier history, R2)
 *   aliases   zendesk=Gemeente Zuidvelde (ICT);*=Zuidvelde (names the helpdesks use; * = any source)
 *   contacts  Jan Jansen <jan@x.nl>!;Piet <piet@x.nl>     (! marks a single point of contact, R4)
 *   arrears   2025-02-01..2025-03-15;2026-10-01..          (R27; an open end means "still")
 * JSON takes the same fields, each list either as that text or as an array of objects
 * ({from, tier}, {source, alias}, {name, email, spoc}, {from, to}).
 *
 * Importing upserts by id (or by name when the id is empty): the account's lists are replaced
 * by the file's. Bad rows are reported with row and field; the good rows load, all in one
 * transaction. An unassigned account created from a ticket export becomes active when the file
 * describes it (matched by id or name).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Queryable, Store, Tx } from '../db/index.ts';
import { parseZone } from '../../domain/wall-clock.ts';
import { ImportFileError, inspectFile, readXlsxRows, cleanup } from '../ingest/read-file.ts';
import { slugify } from './slug.ts';
import { ticketRowHashSql } from '../ingest/run-import.ts';
import { recomputeSla } from '../sla/recompute.ts';

export interface TierPeriod {
	from: string;
	tier: string;
}
export interface Alias {
	source: string;
	alias: string;
}
export interface Contact {
	name: string | null;
	email: string | null;
	spoc: boolean;
}
export interface Arrears {
	from: string;
	to: string | null;
}

export interface AccountInput {
	id: string;
	name: string;
	policy: string | null;
	tiers: TierPeriod[];
	csm: string | null;
	accountManager: string | null;
	timeZone: string;
	defaultLanguage: string | null;
	/** finance's debtor number; undefined when the file has no such column (the stored one stays) */
	debtorNumber?: string | null;
	aliases: Alias[];
	contacts: Contact[];
	arrears: Arrears[];
}

export interface AccountProblem {
	row: number;
	field: string;
	value: string;
	reason: string;
}

export interface AccountsImportReport {
	file: string;
	read: number;
	inserted: number;
	updated: number;
	unchanged: number;
	rejected: number;
	problems: AccountProblem[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s: string): boolean {
	if (!DATE.test(s)) return false;
	const d = new Date(s + 'T00:00:00Z');
	return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function text(v: unknown): string {
	return v === null || v === undefined ? '' : String(v).trim();
}

/** A debtor number as ledgers write them: 1–30 letters, digits, dots, dashes, slashes, underscores. */
export const DEBTOR = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,29}$/;

function splitList(v: string): string[] {
	return v
		.split(/[;\n]/)
		.map((x) => x.trim())
		.filter(Boolean);
}

/** The tiers each policy defines, read from the policies table. */
export async function policyTiers(q: Queryable): Promise<Map<string, string[]>> {
	const rows = await q.all(
		`SELECT p.id, p.body FROM policies p WHERE p.version = (SELECT max(version) FROM policies x WHERE x.id = p.id)`
	);
	const m = new Map<string, string[]>();
	for (const r of rows) {
		const body = JSON.parse(String(r.body)) as { tiers?: { name: string }[] };
		m.set(
			String(r.id),
			(body.tiers ?? []).map((t) => t.name)
		);
	}
	return m;
}

/** Read one raw record (column -> cell) into an account, collecting problems with their field. */
export function parseAccountRecord(
	rec: Record<string, unknown>,
	row: number,
	tiersByPolicy: Map<string, string[]>
): { account: AccountInput | null; problems: AccountProblem[] } {
	const problems: AccountProblem[] = [];
	const bad = (field: string, value: string, reason: string) =>
		problems.push({ row, field, value, reason });
	const get = (k: string) => {
		for (const [key, v] of Object.entries(rec))
			if (key.trim().toLowerCase().replace(/\s+/g, '_') === k) return v;
		return undefined;
	};
	const name = text(get('name'));
	if (!name) bad('name', '', 'the account name is empty');
	let id = text(get('id'));
	if (!id) id = slugify(name);
	else if (!/^[a-z0-9][a-z0-9-]{0,59}$/.test(id))
		bad('id', id, 'an id is lower-case letters, digits and dashes');

	const policy = text(get('policy')) || null;
	const policyTierNames = policy ? tiersByPolicy.get(policy) : undefined;
	if (policy && !policyTierNames)
		bad('policy', policy, `no policy "${policy}"; known: ${[...tiersByPolicy.keys()].join(', ')}`);

	const tiers: TierPeriod[] = [];
	const rawTiers = get('tiers');
	const tierItems: { from: string; tier: string }[] = Array.isArray(rawTiers)
		? rawTiers.map((t) => ({
				from: text((t as Record<string, unknown>).from),
				tier: text((t as Record<string, unknown>).tier)
			}))
		: splitList(text(rawTiers)).map((s) => {
				const [from, tier] = s.split('=').map((x) => x?.trim() ?? '');
				return { from, tier };
			});
	for (const t of tierItems) {
		if (!validDate(t.from))
			bad('tiers', `${t.from}=${t.tier}`, `"${t.from}" is not a date (yyyy-mm-dd)`);
		else if (!t.tier) bad('tiers', t.from, 'a tier period needs a tier: 2025-01-01=Premium');
		else if (policyTierNames && !policyTierNames.includes(t.tier))
			bad(
				'tiers',
				t.tier,
				`"${t.tier}" is not a tier of ${policy} (${policyTierNames.join(', ')})`
			);
		else tiers.push(t);
	}
	if (new Set(tiers.map((t) => t.from)).size !== tiers.length)
		bad('tiers', text(rawTiers), 'two tier periods start on the same date');
	if (tiers.length && !policy) bad('policy', '', 'tiers need a policy');

	const zone = text(get('time_zone')) || 'Europe/Amsterdam';
	let timeZone = zone;
	try {
		timeZone = parseZone(zone).name;
	} catch (e) {
		bad('time_zone', zone, (e as Error).message);
	}
	const defaultLanguage = text(get('default_language')).toLowerCase() || null;
	if (defaultLanguage && !/^[a-z]{2}$/.test(defaultLanguage))
		bad('default_language', defaultLanguage, 'a language is a two-letter code such as nl or en');

	// debtor_number (or debtor): absent leaves the stored number, an empty cell clears it
	const rawDebtor = get('debtor_number') ?? get('debtor');
	let debtorNumber: string | null | undefined = undefined;
	if (rawDebtor !== undefined) {
		debtorNumber = text(rawDebtor) || null;
		if (debtorNumber && !DEBTOR.test(debtorNumber))
			bad(
				'debtor_number',
				debtorNumber,
				'a debtor number is at most 30 letters, digits, dots, dashes, slashes or underscores, starting with a letter or digit'
			);
	}

	const aliases: Alias[] = [];
	const rawAliases = get('aliases');
	const aliasItems = Array.isArray(rawAliases)
		? rawAliases.map((a) => ({
				source: text((a as Record<string, unknown>).source) || '*',
				alias: text((a as Record<string, unknown>).alias)
			}))
		: splitList(text(rawAliases)).map((s) => {
				const i = s.indexOf('=');
				return i < 0
					? { source: '*', alias: s }
					: { source: s.slice(0, i).trim() || '*', alias: s.slice(i + 1).trim() };
			});
	for (const a of aliasItems) {
		if (!a.alias) bad('aliases', a.source, 'an alias is source=name, e.g. zendesk=Acme B.V.');
		else aliases.push(a);
	}

	const contacts: Contact[] = [];
	const rawContacts = get('contacts');
	if (Array.isArray(rawContacts)) {
		for (const c of rawContacts as Record<string, unknown>[])
			contacts.push({
				name: text(c.name) || null,
				email: text(c.email) || null,
				spoc: c.spoc === true || text(c.spoc) === 'true'
			});
	} else {
		for (const s of splitList(text(rawContacts))) {
			const spoc = s.endsWith('!');
			const body = spoc ? s.slice(0, -1).trim() : s;
			const m = /^(.*?)\s*<([^>]+)>$/.exec(body);
			const name = m ? m[1].trim() : body.includes('@') ? '' : body;
			const email = m ? m[2].trim() : body.includes('@') ? body : '';
			if (email && !/^[^@\s]+@[^@\s]+$/.test(email))
				bad('contacts', s, `"${email}" is not an e-mail address`);
			contacts.push({ name: name || null, email: email || null, spoc });
		}
	}

	const arrears: Arrears[] = [];
	const rawArrears = get('arrears');
	const arrearItems = Array.isArray(rawArrears)
		? rawArrears.map((a) => ({
				from: text((a as Record<string, unknown>).from),
				to: text((a as Record<string, unknown>).to)
			}))
		: splitList(text(rawArrears)).map((s) => {
				const [from, to] = s.split('..').map((x) => x?.trim() ?? '');
				return { from, to };
			});
	for (const a of arrearItems) {
		if (!validDate(a.from))
			bad('arrears', `${a.from}..${a.to}`, `"${a.from}" is not a date (yyyy-mm-dd)`);
		else if (a.to && !validDate(a.to))
			bad('arrears', `${a.from}..${a.to}`, `"${a.to}" is not a date (yyyy-mm-dd)`);
		else if (a.to && a.to < a.from)
			bad('arrears', `${a.from}..${a.to}`, 'the period ends before it starts');
		else arrears.push({ from: a.from, to: a.to || null });
	}

	if (problems.length) return { account: null, problems };
	return {
		account: {
			id,
			name,
			policy,
			tiers: tiers.sort((a, b) => a.from.localeCompare(b.from)),
			csm: text(get('csm')) || null,
			accountManager: text(get('account_manager')) || null,
			timeZone,
			defaultLanguage,
			debtorNumber,
			aliases,
			contacts,
			arrears
		},
		problems
	};
}

/** Rows of the accounts file as records, whatever its format. */
async function readAccountRecords(file: string, name: string): Promise<Record<string, unknown>[]> {
	const head = fs.readFileSync(file).subarray(0, 8);
	if (head.length === 0) throw new ImportFileError(name, 'is empty (0 bytes): nothing to import');
	if (head[0] === 0x50 && head[1] === 0x4b) {
		const rows = await readXlsxRows(file, name);
		return recordsFromRows(rows, name);
	}
	const textStart = fs
		.readFileSync(file, 'utf8')
		.replace(/^\uFEFF/, '')
		.trimStart();
	if (textStart.startsWith('[') || textStart.startsWith('{')) {
		let data: unknown;
		try {
			data = JSON.parse(textStart);
		} catch (e) {
			throw new ImportFileError(name, `is not valid JSON (${(e as Error).message})`);
		}
		const list = Array.isArray(data) ? data : (data as { accounts?: unknown }).accounts;
		if (!Array.isArray(list))
			throw new ImportFileError(name, 'JSON must be an array of accounts, or {"accounts": [...]}');
		return list as Record<string, unknown>[];
	}
	const inspected = await inspectFile(file, name);
	try {
		const content = fs.readFileSync(inspected.csvPath, 'utf8').replace(/^\uFEFF/, '');
		return recordsFromRows(parseCsv(content, inspected.delimiter), name);
	} finally {
		cleanup(inspected);
	}
}

function recordsFromRows(rows: string[][], name: string): Record<string, unknown>[] {
	const nonEmpty = rows.filter((r) => r.some((c) => c.trim()));
	if (!nonEmpty.length) throw new ImportFileError(name, 'has no rows');
	const header = nonEmpty[0].map((h) => h.trim());
	if (!header.some((h) => h.toLowerCase() === 'name'))
		throw new ImportFileError(name, `has no "name" column; the header is: ${header.join(', ')}`);
	return nonEmpty.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** A small RFC 4180 parser for the accounts file (tens of rows; ticket files go through DuckDB). */
export function parseCsv(content: string, delimiter: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < content.length; i++) {
		const ch = content[i];
		if (quoted) {
			if (ch === '"' && content[i + 1] === '"') {
				field += '"';
				i++;
			} else if (ch === '"') quoted = false;
			else field += ch;
		} else if (ch === '"' && field === '') quoted = true;
		else if (ch === delimiter) {
			row.push(field);
			field = '';
		} else if (ch === '\n' || ch === '\r') {
			if (ch === '\r' && content[i + 1] === '\n') i++;
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
		} else field += ch;
	}
	if (field || row.length) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}

async function writeAccount(
	tx: Tx,
	a: AccountInput,
	isSample: boolean,
	replaceAliases = false
): Promise<'inserted' | 'updated' | 'unchanged'> {
	const existing = await tx.one(
		`SELECT id FROM accounts WHERE id = $1 OR (status = 'unassigned' AND lower(name) = lower($2)) ORDER BY (id = $1) DESC LIMIT 1`,
		[a.id, a.name]
	);
	const before = existing
		? JSON.stringify(await describeForCompare(tx, String(existing.id)))
		: null;
	const id = existing ? String(existing.id) : a.id;
	if (existing) {
		if (id !== a.id) {
			// an unassigned account the file now describes under its own id: move its tickets over
			await tx.run(`UPDATE tickets SET account_id = $1 WHERE account_id = $2`, [a.id, id]);
			await tx.run(`UPDATE tickets SET row_hash = ${ticketRowHashSql()} WHERE account_id = $1`, [
				a.id
			]);
			await tx.run('UPDATE account_aliases SET account_id = $1 WHERE account_id = $2', [a.id, id]);
			await tx.run(
				`INSERT INTO accounts (id, name, status, is_sample, created_at, updated_at) SELECT $1, name, status, is_sample, created_at, updated_at FROM accounts WHERE id = $2`,
				[a.id, id]
			);
			await tx.run('DELETE FROM accounts WHERE id = $1', [id]);
		}
		await tx.run(
			`UPDATE accounts SET name = $2, policy_id = $3, csm = $4, account_manager = $5, time_zone = $6, default_language = $7, status = 'active', is_sample = $8, created_by_import = NULL WHERE id = $1`,
			[a.id, a.name, a.policy, a.csm, a.accountManager, a.timeZone, a.defaultLanguage, isSample]
		);
	} else {
		await tx.run(
			`INSERT INTO accounts (id, name, policy_id, csm, account_manager, time_zone, default_language, status, is_sample, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, now(), now())`,
			[a.id, a.name, a.policy, a.csm, a.accountManager, a.timeZone, a.defaultLanguage, isSample]
		);
	}
	if (a.debtorNumber !== undefined)
		await tx.run('UPDATE accounts SET debtor_number = $2 WHERE id = $1', [a.id, a.debtorNumber]);
	await replaceLists(tx, a, replaceAliases);
	const after = JSON.stringify(await describeForCompare(tx, a.id));
	if (before === after && id === a.id) return 'unchanged';
	await tx.run('UPDATE accounts SET updated_at = now() WHERE id = $1', [a.id]);
	return existing ? 'updated' : 'inserted';
}

async function replaceLists(tx: Tx, a: AccountInput, replaceAliases: boolean): Promise<void> {
	await tx.run('DELETE FROM tier_history WHERE account_id = $1', [a.id]);
	for (const t of a.tiers)
		await tx.run('INSERT INTO tier_history VALUES ($1, $2::DATE, $3)', [a.id, t.from, t.tier]);
	// An accounts file adds its aliases and keeps those an export created; the edit form shows
	// the whole list, so what a person removed there goes.
	if (replaceAliases) await tx.run('DELETE FROM account_aliases WHERE account_id = $1', [a.id]);
	for (const al of a.aliases) {
		await tx.run(
			`INSERT OR REPLACE INTO account_aliases VALUES ($1, lower(regexp_replace(trim($2), '\\s+', ' ', 'g')), $2, $3)`,
			[al.source, al.alias, a.id]
		);
	}
	await tx.run('DELETE FROM contacts WHERE account_id = $1', [a.id]);
	for (const c of a.contacts)
		await tx.run(
			'INSERT INTO contacts (account_id, name, email, is_spoc) VALUES ($1, $2, $3, $4)',
			[a.id, c.name, c.email, c.spoc]
		);
	await tx.run('DELETE FROM arrears WHERE account_id = $1', [a.id]);
	for (const r of a.arrears)
		await tx.run('INSERT INTO arrears VALUES ($1, $2::DATE, $3::DATE, NULL)', [a.id, r.from, r.to]);
	// tickets of this account's aliases that were loaded before the alias existed
	await tx.run(
		`UPDATE tickets SET account_id = $1 WHERE account_id IS DISTINCT FROM $1 AND EXISTS (
		   SELECT 1 FROM account_aliases al WHERE al.account_id = $1 AND al.source IN (tickets.source, '*')
		   AND al.alias_key = lower(regexp_replace(trim(tickets.organisation), '\\s+', ' ', 'g')))`,
		[a.id]
	);
	// the account is part of what an import compares: keep the stored hashes in step
	await tx.run(`UPDATE tickets SET row_hash = ${ticketRowHashSql()} WHERE account_id = $1`, [a.id]);
}

async function describeForCompare(q: Queryable, id: string) {
	return {
		a: await q.one(
			'SELECT name, policy_id, csm, account_manager, time_zone, default_language, debtor_number, status, is_sample FROM accounts WHERE id = $1',
			[id]
		),
		t: await q.all(
			'SELECT effective_from, tier FROM tier_history WHERE account_id = $1 ORDER BY 1',
			[id]
		),
		al: await q.all(
			'SELECT source, alias FROM account_aliases WHERE account_id = $1 ORDER BY 1, 2',
			[id]
		),
		c: await q.all(
			'SELECT name, email, is_spoc FROM contacts WHERE account_id = $1 ORDER BY 2, 1',
			[id]
		),
		r: await q.all('SELECT from_date, to_date FROM arrears WHERE account_id = $1 ORDER BY 1', [id])
	};
}

export async function importAccounts(
	store: Store,
	file: string,
	opts: { name?: string; isSample?: boolean } = {}
): Promise<AccountsImportReport> {
	const name = opts.name ?? path.basename(file);
	if (!fs.existsSync(file)) throw new ImportFileError(name, 'no such file');
	const records = await readAccountRecords(file, name);
	const report = await store.write(async (tx) => {
		const tiersByPolicy = await policyTiers(tx);
		const report: AccountsImportReport = {
			file: name,
			read: records.length,
			inserted: 0,
			updated: 0,
			unchanged: 0,
			rejected: 0,
			problems: []
		};
		const seen = new Map<string, number>();
		for (let i = 0; i < records.length; i++) {
			const row = i + 2;
			const { account, problems } = parseAccountRecord(records[i], row, tiersByPolicy);
			if (account && seen.has(account.id)) {
				problems.push({
					row,
					field: 'id',
					value: account.id,
					reason: `duplicate account id: row ${seen.get(account.id)} has it too`
				});
			}
			if (!account || problems.length) {
				report.rejected++;
				report.problems.push(...problems);
				continue;
			}
			seen.set(account.id, row);
			report[await writeAccount(tx, account, !!opts.isSample)]++;
		}
		return report;
	});
	// tiers, policies and defaults decide verdicts: recompute them when accounts changed
	if (report.inserted + report.updated) await recomputeSla(store);
	return report;
}

/** Save one account from the /accounts form: the same validation as a file row. */
export async function saveAccount(
	store: Store,
	rec: Record<string, unknown>,
	originalId?: string
): Promise<{ ok: true; id: string } | { ok: false; problems: AccountProblem[] }> {
	const saved = await store.write(async (tx) => {
		const { account, problems } = parseAccountRecord(rec, 1, await policyTiers(tx));
		if (!account) return { ok: false as const, problems };
		if (originalId && originalId !== account.id) {
			return {
				ok: false as const,
				problems: [
					{ row: 1, field: 'id', value: account.id, reason: 'the id of an account cannot change' }
				]
			};
		}
		const wasSample = originalId
			? (await tx.one('SELECT is_sample FROM accounts WHERE id = $1', [originalId]))?.is_sample ===
				true
			: false;
		await writeAccount(tx, account, wasSample, true);
		return { ok: true as const, id: account.id };
	});
	if (saved.ok) await recomputeSla(store);
	return saved;
}
