/**
 * Chargeable work for a month (issue 7): every time entry of the month (by its start in the
 * account's zone) classified by `classifyEntry` under the policy version, tier, rate card and
 * training record in force at its start; material lines; the per-account summary by reason with
 * the free hours beside it; what needs a person; the invoice lines finance exports; and locks.
 *
 * A locked month's invoice lines are the ones stored when it was locked: nothing changes them.
 */
import { Store, type Param, type Queryable, type Row } from '../db/index.ts';
import { scopeFilter, type Scope } from '../scope.ts';
import { loadCalendarVersions, loadPolicies, type CalendarVersion } from '../sla/recompute.ts';
import {
	chargeablePeriods,
	listTrainingRecords,
	thresholdVersions,
	type ChargeablePeriod,
	type ThresholdVersion,
	type TrainingRecord
} from '../reports/training.ts';
import { instantToWallClock, parseZone, type ZoneSpec } from '../../domain/wall-clock.ts';
import type { Calendar } from '../../domain/calendar.ts';
import {
	classifyEntry,
	ORDER_REASONS,
	REASON_LABELS,
	type BillingLine,
	type ClassifyContext
} from './classify.ts';
import { rateCardOn, rateCardVersions, ALL_REASONS, type RateCardVersion } from './rates.ts';

/**
 * What a computation may be told instead of reading the store: the rate card versions (a preview
 * of a rate change prices the month with the change added, without saving it).
 */
export interface BillingOptions {
	cards?: Map<string, RateCardVersion[]>;
}

