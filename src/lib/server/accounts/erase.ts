/**
 * Erasure of one account's data (the customer's right to erasure), in one transaction.
 *
 * Deleted: the account row itself, its names per helpdesk, contacts, tier history, arrears,
 * assignments, target agreements, reviews (drafts and finalised snapshots), training records,
 * material lines; its tickets with their earlier versions, status history, verdicts and
 * corrections; the time entries on those tickets with their earlier versions and corrections.
 * Reject rows of imports keep no account, only the offending cell: a cell that holds one of the
 * account's identifiers (its id, name or helpdesk names, a contact's or requester's name, e-mail
 * or id, a ticket or time-entry number of its own) loses its value. Import reports that named
 * the account as created by that import name it no more, and file names of imports that hold its
 * id, name or a helpdesk name of it have that part replaced by "erased".
 *
 * Kept, as bookkeeping law requires: the invoice lines of locked (invoiced) months, anonymised —
 * the account's name becomes "Erased account", free text of material lines goes, and amounts,
 * VAT, dates, hours, rates, ticket numbers, order references and debtor fields stay, so a locked
 * month still adds up to what was invoiced. The lines get an `erased` date and a new account id
 * that is random, not derived from the old one.
 *
 * What remains of the account is one line in `meta` (`erased:<id>`): when and by whom, and how
 * many rows went — the proof that the request was honoured, without any of the data.
 */
import crypto from 'node:crypto';
import type { Store, Tx } from '../db/index.ts';
import type { InvoiceLine } from '../billing/billing.ts';

export class EraseError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
		this.name = 'EraseError';
	}
}

export interface ErasureResult {
	accountId: string;
	erasedAt: string;
	erasedBy: string;
	/** rows deleted (or, for rejects and invoice lines, anonymised) per table */
	counts: Record<string, number>;
}

/**
 * The account's tickets, as a subquery on (source, external_id). $1 is the account id. A ticket
 * belongs to the account its current version names: its status history and time entries go with
 * it, and stay with another account a newer export moved the ticket to.
 */
const TICKETS = `(SELECT source, external_id FROM tickets WHERE account_id = $1)`;

/** Time entries on the account's tickets. */
const ENTRIES = `(SELECT source, external_id FROM time_entries WHERE (source, ticket_id) IN ${TICKETS}
	UNION SELECT source, external_id FROM time_entry_history WHERE (source, ticket_id) IN ${TICKETS})`;

/** Tables keyed by the account id alone. */
const BY_ACCOUNT = [
	'account_aliases',
	'contacts',
	'tier_history',
	'arrears',
	'account_assignments',
	'target_agreements',
	'reviews',
	'training_records',
	'billing_materials'
] as const;

export const ERASED_ACCOUNT_NAME = 'Erased account';

/** Anonymise one invoice line of a locked month (pure). */
export function anonymiseInvoiceLine(l: InvoiceLine, newId: string, on: string): InvoiceLine {
	const isMaterial =
		l.kind === 'material' || (l.kind === 'adjustment' && l.key.includes(':material:'));
	const quantity = l.materials ? /^([\d.,]+)\s*×/.exec(l.materials)?.[1] : undefined;
	return {
		...l,
		accountId: newId,
		accountName: ERASED_ACCOUNT_NAME,
		materials: l.materials === null ? null : `${quantity ?? '?'} × (description erased)`,
		description: isMaterial
			? `${l.kind === 'adjustment' ? 'Adjustment: ' : ''}material line (description erased)`
			: l.description,
		erased: on
	};
}

