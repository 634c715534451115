/**
 * What the pages of the foundation read: the home page's summary, accounts, imports. Plain DTOs
 * out (no BigInt, no DuckDB values), every function scoped to the viewer's accounts.
 */
import type { Queryable } from '../db/index.ts';
import { scopeFilter, type Scope } from '../scope.ts';
import type { ImportReport } from '../ingest/run-import.ts';

export interface OverviewSummary {
	accounts: { active: number; unassigned: number; sample: number };
	tickets: number;
	ticketsWithoutAccount: number;
	events: number;
	timeEntries: number;
	period: { from: string | null; to: string | null };
	asOf: string | null;
	lastImport: {
		id: number;
		file: string;
		source: string;
		finishedAt: string;
		status: string;
	} | null;
	sampleLoaded: boolean;
}

const num = (v: unknown) => Number(v ?? 0);
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

export async function getOverview(q: Queryable, scope: Scope): Promise<OverviewSummary> {
	const s = scopeFilter(scope, 'a.id', 1);
	const st = scopeFilter(scope, 't.account_id', 1);
	const [acc, tix, ev, te, last, asOf, sample] = await Promise.all([
		q.one(
			`SELECT count(*) FILTER (status = 'active') AS active, count(*) FILTER (status = 'unassigned') AS unassigned, count(*) FILTER (is_sample) AS sample FROM accounts a WHERE ${s.sql}`,
			s.params
		),
		q.one(
			`SELECT count(*) AS n, count(*) FILTER (account_id IS NULL) AS orphan, min(created_at) AS first, max(created_at) AS last FROM tickets t WHERE ${scope.kind === 'all' ? 'true' : st.sql}`,
			st.params
		),
		q.one(
			`SELECT count(*) AS n FROM ticket_events e JOIN tickets t ON t.source = e.source AND t.external_id = e.ticket_id WHERE ${st.sql}`,
			st.params
		),
		q.one(
			`SELECT count(*) AS n FROM time_entries e JOIN tickets t ON t.source = e.source AND t.external_id = e.ticket_id WHERE ${st.sql}`,
			st.params
		),
		q.one(
			`SELECT id, file_name, source, finished_at, status FROM imports ORDER BY id DESC LIMIT 1`
		),
		q.one(`SELECT max(as_of) AS as_of FROM imports WHERE status = 'committed'`),
		q.one(`SELECT value FROM meta WHERE key = 'sample_loaded'`)
	]);
	return {
		accounts: {
			active: num(acc?.active),
			unassigned: num(acc?.unassigned),
			sample: num(acc?.sample)
		},
		tickets: num(tix?.n),
		ticketsWithoutAccount: num(tix?.orphan),
		events: num(ev?.n),
		timeEntries: num(te?.n),
		period: { from: str(tix?.first), to: str(tix?.last) },
		asOf: str(asOf?.as_of),
		lastImport: last
			? {
					id: num(last.id),
					file: String(last.file_name),
					source: String(last.source),
					finishedAt: String(last.finished_at),
					status: String(last.status)
				}
			: null,
		sampleLoaded: sample?.value === 'true'
	};
}

export interface AccountListItem {
	id: string;
	name: string;
	policy: string | null;
	tier: string | null;
	csm: string | null;
	accountManager: string | null;
	timeZone: string;
	defaultLanguage: string | null;
	debtorNumber: string | null;
	status: 'active' | 'unassigned';
	isSample: boolean;
	tickets: number;
	aliases: string[];
	inArrears: boolean;
}

export async function listAccounts(q: Queryable, scope: Scope): Promise<AccountListItem[]> {
	const s = scopeFilter(scope, 'a.id', 1);
	const rows = await q.all(
		`SELECT a.id, a.name, a.policy_id, a.csm, a.account_manager, a.time_zone, a.default_language, a.debtor_number, a.status, a.is_sample,
		   (SELECT th.tier FROM tier_history th WHERE th.account_id = a.id AND th.effective_from <= current_date ORDER BY th.effective_from DESC LIMIT 1) AS tier,
		   (SELECT count(*) FROM tickets t WHERE t.account_id = a.id) AS tickets,
		   (SELECT list(al.source || ': ' || al.alias ORDER BY al.source, al.alias) FROM account_aliases al WHERE al.account_id = a.id) AS aliases,
		   EXISTS (SELECT 1 FROM arrears r WHERE r.account_id = a.id AND r.from_date <= current_date AND (r.to_date IS NULL OR r.to_date >= current_date)) AS in_arrears
		 FROM accounts a WHERE ${s.sql} ORDER BY a.status = 'unassigned' DESC, lower(a.name)`,
		s.params
	);
	return rows.map((r) => ({
		id: String(r.id),
		name: String(r.name),
		policy: str(r.policy_id),
		tier: str(r.tier),
		csm: str(r.csm),
		accountManager: str(r.account_manager),
		timeZone: String(r.time_zone),
		defaultLanguage: str(r.default_language),
		debtorNumber: str(r.debtor_number),
		status: r.status === 'unassigned' ? 'unassigned' : 'active',
		isSample: r.is_sample === true,
		tickets: num(r.tickets),
		aliases: Array.isArray(r.aliases) ? r.aliases.map(String) : [],
		inArrears: r.in_arrears === true
	}));
}