export class BillingError extends Error {
	constructor(
		readonly field: string | null,
		message: string
	) {
		super(field ? `${field}: ${message}` : message);
	}
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function validMonth(m: string): boolean {
	return MONTH.test(m);
}

export function nextMonth(m: string, n = 1): string {
	const [y, mo] = m.split('-').map(Number);
	const t = y * 12 + (mo - 1) + n;
	return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

export interface InvoiceLine {
	key: string;
	kind: 'time' | 'material' | 'adjustment';
	accountId: string;
	accountName: string;
	debtorNumber: string | null;
	/** yyyy-mm: the invoice period */
	period: string;
	/** for an adjustment: the locked month it corrects */
	originPeriod: string | null;
	reason: string;
	rule: string;
	ticket: string | null;
	date: string | null;
	hours: number | null;
	rateCents: number | null;
	multiplier: number | null;
	amountCents: number;
	materials: string | null;
	vatRate: number;
	vatCents: number;
	currency: string;
	orderReference: string | null;
	description: string;
	/** set on a locked month's line of an account erased later (yyyy-mm-dd): anonymised, kept */
	erased?: string;
}

export interface MaterialLine {
	id: string;
	/** the last edit: who, when and why (null when never edited) */
	edited: { by: string; at: string; why: string } | null;
	accountId: string;
	month: string;
	source: string | null;
	ticketId: string | null;
	description: string;
	quantity: number;
	unitPriceCents: number;
	amountCents: number;
	reason: string;
	orderReference: string | null;
	by: string;
	at: string;
}

export interface ReasonSummary {
	reason: string;
	label: string;
	billableHours: number;
	amountCents: number;
	freeHours: number;
	lines: number;
}

/** A lock of an account's month: the month for every account, or this account alone. */
export interface LockInfo {
	by: string;
	at: string;
	note: string | null;
	/** 'month': the whole month was locked; 'account': this account alone */
	scope: 'month' | 'account';
}

export interface AccountBilling {
	accountId: string;
	name: string;
	debtorNumber: string | null;
	/** the account's month is locked: its amounts are the invoiced lines */
	locked: LockInfo | null;
	policyId: string | null;
	isSample: boolean;
	currency: string;
	reasons: ReasonSummary[];
	billableHours: number;
	freeHours: number;
	needsPersonHours: number;
	labourCents: number;
	materialsCents: number;
	netCents: number;
	vatCents: number;
	needsPerson: number;
}

export interface BillingMonth {
	month: string;
	/** the whole month is locked (every account) */
	locked: { by: string; at: string; note: string | null } | null;
	/** accounts locked for this month one by one (the whole month's lock not counted) */
	lockedAccounts: Record<string, LockInfo>;
	accounts: AccountBilling[];
	/** every classified part of every entry (live; for a locked month: as it is now) */
	lines: BillingLine[];
	needsPerson: BillingLine[];
	materials: MaterialLine[];
	invoiceLines: InvoiceLine[];
	totals: { netCents: number; vatCents: number; billableHours: number; freeHours: number };
	notes: string[];
}

/**
 * The subjects of the tickets of some lines ("source/ticket id" → subject): read for the lines a
 * page shows, not for every line of the month.
 */
export async function ticketSubjects(
	q: Queryable,
	lines: Pick<BillingLine, 'source' | 'ticketId'>[]
): Promise<Record<string, string | null>> {
	const out: Record<string, string | null> = {};
	const keys = [...new Set(lines.map((l) => `${l.source}\u001f${l.ticketId}`))];
	for (const k of keys) out[k.replace('\u001f', '/')] = null;
	if (!keys.length) return out;
	const rows = await q.all(
		`SELECT source, external_id, subject FROM tickets
		 WHERE (source || chr(31) || external_id) IN (SELECT unnest(string_split($1, chr(30))))`,
		[keys.join('\u001e')]
	);
	for (const r of rows) out[`${String(r.source)}/${String(r.external_id)}`] = str(r.subject);
	return out;
}

const zoneCache = new Map<string, ZoneSpec>();
function zoneOf(name: string): ZoneSpec {
	let z = zoneCache.get(name);
	if (!z) {
		z = parseZone(name);
		zoneCache.set(name, z);
	}
	return z;
}

/** A zone's UTC offset per quarter hour (offsets change only on quarter hours): quarter → offset ms. */
const offsetCache = new Map<string, Map<number, number>>();
/** yyyy-mm-dd of a day number (days since 1970-01-01) */
const dayCache = new Map<number, string>();
const QUARTER = 900_000;
const DAY = 86_400_000;

function localDate(ms: number, zone: string): string {
	let offsets = offsetCache.get(zone);
	if (!offsets) {
		offsets = new Map();
		offsetCache.set(zone, offsets);
	}
	const quarter = Math.floor(ms / QUARTER);
	let off = offsets.get(quarter);
	if (off === undefined) {
		const q = quarter * QUARTER;
		off = instantToWallClock(q, zoneOf(zone)) - q;
		if (offsets.size > 200_000) offsets.clear();
		offsets.set(quarter, off);
	}
	const day = Math.floor((ms + off) / DAY);
	let date = dayCache.get(day);
	if (date === undefined) {
		date = new Date(day * DAY).toISOString().slice(0, 10);
		if (dayCache.size > 100_000) dayCache.clear();
		dayCache.set(day, date);
	}
	return date;
}

const str = (v: unknown): string | null =>
	v === null || v === undefined || v === '' ? null : String(v);

function calendarOn(versions: CalendarVersion[] | undefined, date: string): Calendar | null {
	if (!versions?.length) return null;
	let best = versions[0];
	for (const v of versions) if (v.effectiveFrom <= date) best = v;
	return best.calendar;
}

interface TierPeriod {
	from: string;
	tier: string;
}

/** R2: tier periods with a downgrade postponed to the next month where the policy says so. */
function tierPeriods(rows: Row[], ranks: Map<string, number>, downgrade: string): TierPeriod[] {
	const sorted = [...rows].sort((a, b) =>
		String(a.effective_from).localeCompare(String(b.effective_from))
	);
	const out: TierPeriod[] = [];
	let prevRank: number | null = null;
	for (const r of sorted) {
		const tier = String(r.tier);
		let from = String(r.effective_from);
		const rank = ranks.get(tier) ?? null;
		if (downgrade === 'next-month' && prevRank !== null && rank !== null && rank < prevRank)
			from = `${nextMonth(from.slice(0, 7))}-01`;
		out.push({ from, tier });
		prevRank = rank;
	}
	return out.sort((a, b) => a.from.localeCompare(b.from));
}

function tierOn(periods: TierPeriod[], date: string): string | null {
	let t: string | null = null;
	for (const p of periods) if (p.from <= date) t = p.tier;
	return t;
}

/**
 * The reason a line is counted under in the month's summary (per account and reason), and so the
 * reason its drill-down filters by: one definition for both. A free line without a reason (a person
 * marked the entry "free") is counted as included in the service; a line still without a reason
 * that is not free (needs a person) is "none".
 */
export function summaryReason(l: Pick<BillingLine, 'reason' | 'status'>): string {
	return l.reason ?? (l.status === 'free' ? 'included' : 'none');
}

/** The drill-down behind a figure of the summary: an account's lines, by summary reason and status. */
export function drillLines(
	lines: BillingLine[],
	f: { account: string; reason?: string; status?: string }
): BillingLine[] {
	if (!f.account) return [];
	return lines.filter(
		(l) =>
			l.accountId === f.account &&
			(!f.reason || summaryReason(l) === f.reason) &&
			(!f.status || l.status === f.status)
	);
}

/**
 * The training settings version in force on a date: as training.ts picks it for R20 (the last
 * version in force on the date, else the earliest), so the periods are those of
 * chargeableHowToPeriods, computed here for every account from records read at once.
 */
function thresholdVersionOn(versions: ThresholdVersion[], onDate: string): ThresholdVersion {
	let best: ThresholdVersion | null = null;
	for (const v of versions)
		if (
			v.effectiveFrom <= onDate &&
			(!best || v.effectiveFrom > best.effectiveFrom || v.effectiveFrom === best.effectiveFrom)
		)
			best = v;
	return best ?? [...versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))[0];
}

/**
 * A query's result column by column: chunk by chunk where the store streams (no per-value
 * conversion; the SQL casts to VARCHAR, DOUBLE and BOOLEAN), else from its rows (inside a
 * transaction). The values are the same either way.
 */
async function readColumns(
	q: Queryable,
	sql: string,
	params: Param[]
): Promise<{ n: number; col: (name: string) => unknown[] }> {
	const byName = new Map<string, unknown[]>();
	let n = 0;
	if (q instanceof Store) {
		for await (const chunk of q.chunks(sql, params)) {
			chunk.names.forEach((name, j) => {
				const column = byName.get(name);
				const values = chunk.columns[j];
				if (column) for (let k = 0; k < chunk.rows; k++) column.push(values[k]);
				else byName.set(name, values.slice(0, chunk.rows));
			});
			n += chunk.rows;
		}
	} else {
		const rows = await q.all(sql, params);
		for (const r of rows)
			for (const [name, v] of Object.entries(r)) {
				const column = byName.get(name);
				if (column) column.push(v);
				else byName.set(name, [v]);
			}
		n = rows.length;
	}
	return { n, col: (name) => byName.get(name) ?? new Array<unknown>(n).fill(null) };
}

/** The classified lines of a month for the accounts in scope, and what could not be priced. */
export interface MonthLines {
	lines: BillingLine[];
	accounts: Row[];
	notes: string[];
	/** per account: entries not priced (no rate card) and entries without a policy in force */
	unpriced: Map<string, { noCard: number; noPolicy: number }>;
}

/* ------------------------------------------------------------------ kept until the data changes */

/**
 * What the month's billing is computed from, as values that change whenever it does: the imports
 * (a new one, an undo), the accounts (a change bumps updated_at), and the row counts of every
 * other table billing reads — each of them only ever added to (corrections, materials and their
 * changes, locks, rate card and training versions and records) or, for tickets, time entries and
 * tiers, written by imports and accounts files. One UNION ALL of cheap aggregates (a few
 * milliseconds), far cheaper than classifying a month. In three layers: what the classified lines
 * depend on; the time-entry corrections (a few entries reclassified, not the month); the
 * materials and locks, which leave the lines as they are.
 */
type VersionLayer = 'lines' | 'corrections' | 'month';
const VERSION_PARTS: [string, string, VersionLayer][] = [
	['imports', 'max(id)', 'lines'],
	['imports', "count(*) FILTER (status = 'rolled_back')", 'lines'],
	['accounts', 'max(updated_at)', 'lines'],
	...(
		[
			['accounts', 'lines'],
			['tickets', 'lines'],
			['time_entries', 'lines'],
			['tier_history', 'lines'],
			['ticket_corrections', 'lines'],
			['rate_cards', 'lines'],
			['training_records', 'lines'],
			['training_settings', 'lines'],
			['policies', 'lines'],
			['calendars', 'lines'],
			['time_entry_corrections', 'corrections'],
			['billing_materials', 'month'],
			['billing_material_changes', 'month'],
			['billing_locks', 'month'],
			['billing_account_locks', 'month']
		] as const
	).map(([t, layer]): [string, string, VersionLayer] => [t, 'count(*)', layer])
];
const VERSION_SQL = VERSION_PARTS.map(
	([table, agg], i) => `SELECT ${i} AS i, CAST(${agg} AS VARCHAR) AS v FROM ${table}`
).join(' UNION ALL ');

interface BillingVersion {
	/** what the classified lines depend on, time-entry corrections aside */
	lines: string;
	/** the lines with their corrections */
	corrected: string;
	/** everything: the lines, the materials and the locks */
	all: string;
}

async function billingVersion(store: Store): Promise<BillingVersion> {
	const rows = await store.all(VERSION_SQL);
	const parts: Record<VersionLayer, string[]> = { lines: [], corrections: [], month: [] };
	for (const r of rows.sort((a, b) => Number(a.i) - Number(b.i)))
		parts[VERSION_PARTS[Number(r.i)][2]].push(String(r.v));
	const lines = parts.lines.join('|');
	const corrected = `${lines}#${parts.corrections.join('|')}`;
	return { lines, corrected, all: `${corrected}#${parts.month.join('|')}` };
}

/** At most this many results kept per store, holding at most this many lines in all. */
const KEEP = 16;
const KEEP_LINES = 600_000;
interface Kept {
	version: string;
	value: Promise<unknown>;
	/** the lines it holds, once computed */
	lines: number;
}
const keptByStore = new WeakMap<Store, Map<string, Kept>>();

/** How many lines a kept result holds (a month's lines, or a month made of them). */
function linesIn(v: unknown): number {
	const o = v as { lines?: unknown; value?: { lines?: unknown } } | null;
	const l = o?.value?.lines ?? o?.lines;
	return Array.isArray(l) ? l.length : 0;
}

/** A kept result: the value for this version if one was computed, else undefined. */
function keptValue<T>(store: Store, version: string, name: string): Promise<T> | undefined {
	const hit = keptByStore.get(store)?.get(name);
	return hit && hit.version === version ? (hit.value as Promise<T>) : undefined;
}

/** A kept result of any version, with the version it was computed for. */
function keptAnyVersion<T>(
	store: Store,
	name: string
): { version: string; value: Promise<T> } | undefined {
	const hit = keptByStore.get(store)?.get(name);
	return hit ? { version: hit.version, value: hit.value as Promise<T> } : undefined;
}

/**
 * A computation kept per store and name until the billing data changes (the few most recent
 * ones): every request until then shares it. A failed computation is not kept.
 */
function keep<T>(store: Store, version: string, name: string, read: () => Promise<T>): Promise<T> {
	let kept = keptByStore.get(store);
	if (!kept) keptByStore.set(store, (kept = new Map()));
	const hit = kept.get(name);
	if (hit && hit.version === version) {
		// most recently used last: the oldest goes first when there are too many
		kept.delete(name);
		kept.set(name, hit);
		return hit.value as Promise<T>;
	}
	const value = read();
	const entry: Kept = { version, value, lines: 0 };
	kept.delete(name);
	kept.set(name, entry);
	const map = kept;
	const trim = () => {
		// the oldest go first; the newest stays whatever its size
		let total = 0;
		for (const k of map.values()) total += k.lines;
		for (const [k, e] of map) {
			if (map.size <= KEEP && total <= KEEP_LINES) break;
			if (e === entry) continue;
			map.delete(k);
			total -= e.lines;
		}
	};
	trim();
	value.then(
		(v) => {
			entry.lines = linesIn(v);
			trim();
		},
		() => {
			if (map.get(name) === entry) map.delete(name);
		}
	);
	return value;
}

/**
 * Drop what is kept for a store: the next request computes afresh, as the first one after a
 * change does (what the page benchmark times as its first-request figure).
 */
export function forgetKept(store: Store): void {
	keptByStore.delete(store);
}

/** Whether results may be kept: read from the store itself (not inside a write), no preview. */
const keepable = (q: Queryable, opts: BillingOptions): q is Store =>
	q instanceof Store && !opts.cards;

const scopeKey = (scope: Scope) =>
	scope.kind === 'accounts' ? `accounts:${[...scope.ids].sort().join(',')}` : scope.kind;

function unpricedNotes(unpriced: MonthLines['unpriced']): string[] {
	let noCard = 0;
	let noPolicy = 0;
	for (const u of unpriced.values()) {
		noCard += u.noCard;
		noPolicy += u.noPolicy;
	}
	const notes: string[] = [];
	if (noCard)
		notes.push(
			`${noCard} time entries belong to accounts whose policy has no rate card: not priced.`
		);
	if (noPolicy)
		notes.push(`${noPolicy} time entries belong to accounts without a policy in force.`);
	return notes;
}

/** The lines of some accounts, taken from the month's lines of every account (order kept). */
function restrictLines(all: MonthLines, ids: string[]): MonthLines {
	const keepIds = new Set(ids);
	const lines = all.lines.filter((l) => keepIds.has(l.accountId));
	const unpriced = new Map([...all.unpriced].filter(([id]) => keepIds.has(id)));
	return {
		lines,
		accounts: all.accounts.filter((a) => keepIds.has(String(a.id))),
		notes: unpricedNotes(unpriced),
		unpriced
	};
}

/** Kept lines with what they were classified with: the number of corrections of each entry. */
interface KeptLines {
	value: MonthLines;
	/** entry key (source, entry id) → its corrections then */
	fixes: Map<string, number>;
}

const entryKey = (source: string, entryId: string) => `${source}\u001f${entryId}`;

/** How many corrections each time entry has (a small table: what people typed). */
async function correctionCounts(q: Queryable): Promise<Map<string, number>> {
	const rows = await q.all(
		`SELECT source, entry_id, count(*) AS n FROM time_entry_corrections GROUP BY source, entry_id`
	);
	return new Map(rows.map((r) => [entryKey(String(r.source), String(r.entry_id)), Number(r.n)]));
}

/** The order of the month's lines: account, start, source, entry (an entry's parts kept in order). */
function byEntry(a: BillingLine, b: BillingLine): number {
	const c = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
	return (
		c(a.accountId, b.accountId) ||
		c(a.startedAt, b.startedAt) ||
		c(a.source, b.source) ||
		c(a.entryId, b.entryId)
	);
}

/**
 * Kept lines brought up to date after time-entry corrections: only the entries whose corrections
 * changed are classified again, the rest kept as they are.
 */
async function refreshLines(
	q: Queryable,
	scope: Scope,
	month: string,
	prev: KeptLines
): Promise<KeptLines> {
	const fixes = await correctionCounts(q);
	const changed = [...fixes.keys()].filter((k) => prev.fixes.get(k) !== fixes.get(k));
	if (!changed.length) return { value: prev.value, fixes };
	const again = await readMonthLines(q, scope, month, {}, changed);
	const redone = new Set(changed);
	const lines = prev.value.lines
		.filter((l) => !redone.has(entryKey(l.source, l.entryId)))
		.concat(again.lines)
		.sort(byEntry);
	return { value: { ...prev.value, lines }, fixes };
}

/**
 * Every classified line of the month's time entries for the accounts in scope (live). Kept until
 * the data changes: classifying a month's entries is the costly part of billing, done once per
 * change instead of per request. After time-entry corrections only their entries are classified
 * again; materials and locks leave the lines as they are. An account's lines come from the whole
 * month's when those are kept already.
 */
export async function monthLines(
	q: Queryable,
	scope: Scope,
	month: string,
	opts: BillingOptions = {}
): Promise<MonthLines> {
	if (!validMonth(month)) throw new BillingError('month', `"${month}" is not a month (yyyy-mm)`);
	if (!keepable(q, opts)) return readMonthLines(q, scope, month, opts);
	const v = await billingVersion(q);
	const key = `lines ${month} ${scopeKey(scope)}`;
	const hit = keptValue<KeptLines>(q, v.corrected, key);
	if (hit) return (await keep(q, v.corrected, key, () => hit)).value;
	if (scope.kind === 'accounts') {
		const all = keptValue<KeptLines>(q, v.corrected, `lines ${month} all`);
		if (all)
			return (
				await keep(q, v.corrected, key, async () => {
					const a = await all;
					return { value: restrictLines(a.value, scope.ids), fixes: a.fixes };
				})
			).value;
	}
	const prev = keptAnyVersion<KeptLines>(q, key);
	if (prev && prev.version.slice(0, prev.version.indexOf('#')) === v.lines)
		return (
			await keep(q, v.corrected, key, async () => refreshLines(q, scope, month, await prev.value))
		).value;
	return (
		await keep(q, v.corrected, key, async () => {
			// the counts first: a correction made meanwhile is classified again next time, never missed
			const fixes = await correctionCounts(q);
			return { value: await readMonthLines(q, scope, month, opts), fixes };
		})
	).value;
}

async function readMonthLines(
	q: Queryable,
	scope: Scope,
	month: string,
	opts: BillingOptions,
	/** only these entries (keys of entryKey) */
	entries?: string[]
): Promise<MonthLines> {
	const sa = scopeFilter(scope, 'a.id', 1);
	const [accounts, tiers, policies, calendars, cards, thresholdList, records] = await Promise.all([
		q.all(
			`SELECT a.id, a.name, a.policy_id, a.time_zone, a.is_sample, a.debtor_number FROM accounts a WHERE ${sa.sql} ORDER BY lower(a.name)`,
			sa.params
		),
		q.all(`SELECT account_id, effective_from, tier FROM tier_history`),
		loadPolicies(q),
		loadCalendarVersions(q),
		opts.cards ?? rateCardVersions(q),
		thresholdVersions(q),
		listTrainingRecords(q, { kind: 'all' })
	]);
	const accountOf = new Map(accounts.map((a) => [String(a.id), a]));
	// entries whose start lies in the month in some zone: a day either side, then by the account's zone
	const lo = new Date(Date.parse(`${month}-01T00:00:00Z`) - 86_400_000).toISOString();
	const hi = new Date(Date.parse(`${nextMonth(month)}-01T00:00:00Z`) + 86_400_000).toISOString();
	const s = scopeFilter(scope, 't.account_id', 3);
	const only = entries
		? `AND (source || chr(31) || external_id) IN (SELECT unnest(string_split($${5 + s.params.length}, chr(30))))`
		: '';
	// the tags decide only how-to questions (R19): read for those tickets alone, as classifyEntry
	// tells them (the ticket type as corrected, or the category lowercased, in the settings' lists)
	const thresholds = thresholdList.at(-1)!;
	const howTo = thresholds.thresholds.howTo;
	const tp = 3 + s.params.length;
	const cols = await readColumns(
		q,
		`WITH ec AS (
		   SELECT source, entry_id,
		     arg_max(value, corrected_at) FILTER (field = 'reason') AS reason,
		     arg_max(corrected_by, corrected_at) FILTER (field = 'reason') AS reason_by,
		     arg_max(reason, corrected_at) FILTER (field = 'reason') AS reason_why,
		     arg_max(value, corrected_at) FILTER (field = 'order_reference') AS order_reference
		   FROM time_entry_corrections GROUP BY source, entry_id),
		 tc AS (
		   SELECT source, external_id,
		     arg_max(value, corrected_at) FILTER (field = 'type') AS type,
		     arg_max(value, corrected_at) FILTER (field = 'final_priority') AS final_priority,
		     arg_max(value, corrected_at) FILTER (field = 'unjustified') AS unjustified
		   FROM ticket_corrections GROUP BY source, external_id),
		 -- the month's entries first, then only their tickets: no hash table of every ticket
		 te AS MATERIALIZED (
		   SELECT source, external_id, ticket_id, started_at, minutes, work_type, billable, on_site, order_reference
		   FROM time_entries WHERE started_at >= $1::TIMESTAMPTZ AND started_at < $2::TIMESTAMPTZ ${only}),
		 t AS (
		   SELECT t.source, t.external_id, t.account_id, t.category, t.tags, t.type, t.final_priority
		   FROM tickets t
		   WHERE t.account_id IS NOT NULL AND ${s.sql} AND t.external_id IN (SELECT ticket_id FROM te))
		 SELECT CAST(epoch_ms(te.started_at) AS DOUBLE) AS started_ms, CAST(te.minutes AS DOUBLE) AS minutes,
		   COALESCE(ec.order_reference, te.order_reference) AS order_reference,
		   ec.reason AS person_reason, ec.reason_by, ec.reason_why,
		   -- (a category with other than ASCII letters keeps its tags: JavaScript lowercases it)
		   CASE WHEN list_contains(string_split($${tp}, chr(30)), COALESCE(tc.type, t.type, ''))
		     OR list_contains(string_split($${tp + 1}, chr(30)), lower(COALESCE(t.category, '')))
		     OR strlen(t.category) <> length(t.category) THEN t.tags END AS tags,
		   -- the few-valued fields as one string (one value to read instead of six, split once per
		   -- distinct value; empty for none), the three flags as one number
		   concat_ws(chr(31), te.source, t.account_id, COALESCE(te.work_type, ''), COALESCE(t.category, ''),
		     COALESCE(tc.type, t.type, ''), COALESCE(tc.final_priority, t.final_priority, '')) AS fields,
		   te.external_id AS entry_id, te.ticket_id,
		   CAST(COALESCE(CAST(te.billable AS INTEGER), 2) + 3 * COALESCE(CAST(te.on_site AS INTEGER), 2)
		     + 9 * CAST(COALESCE(tc.unjustified = 'true', false) AS INTEGER) AS DOUBLE) AS flags
		 FROM te
		 JOIN t ON t.source = te.source AND t.external_id = te.ticket_id
		 LEFT JOIN ec ON ec.source = te.source AND ec.entry_id = te.external_id
		 LEFT JOIN tc ON tc.source = t.source AND tc.external_id = t.external_id
		 ORDER BY t.account_id, te.started_at, te.source, te.external_id`,
		[
			lo,
			hi,
			...s.params,
			howTo.types.length ? howTo.types.join('\u001e') : null,
			howTo.categories.length ? howTo.categories.map((c) => c.toLowerCase()).join('\u001e') : null,
			...(entries ? [entries.join('\u001e')] : [])
		] as Param[]
	);
	const n = cols.n;
	const cStarted = cols.col('started_ms') as number[];
	const cMinutes = cols.col('minutes') as number[];
	const cOrder = cols.col('order_reference') as (string | null)[];
	const cPerson = cols.col('person_reason') as (string | null)[];
	const cReasonBy = cols.col('reason_by') as (string | null)[];
	const cReasonWhy = cols.col('reason_why') as (string | null)[];
	const cTags = cols.col('tags') as (string | null)[];
	const cFlags = cols.col('flags') as number[];
	// source, account, work type, category, type, priority ('' for none: str() reads it as null),
	// entry id, ticket id
	// the few-valued fields split once per distinct value: every entry that shares them shares the
	// strings too
	const splitFields = new Map<string, string[]>();
	const cFields = (cols.col('fields') as string[]).map((f) => {
		let parts = splitFields.get(f);
		if (!parts) splitFields.set(f, (parts = f.split('\u001f')));
		return parts;
	});
	const cAccount = cFields.map((f) => f[1]);
	const cEntry = cols.col('entry_id') as string[];
	const cTicket = cols.col('ticket_id') as string[];
	/** a flag coded 0 false, 1 true, 2 none */
	const flag = (code: number): boolean | null => (code === 2 ? null : code === 1);

	// R20's chargeable periods of every account with entries, from the records read at once
	const withEntries = new Set(cAccount);
	const recordsOf = new Map<string, TrainingRecord[]>();
	for (const r of records)
		if (withEntries.has(r.accountId) && accountOf.has(r.accountId)) {
			const list = recordsOf.get(r.accountId);
			if (list) list.push(r);
			else recordsOf.set(r.accountId, [r]);
		}
	const offerDays = (d: string) => thresholdVersionOn(thresholdList, d).thresholds.offerAnswerDays;
	const r20Of = new Map<string, ChargeablePeriod[]>();
	for (const id of withEntries)
		if (accountOf.has(id)) r20Of.set(id, chargeablePeriods(recordsOf.get(id) ?? [], offerDays));

	const tierOf = new Map<string, TierPeriod[]>();
	const lines: BillingLine[] = [];
	const unpriced = new Map<string, { noCard: number; noPolicy: number }>();
	const unpricedOf = (id: string) => {
		let u = unpriced.get(id);
		if (!u) unpriced.set(id, (u = { noCard: 0, noPolicy: 0 }));
		return u;
	};
	type PolicyVersion = (typeof policies)[number];
	type InForce = { pv: PolicyVersion | null; ctx: ClassifyContext | null; tier: string | null };
	const dayOf = new Map<string, InForce>();
	const inForce = (accountId: string, a: Row, date: string): InForce => {
		const policyId = str(a.policy_id);
		let pv: PolicyVersion | null = null;
		if (policyId)
			for (const p of policies) if (p.id === policyId && (p.effectiveFrom <= date || !pv)) pv = p;
		const cardV = policyId ? rateCardOn(cards.get(policyId) ?? [], date) : null;
		if (!cardV) return { pv, ctx: null, tier: null };
		if (!tierOf.has(accountId)) {
			const ranks = new Map((pv?.policy.tiers ?? []).map((t) => [t.name, t.rank]));
			const dg = String(pv?.policy.settings.downgradeTakesEffect?.value ?? 'immediately');
			tierOf.set(
				accountId,
				tierPeriods(
					tiers.filter((t) => String(t.account_id) === accountId),
					ranks,
					dg
				)
			);
		}
		const r20 =
			(r20Of.get(accountId) ?? []).find((p) => p.from <= date && (p.to === null || date < p.to)) ??
			null;
		const settings = pv?.policy.settings ?? {};
		const ctx: ClassifyContext = {
			card: cardV,
			policyVersion: pv?.version ?? null,
			highPriority: (settings.highPriority?.value as string[] | undefined) ?? ['P1', 'P2'],
			onCallIncluded: (settings.onCallIncluded?.value as string[] | undefined) ?? [],
			officeHours: calendarOn(calendars.get(cardV.card.officeHoursCalendar), date),
			howTo: thresholds.thresholds.howTo,
			r20: r20 ? { from: r20.from, reason: r20.reason } : null
		};
		return { pv, ctx, tier: tierOn(tierOf.get(accountId)!, date) };
	};
	let lastAccount: string | null = null;
	let lastDate: string | null = null;
	let lastDay: InForce | undefined;
	for (let i = 0; i < n; i++) {
		const accountId = cAccount[i];
		const a = accountOf.get(accountId);
		if (!a) continue;
		const zone = String(a.time_zone || 'Europe/Amsterdam');
		const startMs = cStarted[i];
		const date = localDate(startMs, zone);
		if (!date.startsWith(month)) continue;
		// what is in force for the account on the date: looked up once per account and day (the
		// entries come by account and start, so mostly the previous entry's)
		let day: InForce | undefined = lastDay;
		if (!day || accountId !== lastAccount || date !== lastDate) {
			const dayKey = `${accountId}|${date}`;
			day = dayOf.get(dayKey);
			if (!day) {
				day = inForce(accountId, a, date);
				dayOf.set(dayKey, day);
			}
			lastAccount = accountId;
			lastDate = date;
			lastDay = day;
		}
		if (!day.pv) unpricedOf(accountId).noPolicy++;
		if (!day.ctx) {
			unpricedOf(accountId).noCard++;
			continue;
		}
		const [source, , workType, category, type, priority] = cFields[i];
		const entryId = cEntry[i];
		const ticketId = cTicket[i];
		const flags = cFlags[i];
		const person = cPerson[i];
		const entryLines = classifyEntry(
			{
				source,
				entryId,
				ticketId,
				accountId,
				startedAt: new Date(startMs),
				minutes: cMinutes[i],
				localDate: date,
				workType: str(workType),
				billable: flag(flags % 3),
				onSite: flag(Math.floor(flags / 3) % 3),
				orderReference: str(cOrder[i]),
				type: str(type),
				priority: str(priority),
				category: str(category),
				tags: str(cTags[i]),
				unjustified: flags >= 9,
				tier: day.tier,
				personReason: person
					? { value: String(person), by: String(cReasonBy[i]), why: String(cReasonWhy[i]) }
					: null
			},
			day.ctx
		);
		for (const l of entryLines) lines.push(l);
	}
	return { lines, accounts, notes: unpricedNotes(unpriced), unpriced };
}

export async function listMaterials(
	q: Queryable,
	scope: Scope,
	month: string
): Promise<MaterialLine[]> {
	const s = scopeFilter(scope, 'm.account_id', 2);
	const rows = await q.all(
		`SELECT m.*, c.changed_by AS edited_by, CAST(c.changed_at AS VARCHAR) AS edited_at, c.reason AS edit_reason
		 FROM billing_materials m
		 LEFT JOIN (SELECT material_id, arg_max(changed_by, changed_at) AS changed_by, max(changed_at) AS changed_at,
		              arg_max(reason, changed_at) AS reason
		            FROM billing_material_changes WHERE action = 'edit' GROUP BY material_id) c ON c.material_id = m.id
		 WHERE m.month = $1 AND m.removed_at IS NULL AND ${s.sql} ORDER BY m.account_id, m.created_at`,
		[month, ...s.params]
	);
	return rows.map(materialOf);
}

function materialOf(r: Row): MaterialLine {
	return {
		id: String(r.id),
		edited: r.edited_by
			? { by: String(r.edited_by), at: String(r.edited_at), why: String(r.edit_reason) }
			: null,
		accountId: String(r.account_id),
		month: String(r.month),
		source: str(r.source),
		ticketId: str(r.ticket_id),
		description: String(r.description),
		quantity: Number(r.quantity),
		unitPriceCents: Number(r.unit_price_cents),
		amountCents: Math.round(Number(r.quantity) * Number(r.unit_price_cents)),
		reason: String(r.charge_reason),
		orderReference: str(r.order_reference),
		by: String(r.created_by),
		at: String(r.created_at)
	};
}

export function euros(cents: number): string {
	return (cents / 100).toFixed(2);
}

/** What the invoice lines say of an account: its name, debtor number, currency and VAT rate. */
export interface InvoiceAccount {
	name: string;
	debtorNumber: string | null;
	currency: string;
	vatRate: number;
}

/** The invoice lines of live billable lines and materials (pure). */
export function toInvoiceLines(
	month: string,
	lines: BillingLine[],
	materials: MaterialLine[],
	accounts: Map<string, InvoiceAccount>
): InvoiceLine[] {
	const out: InvoiceLine[] = [];
	for (const l of lines) {
		if (l.status !== 'billable') continue;
		const a = accounts.get(l.accountId);
		out.push({
			key: `time:${l.key}`,
			kind: 'time',
			accountId: l.accountId,
			accountName: a?.name ?? l.accountId,
			debtorNumber: a?.debtorNumber ?? null,
			period: month,
			originPeriod: null,
			reason: l.reason ?? '',
			rule: `${l.rule}: ${l.setting}`,
			ticket: `${l.source}/${l.ticketId}`,
			date: l.date,
			hours: l.billedMinutes / 60,
			rateCents: l.rateCents,
			multiplier: l.multiplier,
			amountCents: l.amountCents,
			materials: null,
			vatRate: l.vatRate,
			vatCents: l.vatCents,
			currency: l.currency,
			orderReference: l.orderReference,
			description: `${REASON_LABELS[l.reason ?? ''] ?? l.reason}: ${l.category}, entry ${l.entryId}${l.part === 'outside' ? ' (minutes outside office hours)' : ''}`
		});
	}
	for (const m of materials) {
		const a = accounts.get(m.accountId);
		const vatRate = a?.vatRate ?? 0.21;
		out.push({
			key: `material:${m.id}`,
			kind: 'material',
			accountId: m.accountId,
			accountName: a?.name ?? m.accountId,
			debtorNumber: a?.debtorNumber ?? null,
			period: month,
			originPeriod: null,
			reason: m.reason,
			rule: `${m.reason}: material line entered by ${m.by}${m.edited ? `, edited by ${m.edited.by}` : ''}`,
			ticket: m.source && m.ticketId ? `${m.source}/${m.ticketId}` : null,
			date: m.at.slice(0, 10),
			hours: null,
			rateCents: m.unitPriceCents,
			multiplier: null,
			amountCents: m.amountCents,
			materials: `${m.quantity} × ${m.description}`,
			vatRate,
			vatCents: Math.round(m.amountCents * vatRate),
			currency: a?.currency ?? 'EUR',
			orderReference: m.orderReference,
			description: m.description
		});
	}
	return out;
}

/* ------------------------------------------------------------------ locks */

interface LockRecord {
	by: string;
	at: string;
	note: string | null;
	lines: InvoiceLine[];
}

/** Every lock: per month, the whole month's and those of single accounts. */
type Locks = Map<string, { month: LockRecord | null; accounts: Map<string, LockRecord> }>;

async function readLocks(q: Queryable): Promise<Locks> {
	const [months, accounts] = await Promise.all([
		q.all(`SELECT month, lines, locked_by, locked_at, note FROM billing_locks`),
		q.all(`SELECT month, account_id, lines, locked_by, locked_at, note FROM billing_account_locks`)
	]);
	const locks: Locks = new Map();
	const of = (month: string) => {
		let l = locks.get(month);
		if (!l) locks.set(month, (l = { month: null, accounts: new Map() }));
		return l;
	};
	const record = (r: Row): LockRecord => ({
		lines: JSON.parse(String(r.lines)) as InvoiceLine[],
		by: String(r.locked_by),
		at: String(r.locked_at),
		note: str(r.note)
	});
	for (const r of months) of(String(r.month)).month = record(r);
	for (const r of accounts) of(String(r.month)).accounts.set(String(r.account_id), record(r));
	return locks;
}

/**
 * The lock that holds an account's month, if any: its own lock, else the whole month's. Its lines
 * are the account's invoice lines as locked.
 */
function lockFor(
	locks: Locks,
	month: string,
	accountId: string
): (LockInfo & { lines: InvoiceLine[] }) | null {
	const l = locks.get(month);
	if (!l) return null;
	const own = l.accounts.get(accountId);
	if (own) return { by: own.by, at: own.at, note: own.note, scope: 'account', lines: own.lines };
	if (l.month)
		return {
			by: l.month.by,
			at: l.month.at,
			note: l.month.note,
			scope: 'month',
			lines: l.month.lines.filter((x) => x.accountId === accountId)
		};
	return null;
}

/** Whether an account's month is open: no lock of the whole month, none of the account's own. */
export async function isOpen(
	q: Queryable,
	month: string,
	accountId: string | null
): Promise<boolean> {
	const r = await q.one(
		`SELECT EXISTS (SELECT 1 FROM billing_locks WHERE month = $1)
		   OR EXISTS (SELECT 1 FROM billing_account_locks WHERE month = $1 AND account_id = $2) AS locked`,
		[month, accountId]
	);
	return r?.locked !== true;
}

/* ------------------------------------------------------------------ the month */

async function invoiceAccounts(
	accounts: Row[],
	cards: Map<string, RateCardVersion[]>,
	month: string
): Promise<Map<string, InvoiceAccount>> {
	const acc = new Map<string, InvoiceAccount>();
	for (const a of accounts) {
		const card = a.policy_id
			? rateCardOn(cards.get(String(a.policy_id)) ?? [], `${month}-01`)
			: null;
		acc.set(String(a.id), {
			name: String(a.name),
			debtorNumber: str(a.debtor_number),
			currency: card?.card.currency ?? 'EUR',
			vatRate: card?.card.vatRate ?? 0.21
		});
	}
	return acc;
}

/**
 * The month: summary per account, lines, needs-a-person, invoice lines (an account's are frozen
 * when its month is locked). Kept until the data changes, like the lines it is made of.
 */
export async function billingMonth(
	q: Queryable,
	scope: Scope,
	month: string,
	opts: BillingOptions = {}
): Promise<BillingMonth> {
	if (!validMonth(month)) throw new BillingError('month', `"${month}" is not a month (yyyy-mm)`);
	if (!keepable(q, opts)) return readBillingMonth(q, scope, month, opts);
	const version = (await billingVersion(q)).all;
	return keep(q, version, `month ${month} ${scopeKey(scope)}`, () =>
		readBillingMonth(q, scope, month, opts)
	);
}

async function readBillingMonth(
	q: Queryable,
	scope: Scope,
	month: string,
	opts: BillingOptions
): Promise<BillingMonth> {
	const [live, materials, locks, cards] = await Promise.all([
		monthLines(q, scope, month, opts),
		listMaterials(q, scope, month),
		readLocks(q),
		opts.cards ?? rateCardVersions(q)
	]);
	const { lines, accounts } = live;
	const notes = [...live.notes];
	const acc = await invoiceAccounts(accounts, cards, month);
	const monthLock = locks.get(month)?.month ?? null;
	const lockOf = new Map<string, LockInfo & { lines: InvoiceLine[] }>();
	for (const a of accounts) {
		const l = lockFor(locks, month, String(a.id));
		if (l) lockOf.set(String(a.id), l);
	}
	// open accounts: their live lines, and adjustments for the locked months just before; locked
	// accounts: their lines as locked
	const openLive = toInvoiceLines(
		month,
		lines.filter((l) => !lockOf.has(l.accountId)),
		materials.filter((m) => !lockOf.has(m.accountId)),
		acc
	);
	const adjustments = await adjustmentLines(q, scope, month, acc, locks, opts);
	// the whole month's lock in its stored order, then the accounts locked alone, then the open ones
	// (a locked month keeps the anonymised lines of accounts erased since, for whoever sees all)
	const keptErased = (l: InvoiceLine) =>
		!!l.erased && scope.kind === 'all' && !acc.has(l.accountId);
	const invoiceLines: InvoiceLine[] = monthLock
		? monthLock.lines.filter((l) => lockOf.get(l.accountId)?.scope === 'month' || keptErased(l))
		: [];
	for (const l of lockOf.values()) if (l.scope === 'account') invoiceLines.push(...l.lines);
	for (const [id, own] of locks.get(month)?.accounts ?? [])
		if (!acc.has(id)) invoiceLines.push(...own.lines.filter(keptErased));
	invoiceLines.push(...openLive, ...adjustments);
	const lockedAccounts: Record<string, LockInfo> = {};
	for (const [id, l] of lockOf)
		if (l.scope === 'account')
			lockedAccounts[id] = { by: l.by, at: l.at, note: l.note, scope: l.scope };
	if (monthLock)
		notes.push(
			`This month was locked by ${monthLock.by} on ${monthLock.at.slice(0, 10)}: its invoice lines are those of that moment. Differences later changes make appear as adjustment lines in the first open month after it.`
		);
	const nLocked = Object.keys(lockedAccounts).length;
	if (nLocked && !monthLock)
		notes.push(
			`${nLocked} ${nLocked === 1 ? 'account is' : 'accounts are'} locked for this month: ${Object.keys(
				lockedAccounts
			)
				.map((id) => acc.get(id)?.name ?? id)
				.join(
					', '
				)}. Their invoice lines are those of the lock; differences appear as adjustment lines in their first open month.`
		);
	if (adjustments.length)
		notes.push(
			`${adjustments.length} adjustment lines carry differences into this month from locked ${[...new Set(adjustments.map((l) => l.originPeriod))].sort().join(', ')}.`
		);
	const noDebtor = [...new Set(invoiceLines.map((l) => l.accountId))].filter(
		(id) => acc.has(id) && !acc.get(id)?.debtorNumber
	);
	if (noDebtor.length)
		notes.push(
			`${noDebtor.length} ${noDebtor.length === 1 ? 'account' : 'accounts'} with invoice lines ${noDebtor.length === 1 ? 'has' : 'have'} no debtor number (${noDebtor
				.map((id) => acc.get(id)?.name ?? id)
				.join(
					', '
				)}): set it on the account's page, or in the accounts file's debtor_number column.`
		);

	// each account's lines, invoice lines and materials, in their order (one pass over each)
	const groupBy = <T extends { accountId: string }>(list: T[]) => {
		const by = new Map<string, T[]>();
		for (const x of list) {
			const g = by.get(x.accountId);
			if (g) g.push(x);
			else by.set(x.accountId, [x]);
		}
		return by;
	};
	const linesOf = groupBy(lines);
	const invoiceLinesOf = groupBy(invoiceLines);
	const materialsOf = groupBy(materials);
	const out: AccountBilling[] = [];
	for (const a of accounts) {
		const id = String(a.id);
		const own = linesOf.get(id) ?? [];
		const inv = invoiceLinesOf.get(id) ?? [];
		const mats = materialsOf.get(id) ?? [];
		if (!own.length && !inv.length && !mats.length) continue;
		const byReason = new Map<string, ReasonSummary>();
		const get = (reason: string) => {
			let x = byReason.get(reason);
			if (!x) {
				x = {
					reason,
					label: REASON_LABELS[reason] ?? reason,
					billableHours: 0,
					amountCents: 0,
					freeHours: 0,
					lines: 0
				};
				byReason.set(reason, x);
			}
			return x;
		};
		for (const l of inv) {
			const x = get(l.reason || 'other');
			if (l.kind !== 'material') x.billableHours += l.hours ?? 0;
			x.amountCents += l.amountCents;
			x.lines++;
		}
		for (const l of own)
			if (l.status === 'free') {
				const x = get(summaryReason(l));
				x.freeHours += l.minutes / 60;
			}
		const reasons = [...byReason.values()].sort(
			(x, y) => order(x.reason) - order(y.reason) || x.reason.localeCompare(y.reason)
		);
		const card = acc.get(id)!;
		const lock = lockOf.get(id);
		out.push({
			accountId: id,
			name: String(a.name),
			debtorNumber: card.debtorNumber,
			locked: lock ? { by: lock.by, at: lock.at, note: lock.note, scope: lock.scope } : null,
			policyId: str(a.policy_id),
			isSample: a.is_sample === true,
			currency: card.currency,
			reasons,
			billableHours: inv
				.filter((l) => l.kind !== 'material')
				.reduce((s, l) => s + (l.hours ?? 0), 0),
			freeHours: own.filter((l) => l.status === 'free').reduce((s, l) => s + l.minutes / 60, 0),
			needsPersonHours: own
				.filter((l) => l.status === 'needs-person')
				.reduce((s, l) => s + l.minutes / 60, 0),
			labourCents: inv.filter((l) => l.kind !== 'material').reduce((s, l) => s + l.amountCents, 0),
			materialsCents: inv
				.filter((l) => l.kind === 'material')
				.reduce((s, l) => s + l.amountCents, 0),
			netCents: inv.reduce((s, l) => s + l.amountCents, 0),
			vatCents: inv.reduce((s, l) => s + l.vatCents, 0),
			needsPerson: own.filter((l) => l.status === 'needs-person').length
		});
	}
	// erased accounts of a locked month: their kept lines, one row each, with no name
	const erasedLock = (id: string): LockInfo | null => {
		const own = locks.get(month)?.accounts.get(id);
		const whole = locks.get(month)?.month;
		const l = own ?? whole;
		return l ? { by: l.by, at: l.at, note: l.note, scope: own ? 'account' : 'month' } : null;
	};
	for (const [id, inv] of invoiceLinesOf) {
		if (acc.has(id) || !inv[0].erased) continue;
		const byReason = new Map<string, ReasonSummary>();
		for (const l of inv) {
			const reason = l.reason || 'other';
			const x = byReason.get(reason) ?? {
				reason,
				label: REASON_LABELS[reason] ?? reason,
				billableHours: 0,
				amountCents: 0,
				freeHours: 0,
				lines: 0
			};
			if (l.kind !== 'material') x.billableHours += l.hours ?? 0;
			x.amountCents += l.amountCents;
			x.lines++;
			byReason.set(reason, x);
		}
		out.push({
			accountId: id,
			name: `${inv[0].accountName} (erased ${inv[0].erased})`,
			debtorNumber: inv[0].debtorNumber,
			locked: erasedLock(id),
			policyId: null,
			isSample: false,
			currency: inv[0].currency,
			reasons: [...byReason.values()],
			billableHours: inv
				.filter((l) => l.kind !== 'material')
				.reduce((s, l) => s + (l.hours ?? 0), 0),
			freeHours: 0,
			needsPersonHours: 0,
			labourCents: inv.filter((l) => l.kind !== 'material').reduce((s, l) => s + l.amountCents, 0),
			materialsCents: inv
				.filter((l) => l.kind === 'material')
				.reduce((s, l) => s + l.amountCents, 0),
			netCents: inv.reduce((s, l) => s + l.amountCents, 0),
			vatCents: inv.reduce((s, l) => s + l.vatCents, 0),
			needsPerson: 0
		});
	}
	out.sort((x, y) => y.netCents - x.netCents || x.name.localeCompare(y.name, 'nl'));
	return {
		month,
		locked: monthLock ? { by: monthLock.by, at: monthLock.at, note: monthLock.note } : null,
		lockedAccounts,
		accounts: out,
		lines,
		needsPerson: lines.filter((l) => l.status === 'needs-person'),
		materials,
		invoiceLines,
		totals: {
			netCents: invoiceLines.reduce((s, l) => s + l.amountCents, 0),
			vatCents: invoiceLines.reduce((s, l) => s + l.vatCents, 0),
			billableHours: out.reduce((s, a) => s + a.billableHours, 0),
			freeHours: out.reduce((s, a) => s + a.freeHours, 0)
		},
		notes
	};
}

/** One account's chargeable work in a month: what the review page shows (issue 7). */
export interface ChargeableSummary {
	month: string;
	currency: string;
	/** the account's month is locked: the amounts are its invoiced lines */
	locked: boolean;
	reasons: ReasonSummary[];
	billableHours: number;
	freeHours: number;
	needsPersonHours: number;
	needsPerson: number;
	labourCents: number;
	materialsCents: number;
	netCents: number;
	vatCents: number;
}

/**
 * The chargeable summary of one account and month: billingMonth scoped to that account alone (its
 * entries, materials and lines only; taken from the whole month's lines when those are kept, and
 * kept itself until the data changes). Null when the scope does not hold the account.
 */
export async function accountChargeable(
	q: Queryable,
	scope: Scope,
	accountId: string,
	month: string
): Promise<ChargeableSummary | null> {
	if (scope.kind === 'accounts' && !scope.ids.includes(accountId)) return null;
	const m = await billingMonth(q, { kind: 'accounts', ids: [accountId] }, month);
	const a = m.accounts.find((x) => x.accountId === accountId);
	const locked =
		a?.locked != null || m.locked !== null || (!a && !(await isOpen(q, month, accountId)));
	return {
		month,
		currency: a?.currency ?? 'EUR',
		locked,
		reasons: a?.reasons ?? [],
		billableHours: a?.billableHours ?? 0,
		freeHours: a?.freeHours ?? 0,
		needsPersonHours: a?.needsPersonHours ?? 0,
		needsPerson: a?.needsPerson ?? 0,
		labourCents: a?.labourCents ?? 0,
		materialsCents: a?.materialsCents ?? 0,
		netCents: a?.netCents ?? 0,
		vatCents: a?.vatCents ?? 0
	};
}

/**
 * Adjustment lines for the accounts open in a month: for each account, and each locked month in
 * the run of that account's locked months directly before it, what its lines would be now minus
 * what was invoiced (its frozen lines plus the adjustments already invoiced in later locked
 * months), per line; negative is a credit.
 */
async function adjustmentLines(
	q: Queryable,
	scope: Scope,
	month: string,
	acc: Map<string, InvoiceAccount>,
	locks: Locks,
	opts: BillingOptions = {}
): Promise<InvoiceLine[]> {
	// per origin month, the accounts open now whose run of locked months reaches back to it
	const accountsOf = new Map<string, string[]>();
	for (const id of acc.keys()) {
		if (lockFor(locks, month, id)) continue;
		for (let m = nextMonth(month, -1); lockFor(locks, m, id); m = nextMonth(m, -1)) {
			const list = accountsOf.get(m);
			if (list) list.push(id);
			else accountsOf.set(m, [id]);
		}
	}
	const out: InvoiceLine[] = [];
	for (const origin of [...accountsOf.keys()].sort().reverse()) {
		const ids = accountsOf.get(origin)!;
		const want = new Set(ids);
		const [live, mats] = await Promise.all([
			monthLines(q, scope, origin, opts),
			listMaterials(q, scope, origin)
		]);
		const names = new Map(acc);
		for (const a of live.accounts)
			if (!names.has(String(a.id)))
				names.set(String(a.id), {
					name: String(a.name),
					debtorNumber: str(a.debtor_number),
					currency: 'EUR',
					vatRate: 0.21
				});
		const now = new Map(
			toInvoiceLines(
				origin,
				live.lines.filter((l) => want.has(l.accountId)),
				mats.filter((m) => want.has(m.accountId)),
				names
			).map((l) => [l.key, l])
		);
		// what was invoiced for the origin month: its own lines and later adjustments to it
		const invoiced = new Map<
			string,
			{ amount: number; vat: number; hours: number; line: InvoiceLine }
		>();
		const add = (key: string, l: InvoiceLine) => {
			const x = invoiced.get(key) ?? { amount: 0, vat: 0, hours: 0, line: l };
			x.amount += l.amountCents;
			x.vat += l.vatCents;
			x.hours += l.hours ?? 0;
			invoiced.set(key, x);
		};
		for (const id of ids) {
			for (const l of lockFor(locks, origin, id)!.lines) if (l.kind !== 'adjustment') add(l.key, l);
			for (let m = nextMonth(origin); m < month; m = nextMonth(m))
				for (const l of lockFor(locks, m, id)?.lines ?? [])
					if (l.kind === 'adjustment' && l.originPeriod === origin)
						add(l.key.replace(`adj:${origin}:`, ''), l);
		}
		const keys = new Set([...now.keys(), ...invoiced.keys()]);
		for (const key of [...keys].sort()) {
			const n = now.get(key);
			const was = invoiced.get(key);
			const base = n ?? was!.line;
			if (!want.has(base.accountId)) continue;
			const amount = (n?.amountCents ?? 0) - (was?.amount ?? 0);
			const vat = (n?.vatCents ?? 0) - (was?.vat ?? 0);
			const hours = (n?.hours ?? 0) - (was?.hours ?? 0);
			if (amount === 0 && vat === 0 && Math.abs(hours) < 1e-9) continue;
			out.push({
				...base,
				key: `adj:${origin}:${key}`,
				kind: 'adjustment',
				period: month,
				originPeriod: origin,
				debtorNumber: acc.get(base.accountId)?.debtorNumber ?? base.debtorNumber,
				hours: base.kind === 'material' ? null : hours,
				amountCents: amount,
				vatCents: vat,
				description: `${amount < 0 ? 'Credit' : 'Adjustment'} for ${origin} (locked): ${base.description}${n ? '' : ' — no longer chargeable'}`
			});
		}
	}
	return out;
}

function order(reason: string): number {
	const i = (ALL_REASONS as readonly string[]).indexOf(reason);
	return i < 0 ? 99 : i;
}

/* ------------------------------------------------------------------ corrections and materials */

export const SETTABLE_REASONS = [...ALL_REASONS, 'free'] as const;

async function assertOpen(q: Queryable, month: string, accountId: string | null) {
	if (await isOpen(q, month, accountId)) return;
	const name = accountId
		? str((await q.one(`SELECT name FROM accounts WHERE id = $1`, [accountId]))?.name)
		: null;
	throw new BillingError(
		null,
		`${month} is locked${name ? ` for ${name}` : ''}: its invoice lines no longer change`
	);
}

/** Set an entry's chargeable reason, or attach its order reference: stored apart, with who and why. */
export async function correctEntry(
	store: Store,
	c: {
		source: string;
		entryId: string;
		field: 'reason' | 'order_reference';
		value: string;
		why: string;
		by: string;
	}
): Promise<void> {
	const value = c.value.trim();
	if (c.field !== 'reason' && c.field !== 'order_reference')
		throw new BillingError(
			'field',
			`"${String(c.field)}" cannot be corrected; use reason or order_reference`
		);
	if (c.field === 'reason' && !(SETTABLE_REASONS as readonly string[]).includes(value))
		throw new BillingError('value', `"${value}" is not one of ${SETTABLE_REASONS.join(', ')}`);
	if (c.field === 'order_reference' && (!value || value.length > 100))
		throw new BillingError('value', 'enter the order reference (at most 100 characters)');
	if (!c.by.trim()) throw new BillingError('by', 'enter the name of who makes the correction');
	if (!c.why.trim() && c.field === 'reason') throw new BillingError('why', 'say why');
	await store.write(async (tx) => {
		const e = await tx.one(
			`SELECT te.started_at, a.id AS account_id, a.time_zone FROM time_entries te JOIN tickets t ON t.source = te.source AND t.external_id = te.ticket_id
			 LEFT JOIN accounts a ON a.id = t.account_id WHERE te.source = $1 AND te.external_id = $2`,
			[c.source, c.entryId]
		);
		if (!e) throw new BillingError('entry', `there is no time entry ${c.source}/${c.entryId}`);
		await assertOpen(
			tx,
			localDate(Date.parse(String(e.started_at)), String(e.time_zone || 'Europe/Amsterdam')).slice(
				0,
				7
			),
			str(e.account_id)
		);
		await tx.run(
			`INSERT INTO time_entry_corrections (source, entry_id, field, value, reason, corrected_by, corrected_at)
			 VALUES ($1, $2, $3, $4, $5, $6, now())`,
			[c.source, c.entryId, c.field, value, c.why.trim() || 'order reference attached', c.by.trim()]
		);
	});
}

/** What a person enters for a material line (adding or editing one). */
export interface MaterialInput {
	source?: string | null;
	ticketId?: string | null;
	description: string;
	quantity: number;
	unitPriceCents: number;
	reason?: string;
	orderReference?: string | null;
	note?: string | null;
}

/** A material line's entered values, checked: the field named in the error. */
function checkMaterial(m: MaterialInput) {
	const description = m.description.trim();
	if (!description) throw new BillingError('description', 'describe the material');
	if (description.length > 200) throw new BillingError('description', 'at most 200 characters');
	if (!Number.isFinite(m.quantity) || m.quantity <= 0)
		throw new BillingError('quantity', 'must be a number above 0');
	if (!Number.isInteger(m.unitPriceCents) || m.unitPriceCents < 0)
		throw new BillingError('unitPrice', 'must be an amount of at least 0,00');
	const reason = m.reason || 'R22';
	if (!(ALL_REASONS as readonly string[]).includes(reason))
		throw new BillingError('reason', `"${reason}" is not one of ${ALL_REASONS.join(', ')}`);
	const orderReference = m.orderReference?.trim() || null;
	if (orderReference && orderReference.length > 100)
		throw new BillingError('order', 'at most 100 characters');
	return {
		source: m.source ?? null,
		ticketId: m.ticketId ?? null,
		description,
		quantity: m.quantity,
		unitPriceCents: m.unitPriceCents,
		reason,
		orderReference,
		note: m.note?.trim() || null
	};
}

/** Add a material line for an account and month (R22 by default). */
export async function addMaterial(
	store: Store,
	m: MaterialInput & { accountId: string; month: string; by: string }
): Promise<void> {
	if (!validMonth(m.month))
		throw new BillingError('month', `"${m.month}" is not a month (yyyy-mm)`);
	const v = checkMaterial(m);
	if (!m.by.trim()) throw new BillingError('by', 'enter the name of who adds it');
	await store.write(async (tx) => {
		if (!(await tx.one('SELECT 1 AS x FROM accounts WHERE id = $1', [m.accountId])))
			throw new BillingError('accountId', `there is no account "${m.accountId}"`);
		await assertOpen(tx, m.month, m.accountId);
		await tx.run(
			`INSERT INTO billing_materials (account_id, month, source, ticket_id, description, quantity, unit_price_cents,
			   charge_reason, order_reference, note, created_by, created_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())`,
			[
				m.accountId,
				m.month,
				v.source,
				v.ticketId,
				v.description,
				v.quantity,
				v.unitPriceCents,
				v.reason,
				v.orderReference,
				v.note,
				m.by.trim()
			]
		);
	});
}

/** The stored line a change applies to, in an open month; refused otherwise. */
async function openMaterial(tx: Queryable, id: string): Promise<Row> {
	const row = /^[0-9a-f-]{36}$/i.test(id)
		? await tx.one(`SELECT * FROM billing_materials WHERE id = $1::UUID`, [id])
		: undefined;
	if (!row) throw new BillingError('material', `there is no material line "${id}"`);
	if (row.removed_at !== null && row.removed_at !== undefined)
		throw new BillingError(
			'material',
			`material line "${String(row.description)}" was removed by ${String(row.removed_by)}`
		);
	await assertOpen(tx, String(row.month), String(row.account_id));
	return row;
}

const materialRecord = (r: Row) => ({
	description: String(r.description),
	quantity: Number(r.quantity),
	unitPriceCents: Number(r.unit_price_cents),
	reason: String(r.charge_reason),
	orderReference: str(r.order_reference),
	source: str(r.source),
	ticketId: str(r.ticket_id),
	note: str(r.note)
});

/**
 * Change a material line's values: its account and month stay (remove it and add it there to move
 * it). The line before and after is kept with who, when and why; refused in a locked month.
 */
export async function editMaterial(
	store: Store,
	id: string,
	m: MaterialInput,
	why: string,
	by: string
): Promise<void> {
	const v = checkMaterial(m);
	if (!why.trim()) throw new BillingError('why', 'say why the line changes');
	if (!by.trim()) throw new BillingError('by', 'enter the name of who changes it');
	await store.write(async (tx) => {
		const row = await openMaterial(tx, id);
		const before = materialRecord(row);
		const after = {
			description: v.description,
			quantity: v.quantity,
			unitPriceCents: v.unitPriceCents,
			reason: v.reason,
			orderReference: v.orderReference,
			source: v.source,
			ticketId: v.ticketId,
			note: v.note
		};
		if (JSON.stringify(before) === JSON.stringify(after))
			throw new BillingError(null, 'nothing to change: the line already has these values');
		await tx.run(
			`UPDATE billing_materials SET description = $2, quantity = $3, unit_price_cents = $4, charge_reason = $5,
			   order_reference = $6, source = $7, ticket_id = $8, note = $9 WHERE id = $1::UUID`,
			[
				id,
				v.description,
				v.quantity,
				v.unitPriceCents,
				v.reason,
				v.orderReference,
				v.source,
				v.ticketId,
				v.note
			]
		);
		await tx.run(
			`INSERT INTO billing_material_changes (material_id, action, before, after, reason, changed_by, changed_at)
			 VALUES ($1::UUID, 'edit', $2::JSON, $3::JSON, $4, $5, now())`,
			[id, JSON.stringify(before), JSON.stringify(after), why.trim(), by.trim()]
		);
	});
}

/** Remove a material line: it leaves every figure, and stays on record with who, when and why. */
export async function removeMaterial(
	store: Store,
	id: string,
	why: string,
	by: string
): Promise<void> {
	if (!why.trim()) throw new BillingError('why', 'say why the line is removed');
	if (!by.trim()) throw new BillingError('by', 'enter the name of who removes it');
	await store.write(async (tx) => {
		const row = await openMaterial(tx, id);
		await tx.run(
			`UPDATE billing_materials SET removed_at = now(), removed_by = $2, removed_reason = $3 WHERE id = $1::UUID`,
			[id, by.trim(), why.trim()]
		);
		await tx.run(
			`INSERT INTO billing_material_changes (material_id, action, before, after, reason, changed_by, changed_at)
			 VALUES ($1::UUID, 'remove', $2::JSON, NULL, $3, $4, now())`,
			[id, JSON.stringify(materialRecord(row)), why.trim(), by.trim()]
		);
	});
}

/** Every edit and removal of a month's material lines, newest first (the record behind them). */
export async function materialChanges(
	q: Queryable,
	scope: Scope,
	month: string
): Promise<
	{
		materialId: string;
		accountId: string;
		action: 'edit' | 'remove';
		before: ReturnType<typeof materialRecord>;
		after: ReturnType<typeof materialRecord> | null;
		why: string;
		by: string;
		at: string;
	}[]
> {
	const s = scopeFilter(scope, 'm.account_id', 2);
	const rows = await q.all(
		`SELECT c.material_id, m.account_id, c.action, c.before, c.after, c.reason, c.changed_by, CAST(c.changed_at AS VARCHAR) AS changed_at
		 FROM billing_material_changes c JOIN billing_materials m ON m.id = c.material_id
		 WHERE m.month = $1 AND ${s.sql} ORDER BY c.changed_at DESC`,
		[month, ...s.params]
	);
	return rows.map((r) => ({
		materialId: String(r.material_id),
		accountId: String(r.account_id),
		action: r.action === 'remove' ? 'remove' : 'edit',
		before: JSON.parse(String(r.before)),
		after: r.after === null || r.after === undefined ? null : JSON.parse(String(r.after)),
		why: String(r.reason),
		by: String(r.changed_by),
		at: String(r.changed_at)
	}));
}

/** Parse "12,50" or "12.50" (euros) into cents; null when it is not an amount. */
export function parseEuros(text: string): number | null {
	const t = text.trim().replace(/^€\s*/, '');
	if (!/^\d+([.,]\d{1,2})?$/.test(t)) return null;
	const [w, f = ''] = t.replace(',', '.').split('.');
	return Number(w) * 100 + Number(f.padEnd(2, '0'));
}

/**
 * Lock a month once invoiced — for every account, or for one (`accountId`): the invoice lines are
 * stored as they are now and never change. Locking the whole month after some accounts were
 * locked alone keeps their locks (and lines) as they are.
 */
export async function lockMonth(
	store: Store,
	month: string,
	by: string,
	note?: string,
	accountId?: string | null
): Promise<void> {
	if (!validMonth(month)) throw new BillingError('month', `"${month}" is not a month (yyyy-mm)`);
	if (!by.trim()) throw new BillingError('by', 'enter the name of who locks the month');
	if (accountId) {
		const a = await store.one(`SELECT name FROM accounts WHERE id = $1`, [accountId]);
		if (!a) throw new BillingError('account', `there is no account "${accountId}"`);
		const m = await billingMonth(store, { kind: 'accounts', ids: [accountId] }, month);
		if (m.locked || m.lockedAccounts[accountId])
			throw new BillingError(null, `${month} is already locked for ${String(a.name)}`);
		const lines = m.invoiceLines.filter((l) => l.accountId === accountId);
		await store.write(async (tx) => {
			await assertOpen(tx, month, accountId);
			await tx.run(`INSERT INTO billing_account_locks VALUES ($1, $2, $3::JSON, $4, now(), $5)`, [
				month,
				accountId,
				JSON.stringify(lines),
				by.trim(),
				note?.trim() || null
			]);
		});
		return;
	}
	const m = await billingMonth(store, { kind: 'all' }, month);
	if (m.locked) throw new BillingError(null, `${month} is already locked`);
	// the accounts locked alone keep their own lines
	const lines = m.invoiceLines.filter((l) => !m.lockedAccounts[l.accountId]);
	await store.write(async (tx) => {
		if (await tx.one(`SELECT 1 AS x FROM billing_locks WHERE month = $1`, [month]))
			throw new BillingError(null, `${month} is already locked`);
		await tx.run(`INSERT INTO billing_locks VALUES ($1, $2::JSON, $3, now(), $4)`, [
			month,
			JSON.stringify(lines),
			by.trim(),
			note?.trim() || null
		]);
	});
}

export { ORDER_REASONS, REASON_LABELS };