/** `text` with every name (4 characters or more) replaced by "erased", ignoring case (pure). */
export function withoutNames(text: string, names: string[]): string {
	let out = text;
	for (const n of [...new Set(names)]
		.filter((x) => x.trim().length >= 4)
		.sort((a, b) => b.length - a.length)) {
		const pattern = new RegExp(n.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
		out = out.replace(pattern, 'erased');
	}
	return out;
}

async function count(tx: Tx, sql: string, params: string[]): Promise<number> {
	return Number((await tx.one(`SELECT count(*) AS n FROM ${sql}`, params))?.n ?? 0);
}

/**
 * Erase account `accountId`. `by` is who asked for it (a person's name, kept in the record).
 * Throws EraseError(404) for an unknown account, EraseError(400) without a name.
 */
export async function eraseAccount(
	store: Store,
	accountId: string,
	by: string
): Promise<ErasureResult> {
	const who = by.trim();
	if (!who) throw new EraseError(400, 'Say who erases the account (a name for the record).');
	return store.write(async (tx) => {
		const account = await tx.one('SELECT id, name FROM accounts WHERE id = $1', [accountId]);
		if (!account) throw new EraseError(404, `There is no account "${accountId}".`);
		const p = [accountId];
		const counts: Record<string, number> = {};
		const names = [
			accountId,
			String(account.name),
			...(await tx.all('SELECT alias FROM account_aliases WHERE account_id = $1', p)).map((r) =>
				String(r.alias)
			)
		];
		const erasedAt = new Date().toISOString();

		// identifiers of the account a rejected cell may hold, gathered before anything goes
		await tx.run('DROP TABLE IF EXISTS temp.erase_keys');
		await tx.run(
			`CREATE TEMP TABLE erase_keys AS
			 SELECT DISTINCT lower(trim(k)) AS k FROM (
			   SELECT id AS k FROM accounts WHERE id = $1 UNION ALL SELECT name FROM accounts WHERE id = $1
			   UNION ALL SELECT alias FROM account_aliases WHERE account_id = $1
			   UNION ALL SELECT name FROM contacts WHERE account_id = $1
			   UNION ALL SELECT email FROM contacts WHERE account_id = $1
			   UNION ALL SELECT unnest([organisation, requester_name, requester_email, requester_id, external_id]) FROM tickets WHERE account_id = $1
			   UNION ALL SELECT unnest([organisation, requester_name, requester_email, requester_id, external_id]) FROM ticket_history WHERE account_id = $1 OR (source, external_id) IN ${TICKETS}
			   UNION ALL SELECT external_id FROM ${ENTRIES}
			 ) WHERE k IS NOT NULL AND length(trim(k)) >= 2`,
			p
		);
		counts.import_rejects = await count(
			tx,
			`import_rejects r WHERE r.value IS NOT NULL AND (lower(trim(r.value)) IN (SELECT k FROM erase_keys)
			   OR EXISTS (SELECT 1 FROM erase_keys e WHERE length(e.k) >= 6 AND contains(e.k, '@') AND contains(lower(r.value), e.k)))`,
			[]
		);
		await tx.run(
			`UPDATE import_rejects r SET value = NULL, reason = r.reason || ' (value erased ' || $1 || ')'
			 WHERE r.value IS NOT NULL AND (lower(trim(r.value)) IN (SELECT k FROM erase_keys)
			   OR EXISTS (SELECT 1 FROM erase_keys e WHERE length(e.k) >= 6 AND contains(e.k, '@') AND contains(lower(r.value), e.k)))`,
			[erasedAt.slice(0, 10)]
		);
		await tx.run('DROP TABLE temp.erase_keys');

		// tables a newer schema may have (material changes, per-account locks, scoped tokens, the
		// audit log): handled when present
		const present = new Set(
			(
				await tx.all(
					`SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()`
				)
			).map((r) => String(r.table_name))
		);
		if (present.has('billing_material_changes')) {
			const where = `material_id IN (SELECT id FROM billing_materials WHERE account_id = $1)`;
			counts.billing_material_changes = await count(
				tx,
				`billing_material_changes WHERE ${where}`,
				p
			);
			await tx.run(`DELETE FROM billing_material_changes WHERE ${where}`, p);
		}

		// time entries and their corrections, then the tickets and everything keyed by them
		counts.time_entry_corrections = await count(
			tx,
			`time_entry_corrections WHERE (source, entry_id) IN ${ENTRIES}`,
			p
		);
		await tx.run(`DELETE FROM time_entry_corrections WHERE (source, entry_id) IN ${ENTRIES}`, p);
		for (const t of ['time_entries', 'time_entry_history']) {
			counts[t] = await count(tx, `${t} WHERE (source, ticket_id) IN ${TICKETS}`, p);
			await tx.run(`DELETE FROM ${t} WHERE (source, ticket_id) IN ${TICKETS}`, p);
		}
		counts.ticket_events = await count(
			tx,
			`ticket_events WHERE (source, ticket_id) IN ${TICKETS}`,
			p
		);
		await tx.run(`DELETE FROM ticket_events WHERE (source, ticket_id) IN ${TICKETS}`, p);
		counts.ticket_corrections = await count(
			tx,
			`ticket_corrections WHERE (source, external_id) IN ${TICKETS}`,
			p
		);
		await tx.run(`DELETE FROM ticket_corrections WHERE (source, external_id) IN ${TICKETS}`, p);
		// earlier versions: of its tickets, and those that named the account before a newer
		// export moved the ticket elsewhere (first: the ticket list above reads the current rows)
		for (const t of ['ticket_sla', 'ticket_history']) {
			const where = `account_id = $1 OR (source, external_id) IN ${TICKETS}`;
			counts[t] = await count(tx, `${t} WHERE ${where}`, p);
			await tx.run(`DELETE FROM ${t} WHERE ${where}`, p);
		}
		counts.tickets = await count(tx, `tickets WHERE account_id = $1`, p);
		await tx.run(`DELETE FROM tickets WHERE account_id = $1`, p);
		for (const t of BY_ACCOUNT) {
			counts[t] = await count(tx, `${t} WHERE account_id = $1`, p);
			await tx.run(`DELETE FROM ${t} WHERE account_id = $1`, p);
		}

		// locked months: the lines stay, anonymised
		const newId = `erased-${crypto.randomBytes(5).toString('hex')}`;
		counts.invoice_lines_anonymised = 0;
		for (const lock of await tx.all('SELECT month, lines FROM billing_locks ORDER BY month')) {
			const lines = JSON.parse(String(lock.lines)) as InvoiceLine[];
			let changed = 0;
			const out = lines.map((l) => {
				if (l.accountId !== accountId) return l;
				changed++;
				return anonymiseInvoiceLine(l, newId, erasedAt.slice(0, 10));
			});
			if (!changed) continue;
			counts.invoice_lines_anonymised += changed;
			await tx.run('UPDATE billing_locks SET lines = $2::JSON WHERE month = $1', [
				String(lock.month),
				JSON.stringify(out)
			]);
		}

		if (present.has('billing_account_locks')) {
			for (const lock of await tx.all(
				'SELECT month, lines FROM billing_account_locks WHERE account_id = $1',
				p
			)) {
				const lines = (JSON.parse(String(lock.lines)) as InvoiceLine[]).map((l) =>
					l.accountId === accountId ? anonymiseInvoiceLine(l, newId, erasedAt.slice(0, 10)) : l
				);
				counts.invoice_lines_anonymised += lines.filter((l) => l.erased).length;
				await tx.run(
					'UPDATE billing_account_locks SET account_id = $3, lines = $4::JSON WHERE month = $1 AND account_id = $2',
					[String(lock.month), accountId, newId, JSON.stringify(lines)]
				);
			}
		}
		if (present.has('api_tokens')) {
			// a token scoped to the account keeps its other accounts
			for (const t of await tx.all(
				`SELECT id::VARCHAR AS id, CAST(account_ids AS VARCHAR) AS ids FROM api_tokens WHERE account_ids IS NOT NULL`
			)) {
				const ids = JSON.parse(String(t.ids)) as string[];
				if (!Array.isArray(ids) || !ids.includes(accountId)) continue;
				await tx.run('UPDATE api_tokens SET account_ids = $2::JSON WHERE id = $1::UUID', [
					String(t.id),
					JSON.stringify(ids.filter((x) => x !== accountId))
				]);
			}
		}
		if (present.has('audit_log')) {
			// the record of who did what stays; the account's names in it go
			counts.audit_log = 0;
			for (const a of await tx.all(
				`SELECT id::VARCHAR AS id, target, CAST(detail AS VARCHAR) AS detail FROM audit_log
				 WHERE contains(lower(coalesce(target, '') || ' ' || coalesce(CAST(detail AS VARCHAR), '')), lower($1))
				    OR contains(lower(coalesce(target, '') || ' ' || coalesce(CAST(detail AS VARCHAR), '')), lower($2))`,
				[accountId, String(account.name)]
			)) {
				const target = a.target === null ? null : withoutNames(String(a.target), names);
				const detail = a.detail === null ? null : withoutNames(String(a.detail), names);
				counts.audit_log++;
				await tx.run('UPDATE audit_log SET target = $2, detail = $3::JSON WHERE id = $1::UUID', [
					String(a.id),
					target,
					detail
				]);
			}
		}

		// import records: reports that list the account among those they created, and file names
		// that name it (an export saved as "<account> oct.csv")
		counts.import_records = 0;
		for (const r of await tx.all('SELECT id, file_name, report FROM imports ORDER BY id')) {
			const report = JSON.parse(String(r.report)) as {
				file?: string;
				accountsCreated?: { id: string; name: string }[];
			};
			const file = withoutNames(String(r.file_name), names);
			const created = report.accountsCreated?.some((a) => a.id === accountId) ?? false;
			if (file === r.file_name && !created) continue;
			counts.import_records++;
			if (created)
				report.accountsCreated = report.accountsCreated!.map((a) =>
					a.id === accountId ? { id: newId, name: ERASED_ACCOUNT_NAME } : a
				);
			if (report.file) report.file = withoutNames(report.file, names);
			await tx.run('UPDATE imports SET file_name = $2, report = $3::JSON WHERE id = $1', [
				Number(r.id),
				file,
				JSON.stringify(report)
			]);
			await tx.run('UPDATE import_rejects SET file_name = $2 WHERE import_id = $1', [
				Number(r.id),
				file
			]);
		}

		await tx.run('DELETE FROM accounts WHERE id = $1', p);
		counts.accounts = 1;
		await tx.run('INSERT OR REPLACE INTO meta VALUES ($1, $2)', [
			`erased:${accountId}`,
			JSON.stringify({ erasedAt, erasedBy: who, counts })
		]);
		// every kept read (filters, contexts, default month) keys on the verdicts' version
		await tx.run(
			`INSERT OR REPLACE INTO meta VALUES ('verdicts_written', CAST(now() AS VARCHAR) || ' erasure ' || CAST(random() AS VARCHAR))`
		);
		return { accountId, erasedAt, erasedBy: who, counts };
	});
}

/** The erasures done on this store: when, by whom, how much (the accounts' data is gone). */
export async function listErasures(
	store: Store
): Promise<{ accountId: string; erasedAt: string; erasedBy: string }[]> {
	const rows = await store.all(
		`SELECT key, value FROM meta WHERE starts_with(key, 'erased:') ORDER BY key`
	);
	return rows.map((r) => {
		const v = JSON.parse(String(r.value)) as { erasedAt: string; erasedBy: string };
		return { accountId: String(r.key).slice(7), erasedAt: v.erasedAt, erasedBy: v.erasedBy };
	});
}