export interface AccountDetail extends AccountListItem {
	tiers: { from: string; tier: string }[];
	aliasList: { source: string; alias: string }[];
	contacts: { name: string | null; email: string | null; spoc: boolean }[];
	arrears: { from: string; to: string | null }[];
	policies: { id: string; name: string; tiers: string[] }[];
}

export async function getAccount(
	q: Queryable,
	scope: Scope,
	id: string
): Promise<AccountDetail | null> {
	const list = await listAccounts(q, scope);
	const base = list.find((a) => a.id === id);
	if (!base) return null;
	const [tiers, aliases, contacts, arrears, policies] = await Promise.all([
		q.all(
			'SELECT effective_from, tier FROM tier_history WHERE account_id = $1 ORDER BY effective_from',
			[id]
		),
		q.all(
			'SELECT source, alias FROM account_aliases WHERE account_id = $1 ORDER BY source, alias',
			[id]
		),
		q.all(
			'SELECT name, email, is_spoc FROM contacts WHERE account_id = $1 ORDER BY is_spoc DESC, name',
			[id]
		),
		q.all('SELECT from_date, to_date FROM arrears WHERE account_id = $1 ORDER BY from_date', [id]),
		q.all(
			`SELECT p.id, p.name, p.body FROM policies p WHERE p.version = (SELECT max(version) FROM policies x WHERE x.id = p.id) ORDER BY p.id`
		)
	]);
	return {
		...base,
		tiers: tiers.map((r) => ({ from: String(r.effective_from), tier: String(r.tier) })),
		aliasList: aliases.map((r) => ({ source: String(r.source), alias: String(r.alias) })),
		contacts: contacts.map((r) => ({
			name: str(r.name),
			email: str(r.email),
			spoc: r.is_spoc === true
		})),
		arrears: arrears.map((r) => ({ from: String(r.from_date), to: str(r.to_date) })),
		policies: policies.map((r) => ({
			id: String(r.id),
			name: String(r.name),
			tiers: ((JSON.parse(String(r.body)) as { tiers?: { name: string }[] }).tiers ?? []).map(
				(t) => t.name
			)
		}))
	};
}

export interface ImportListItem {
	id: number;
	source: string;
	recordKind: string;
	profile: string;
	file: string;
	zone: string;
	asOf: string | null;
	finishedAt: string;
	status: string;
	isSample: boolean;
	counts: ImportReport['counts'];
	rejectsTotal: number;
	rolledBackAt: string | null;
}

export async function listImports(q: Queryable): Promise<ImportListItem[]> {
	const rows = await q.all(
		`SELECT id, source, record_kind, profile, file_name, zone, as_of, finished_at, status, is_sample, report, rolled_back_at FROM imports ORDER BY id DESC`
	);
	return rows.map((r) => {
		const report = JSON.parse(String(r.report)) as ImportReport;
		return {
			id: num(r.id),
			source: String(r.source),
			recordKind: String(r.record_kind),
			profile: String(r.profile),
			file: String(r.file_name),
			zone: String(r.zone),
			asOf: str(r.as_of),
			finishedAt: String(r.finished_at),
			status: String(r.status),
			isSample: r.is_sample === true,
			counts: report.counts,
			rejectsTotal: report.rejectsTotal,
			rolledBackAt: str(r.rolled_back_at)
		};
	});
}

/** The stored report of one import, with its rejected rows (all of them, or the first `limit`). */
export async function getImport(
	q: Queryable,
	id: number,
	limit = 1000
): Promise<(ImportReport & { status: string; rolledBackAt: string | null }) | null> {
	const r = await q.one('SELECT report, status, rolled_back_at FROM imports WHERE id = $1', [id]);
	if (!r) return null;
	const report = JSON.parse(String(r.report)) as ImportReport;
	report.rejects = await importRejects(q, id, limit);
	return { ...report, status: String(r.status), rolledBackAt: str(r.rolled_back_at) };
}

export async function importRejects(
	q: Queryable,
	id: number,
	limit?: number
): Promise<ImportReport['rejects']> {
	const rows = await q.all(
		`SELECT row_number, column_name, value, reason FROM import_rejects WHERE import_id = $1 ORDER BY row_number, column_name${limit ? ` LIMIT ${Math.floor(limit)}` : ''}`,
		[id]
	);
	return rows.map((x) => ({
		row: num(x.row_number),
		column: str(x.column_name),
		value: str(x.value),
		reason: String(x.reason)
	}));
}
