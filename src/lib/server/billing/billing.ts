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

export interface AccountBilling {
	accountId: string;
	name: string;
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
	locked: { by: string; at: string; note: string | null } | null;
	accounts: AccountBilling[];
	/** every classified part of every entry (live; for a locked month: as it is now) */
	lines: BillingLine[];
	needsPerson: BillingLine[];
	materials: MaterialLine[];
	invoiceLines: InvoiceLine[];
	totals: { netCents: number; vatCents: number; billableHours: number; freeHours: number };
	notes: string[];
	ticketSubjects: Record<string, string | null>;
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

/** Every classified line of the month's time entries for the accounts in scope (live). */
export async function monthLines(
	q: Queryable,
	scope: Scope,
	month: string,
	opts: BillingOptions = {}
): Promise<{
	lines: BillingLine[];
	accounts: Row[];
	subjects: Record<string, string | null>;
	notes: string[];
}> {
	if (!validMonth(month)) throw new BillingError('month', `"${month}" is not a month (yyyy-mm)`);
	const sa = scopeFilter(scope, 'a.id', 1);
	const [accounts, tiers, policies, calendars, cards, thresholdList, records] = await Promise.all([
		q.all(
			`SELECT a.id, a.name, a.policy_id, a.time_zone, a.is_sample FROM accounts a WHERE ${sa.sql} ORDER BY lower(a.name)`,
			sa.params
		),
		q.all(`SELECT account_id, effective_from, tier FROM tier_history`),
		loadPolicies(q),
		loadCalendarVersions(q),
		opts.cards ?? rateCardVersions(q),
		thresholdVersions(q),
		listTrainingRecords(q, { kind: 'all' })
	]);
	const notes: string[] = [];
	const accountOf = new Map(accounts.map((a) => [String(a.id), a]));
	// entries whose start lies in the month in some zone: a day either side, then by the account's zone
	const lo = new Date(Date.parse(`${month}-01T00:00:00Z`) - 86_400_000).toISOString();
	const hi = new Date(Date.parse(`${nextMonth(month)}-01T00:00:00Z`) + 86_400_000).toISOString();
	const s = scopeFilter(scope, 't.account_id', 3);
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
		   FROM time_entries WHERE started_at >= $1::TIMESTAMPTZ AND started_at < $2::TIMESTAMPTZ),
		 t AS (
		   SELECT t.source, t.external_id, t.account_id, t.subject, t.category, t.tags, t.type, t.final_priority
		   FROM tickets t
		   WHERE t.account_id IS NOT NULL AND ${s.sql} AND t.external_id IN (SELECT ticket_id FROM te))
		 SELECT CAST(epoch_ms(te.started_at) AS DOUBLE) AS started_ms, CAST(te.minutes AS DOUBLE) AS minutes,
		   COALESCE(ec.order_reference, te.order_reference) AS order_reference,
		   ec.reason AS person_reason, ec.reason_by, ec.reason_why, t.subject, t.tags,
		   -- the keys and the few-valued fields as one string (one value to read instead of eight;
		   -- empty for none), the three flags as one number
		   concat_ws(chr(31), te.source, t.account_id, COALESCE(te.work_type, ''), COALESCE(t.category, ''),
		     COALESCE(tc.type, t.type, ''), COALESCE(tc.final_priority, t.final_priority, ''),
		     te.external_id, te.ticket_id) AS fields,
		   CAST(COALESCE(CAST(te.billable AS INTEGER), 2) + 3 * COALESCE(CAST(te.on_site AS INTEGER), 2)
		     + 9 * CAST(COALESCE(tc.unjustified = 'true', false) AS INTEGER) AS DOUBLE) AS flags
		 FROM te
		 JOIN t ON t.source = te.source AND t.external_id = te.ticket_id
		 LEFT JOIN ec ON ec.source = te.source AND ec.entry_id = te.external_id
		 LEFT JOIN tc ON tc.source = t.source AND tc.external_id = t.external_id
		 ORDER BY t.account_id, te.started_at, te.source, te.external_id`,
		[lo, hi, ...s.params] as Param[]
	);
	const n = cols.n;
	const cStarted = cols.col('started_ms') as number[];
	const cMinutes = cols.col('minutes') as number[];
	const cOrder = cols.col('order_reference') as (string | null)[];
	const cPerson = cols.col('person_reason') as (string | null)[];
	const cReasonBy = cols.col('reason_by') as (string | null)[];
	const cReasonWhy = cols.col('reason_why') as (string | null)[];
	const cSubject = cols.col('subject') as (string | null)[];
	const cTags = cols.col('tags') as (string | null)[];
	const cFlags = cols.col('flags') as number[];
	// source, account, work type, category, type, priority ('' for none: str() reads it as null),
	// entry id, ticket id
	const cFields = (cols.col('fields') as string[]).map((f) => f.split('\u001f'));
	const cAccount = cFields.map((f) => f[1]);
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
	const thresholds = thresholdList.at(-1)!;

	const tierOf = new Map<string, TierPeriod[]>();
	const lines: BillingLine[] = [];
	const subjects: Record<string, string | null> = {};
	let noPolicy = 0;
	let noCard = 0;
	type PolicyVersion = (typeof policies)[number];
	const dayOf = new Map<
		string,
		{ pv: PolicyVersion | null; ctx: ClassifyContext | null; tier: string | null }
	>();
	const inForce = (accountId: string, a: Row, date: string) => {
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
	for (let i = 0; i < n; i++) {
		const accountId = cAccount[i];
		const a = accountOf.get(accountId);
		if (!a) continue;
		const zone = String(a.time_zone || 'Europe/Amsterdam');
		const startMs = cStarted[i];
		const date = localDate(startMs, zone);
		if (date.slice(0, 7) !== month) continue;
		// what is in force for the account on the date: looked up once per account and day
		const dayKey = `${accountId}|${date}`;
		let day = dayOf.get(dayKey);
		if (!day) {
			day = inForce(accountId, a, date);
			dayOf.set(dayKey, day);
		}
		if (!day.pv) noPolicy++;
		if (!day.ctx) {
			noCard++;
			continue;
		}
		const [source, , workType, category, type, priority, entryId, ticketId] = cFields[i];
		const flags = cFlags[i];
		subjects[`${source}/${ticketId}`] = str(cSubject[i]);
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
	if (noCard)
		notes.push(
			`${noCard} time entries belong to accounts whose policy has no rate card: not priced.`
		);
	if (noPolicy)
		notes.push(`${noPolicy} time entries belong to accounts without a policy in force.`);
	return { lines, accounts, subjects, notes };
}

export async function listMaterials(
	q: Queryable,
	scope: Scope,
	month: string
): Promise<MaterialLine[]> {
	const s = scopeFilter(scope, 'account_id', 2);
	const rows = await q.all(
		`SELECT * FROM billing_materials WHERE month = $1 AND ${s.sql} ORDER BY account_id, created_at`,
		[month, ...s.params]
	);
	return rows.map((r) => ({
		id: String(r.id),
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
	}));
}

export function euros(cents: number): string {
	return (cents / 100).toFixed(2);
}

/** The invoice lines of live billable lines and materials (pure). */
export function toInvoiceLines(
	month: string,
	lines: BillingLine[],
	materials: MaterialLine[],
	accounts: Map<string, { name: string; currency: string; vatRate: number }>
): InvoiceLine[] {
	const out: InvoiceLine[] = [];
	for (const l of lines) {
		if (l.status !== 'billable') continue;
		out.push({
			key: `time:${l.key}`,
			kind: 'time',
			accountId: l.accountId,
			accountName: accounts.get(l.accountId)?.name ?? l.accountId,
			debtorNumber: null,
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
			debtorNumber: null,
			period: month,
			originPeriod: null,
			reason: m.reason,
			rule: `${m.reason}: material line entered by ${m.by}`,
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

async function lockOf(q: Queryable, month: string) {
	const r = await q.one(
		`SELECT lines, locked_by, locked_at, note FROM billing_locks WHERE month = $1`,
		[month]
	);
	return r
		? {
				lines: JSON.parse(String(r.lines)) as InvoiceLine[],
				by: String(r.locked_by),
				at: String(r.locked_at),
				note: str(r.note)
			}
		: null;
}

/** The month: summary per account, lines, needs-a-person, invoice lines (frozen when locked). */
export async function billingMonth(
	q: Queryable,
	scope: Scope,
	month: string,
	opts: BillingOptions = {}
): Promise<BillingMonth> {
	const [{ lines, accounts, subjects, notes }, materials, lock, cards] = await Promise.all([
		monthLines(q, scope, month, opts),
		listMaterials(q, scope, month),
		lockOf(q, month),
		opts.cards ?? rateCardVersions(q)
	]);
	const acc = new Map<string, { name: string; currency: string; vatRate: number }>();
	for (const a of accounts) {
		const card = a.policy_id
			? rateCardOn(cards.get(String(a.policy_id)) ?? [], `${month}-01`)
			: null;
		acc.set(String(a.id), {
			name: String(a.name),
			currency: card?.card.currency ?? 'EUR',
			vatRate: card?.card.vatRate ?? 0.21
		});
	}
	const inScope = new Set(acc.keys());
	// a locked month keeps the anonymised lines of accounts erased since (for whoever sees all)
	const invoiceLines = lock
		? lock.lines.filter((l) => inScope.has(l.accountId) || (l.erased && scope.kind === 'all'))
		: [
				...toInvoiceLines(month, lines, materials, acc),
				...(await adjustmentLines(q, scope, month, acc, opts))
			];
	if (lock)
		notes.push(
			`This month was locked by ${lock.by} on ${lock.at.slice(0, 10)}: its invoice lines are those of that moment. Differences later changes make appear as adjustment lines in the first open month after it.`
		);
	const adjusted = invoiceLines.filter((l) => l.kind === 'adjustment');
	if (!lock && adjusted.length)
		notes.push(
			`${adjusted.length} adjustment lines carry differences into this month from locked ${[...new Set(adjusted.map((l) => l.originPeriod))].join(', ')}.`
		);
	notes.push('Accounts carry no debtor number yet: the export leaves the debtor column empty.');

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
		out.push({
			accountId: id,
			name: String(a.name),
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
		locked: lock ? { by: lock.by, at: lock.at, note: lock.note } : null,
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
		notes,
		ticketSubjects: subjects
	};
}

/** One account's chargeable work in a month: what the review page shows (issue 7). */
export interface ChargeableSummary {
	month: string;
	currency: string;
	/** the month is locked: the amounts are its invoiced lines */
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
 * entries, materials and lines only). Null when the scope does not hold the account.
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
	return {
		month,
		currency: a?.currency ?? 'EUR',
		locked: m.locked !== null,
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
 * Adjustment lines for an open month:/**
 * Adjustment lines for an open month: for each locked month in the run of locked months directly
 * before it, what its lines would be now minus what was invoiced (its frozen lines plus the
 * adjustments already invoiced in later locked months), per line; negative is a credit.
 */
async function adjustmentLines(
	q: Queryable,
	scope: Scope,
	month: string,
	acc: Map<string, { name: string; currency: string; vatRate: number }>,
	opts: BillingOptions = {}
): Promise<InvoiceLine[]> {
	const locks = new Map<string, InvoiceLine[]>();
	for (const r of await q.all(`SELECT month, lines FROM billing_locks`))
		locks.set(String(r.month), JSON.parse(String(r.lines)) as InvoiceLine[]);
	const run: string[] = [];
	for (let m = nextMonth(month, -1); locks.has(m); m = nextMonth(m, -1)) run.push(m);
	const out: InvoiceLine[] = [];
	for (const origin of run) {
		const live = await monthLines(q, scope, origin, opts);
		const mats = await listMaterials(q, scope, origin);
		const names = new Map(acc);
		for (const a of live.accounts)
			if (!names.has(String(a.id)))
				names.set(String(a.id), { name: String(a.name), currency: 'EUR', vatRate: 0.21 });
		const now = new Map(toInvoiceLines(origin, live.lines, mats, names).map((l) => [l.key, l]));
		const inScope = new Set(live.accounts.map((a) => String(a.id)));
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
		for (const l of locks.get(origin)!) if (l.kind !== 'adjustment') add(l.key, l);
		for (let m = nextMonth(origin); m < month; m = nextMonth(m))
			for (const l of locks.get(m) ?? [])
				if (l.kind === 'adjustment' && l.originPeriod === origin)
					add(l.key.replace(`adj:${origin}:`, ''), l);
		const keys = new Set([...now.keys(), ...invoiced.keys()]);
		for (const key of [...keys].sort()) {
			const n = now.get(key);
			const was = invoiced.get(key);
			const base = n ?? was!.line;
			if (!inScope.has(base.accountId)) continue;
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

async function assertOpen(q: Queryable, month: string) {
	if (await q.one(`SELECT 1 AS x FROM billing_locks WHERE month = $1`, [month]))
		throw new BillingError(null, `${month} is locked: its invoice lines no longer change`);
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
			`SELECT te.started_at, a.time_zone FROM time_entries te JOIN tickets t ON t.source = te.source AND t.external_id = te.ticket_id
			 LEFT JOIN accounts a ON a.id = t.account_id WHERE te.source = $1 AND te.external_id = $2`,
			[c.source, c.entryId]
		);
		if (!e) throw new BillingError('entry', `there is no time entry ${c.source}/${c.entryId}`);
		await assertOpen(
			tx,
			localDate(Date.parse(String(e.started_at)), String(e.time_zone || 'Europe/Amsterdam')).slice(
				0,
				7
			)
		);
		await tx.run(
			`INSERT INTO time_entry_corrections (source, entry_id, field, value, reason, corrected_by, corrected_at)
			 VALUES ($1, $2, $3, $4, $5, $6, now())`,
			[c.source, c.entryId, c.field, value, c.why.trim() || 'order reference attached', c.by.trim()]
		);
	});
}

/** Add a material line for an account and month (R22 by default). */
export async function addMaterial(
	store: Store,
	m: {
		accountId: string;
		month: string;
		source?: string | null;
		ticketId?: string | null;
		description: string;
		quantity: number;
		unitPriceCents: number;
		reason?: string;
		orderReference?: string | null;
		note?: string | null;
		by: string;
	}
): Promise<void> {
	if (!validMonth(m.month))
		throw new BillingError('month', `"${m.month}" is not a month (yyyy-mm)`);
	if (!m.description.trim()) throw new BillingError('description', 'describe the material');
	if (!Number.isFinite(m.quantity) || m.quantity <= 0)
		throw new BillingError('quantity', 'must be a number above 0');
	if (!Number.isInteger(m.unitPriceCents) || m.unitPriceCents < 0)
		throw new BillingError('unitPrice', 'must be an amount of at least 0,00');
	const reason = m.reason ?? 'R22';
	if (!(ALL_REASONS as readonly string[]).includes(reason))
		throw new BillingError('reason', `"${reason}" is not one of ${ALL_REASONS.join(', ')}`);
	if (!m.by.trim()) throw new BillingError('by', 'enter the name of who adds it');
	await store.write(async (tx) => {
		await assertOpen(tx, m.month);
		if (!(await tx.one('SELECT 1 AS x FROM accounts WHERE id = $1', [m.accountId])))
			throw new BillingError('accountId', `there is no account "${m.accountId}"`);
		await tx.run(
			`INSERT INTO billing_materials (account_id, month, source, ticket_id, description, quantity, unit_price_cents,
			   charge_reason, order_reference, note, created_by, created_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())`,
			[
				m.accountId,
				m.month,
				m.source ?? null,
				m.ticketId ?? null,
				m.description.trim(),
				m.quantity,
				m.unitPriceCents,
				reason,
				m.orderReference?.trim() || null,
				m.note?.trim() || null,
				m.by.trim()
			]
		);
	});
}

/** Parse "12,50" or "12.50" (euros) into cents; null when it is not an amount. */
export function parseEuros(text: string): number | null {
	const t = text.trim().replace(/^€\s*/, '');
	if (!/^\d+([.,]\d{1,2})?$/.test(t)) return null;
	const [w, f = ''] = t.replace(',', '.').split('.');
	return Number(w) * 100 + Number(f.padEnd(2, '0'));
}

/** Lock a month: its invoice lines (all accounts) are stored as they are now and never change. */
export async function lockMonth(
	store: Store,
	month: string,
	by: string,
	note?: string
): Promise<void> {
	if (!validMonth(month)) throw new BillingError('month', `"${month}" is not a month (yyyy-mm)`);
	if (!by.trim()) throw new BillingError('by', 'enter the name of who locks the month');
	const m = await billingMonth(store, { kind: 'all' }, month);
	if (m.locked) throw new BillingError(null, `${month} is already locked`);
	await store.write(async (tx) => {
		await assertOpen(tx, month);
		await tx.run(`INSERT INTO billing_locks VALUES ($1, $2::JSON, $3, now(), $4)`, [
			month,
			JSON.stringify(m.invoiceLines),
			by.trim(),
			note?.trim() || null
		]);
	});
}

export { ORDER_REASONS, REASON_LABELS };
