/**
 * The compliance dashboard's data: attainment by the one formula of attainment.ts (met / (met +
 * missed), open-within tickets shown apart, excluded ones not counted), split by month, priority x
 * tier, account, language and channel, the distribution of business time relative to target, the
 * at-risk tickets, and the list of tickets behind any figure.
 *
 * Everything reads ticket_sla joined to tickets and accounts once: the splits come out of one
 * GROUPING SETS query over the trend window (twelve months up to the period's end), counting the
 * period's tickets for every split but the months. Months and days are the creation date in each
 * account's own zone (ticket_sla.created_local_date).
 */
import { type Param, type Queryable, type Row, type Store } from '../db/index.ts';
import { scopeFilter, type Scope } from '../scope.ts';
import { businessSecondsBetween } from '../../domain/calendar.ts';
import { loadCalendars } from '../sla/recompute.ts';
import {
	LIST_COLUMNS,
	LIST_SORT_DEFAULTS,
	LIST_SORTS,
	type ListColumnKey,
	type ListRow,
	type ListSort
} from '../../shared/list-columns.ts';

export { LIST_COLUMNS, LIST_SORTS, type ListColumnKey, type ListRow, type ListSort };

export type Clock = 'first_response' | 'resolution';
export const CLOCKS: Clock[] = ['first_response', 'resolution'];

export type VerdictFilter = 'all' | 'met' | 'missed' | 'open_within' | 'open_missed' | 'excluded';
export const VERDICT_FILTERS: VerdictFilter[] = [
	'all',
	'met',
	'missed',
	'open_within',
	'open_missed',
	'excluded'
];

/** The filters of the page, all of them in the URL. Empty lists mean "every value". */
export interface ComplianceFilters {
	clock: Clock;
	/** first month of the period, yyyy-mm (inclusive) */
	from: string;
	/** last month of the period, yyyy-mm (inclusive) */
	to: string;
	accounts: string[];
	tiers: string[];
	priorities: string[];
	types: string[];
	languages: string[];
	channels: string[];
	csms: string[];
	/** at-risk horizon in business hours */
	within: number;
}

/** The list behind a figure: the page's filters narrowed to a verdict and a histogram bin. */
export interface ListFilters extends ComplianceFilters {
	verdict: VerdictFilter;
	/** histogram bin (tenths of the target), or null */
	bin: number | null;
	sort: ListSort;
	dir: 'asc' | 'desc';
}

export class FilterError extends Error {}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const MULTI = {
	accounts: 'account',
	tiers: 'tier',
	priorities: 'priority',
	types: 'type',
	languages: 'language',
	channels: 'channel',
	csms: 'csm'
} as const;
type MultiKey = keyof typeof MULTI;
const MULTI_KEYS = Object.keys(MULTI) as MultiKey[];

/** The number of histogram bins: tenths of the target up to 300 %, the last one open-ended. */
export const HISTOGRAM_BINS = 31;
/** Months the trend shows, ending with the period's last month. */
export const TREND_MONTHS = 12;
export const DEFAULT_WITHIN_HOURS = 4;
/** The attainment goal when a policy names none (PRODUCT.md is silent: a default). */
export const DEFAULT_ATTAINMENT_GOAL = 0.9;

export function addMonths(month: string, n: number): string {
	const [y, m] = month.split('-').map(Number);
	const i = y * 12 + (m - 1) + n;
	return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** The first day of a month, and of the month after: the half-open date range of a period. */
export function periodDates(f: Pick<ComplianceFilters, 'from' | 'to'>): {
	from: string;
	to: string;
} {
	return { from: `${f.from}-01`, to: `${addMonths(f.to, 1)}-01` };
}

/**
 * Read the filters from the URL. `defaultMonth` is the period when the URL names none (the last
 * complete month in the data). Throws FilterError naming the parameter on a value that is not one.
 */
export function parseFilters(params: URLSearchParams, defaultMonth: string): ComplianceFilters {
	const clock = params.get('clock') || 'first_response';
	if (!CLOCKS.includes(clock as Clock))
		throw new FilterError(`clock: "${clock}" is not one of ${CLOCKS.join(', ')}`);
	const from = params.get('from') || params.get('to') || defaultMonth;
	const to = params.get('to') || from;
	for (const [name, v] of [
		['from', from],
		['to', to]
	] as const)
		if (!MONTH.test(v)) throw new FilterError(`${name}: "${v}" is not a month (yyyy-mm)`);
	if (to < from) throw new FilterError(`to: ${to} is before from: ${from}`);
	const withinText = params.get('within');
	const within =
		withinText === null || withinText === '' ? DEFAULT_WITHIN_HOURS : Number(withinText);
	if (!Number.isFinite(within) || within <= 0 || within > 500)
		throw new FilterError(`within: "${withinText}" is not a number of business hours (0–500)`);
	const f: ComplianceFilters = {
		clock: clock as Clock,
		from,
		to,
		within,
		accounts: [],
		tiers: [],
		priorities: [],
		types: [],
		languages: [],
		channels: [],
		csms: []
	};
	for (const key of MULTI_KEYS)
		f[key] = [
			...new Set(
				params
					.getAll(MULTI[key])
					.map((v) => v.trim())
					.filter(Boolean)
			)
		];
	return f;
}

export function parseListFilters(params: URLSearchParams, defaultMonth: string): ListFilters {
	const f = parseFilters(params, defaultMonth);
	const verdict = (params.get('verdict') || 'all') as VerdictFilter;
	if (!VERDICT_FILTERS.includes(verdict))
		throw new FilterError(`verdict: "${verdict}" is not one of ${VERDICT_FILTERS.join(', ')}`);
	const binText = params.get('bin');
	let bin: number | null = null;
	if (binText !== null && binText !== '') {
		bin = Number(binText);
		if (!Number.isInteger(bin) || bin < 0 || bin >= HISTOGRAM_BINS)
			throw new FilterError(`bin: "${binText}" is not a bin (0–${HISTOGRAM_BINS - 1})`);
	}
	const sort = (params.get('sort') || 'created') as ListSort;
	if (!LIST_SORTS.includes(sort))
		throw new FilterError(`sort: "${sort}" is not one of ${LIST_SORTS.join(', ')}`);
	const dir = params.get('dir') || LIST_SORT_DEFAULTS[sort];
	if (dir !== 'asc' && dir !== 'desc') throw new FilterError(`dir: "${dir}" is not asc or desc`);
	return { ...f, verdict, bin, sort, dir };
}

/**
 * The filters as URL parameters, defaults left out, in one fixed order: so links are stable and a
 * bookmark reads the same page. `over` replaces fields (a link to a narrower list).
 */
export function filterParams(
	f: ComplianceFilters & Partial<Pick<ListFilters, 'verdict' | 'bin' | 'sort' | 'dir'>>,
	over: Partial<ListFilters> = {}
): URLSearchParams {
	const g = { ...f, ...over };
	const p = new URLSearchParams();
	p.set('from', g.from);
	if (g.to !== g.from) p.set('to', g.to);
	if (g.clock !== 'first_response') p.set('clock', g.clock);
	for (const key of MULTI_KEYS) for (const v of g[key]) p.append(MULTI[key], v);
	if (g.within !== DEFAULT_WITHIN_HOURS) p.set('within', String(g.within));
	if (g.verdict && g.verdict !== 'all') p.set('verdict', g.verdict);
	if (g.bin !== null && g.bin !== undefined) p.set('bin', String(g.bin));
	if (g.sort && g.sort !== 'created') p.set('sort', g.sort);
	if (g.dir && g.sort && g.dir !== LIST_SORT_DEFAULTS[g.sort]) p.set('dir', g.dir);
	return p;
}

/** Collects positional parameters while SQL text is built. */
class Params {
	readonly values: Param[] = [];
	add(v: Param): string {
		this.values.push(v);
		return `$${this.values.length}`;
	}
	in(col: string, values: string[]): string | null {
		if (!values.length) return null;
		return `${col} IN (${values.map((v) => this.add(v)).join(', ')})`;
	}
}

/**
 * What every compliance query reads: the verdicts — which carry the ticket's account, channel,
 * corrected type and creation instant — and the accounts (a small table). Never all tickets.
 */
const FROM = `ticket_sla s LEFT JOIN accounts a ON a.id = s.account_id`;

const TYPE = 's.type';

/** The verdicts, with the accounts joined only when a filter needs them (the CSM). */
function fromFor(f: ComplianceFilters): string {
	return f.csms.length ? FROM : 'ticket_sla s';
}

/** WHERE conditions for the filters (not the period), the scope and the clock. */
function conditions(f: ComplianceFilters, scope: Scope, p: Params): string[] {
	const out = [`s.clock = ${p.add(f.clock)}`];
	const s = scopeFilter(scope, 's.account_id', p.values.length + 1);
	p.values.push(...s.params);
	out.push(s.sql);
	const lists: [string, string[]][] = [
		['s.account_id', f.accounts],
		['s.tier', f.tiers],
		['s.priority', f.priorities],
		[TYPE, f.types],
		['s.language', f.languages],
		['s.channel', f.channels],
		['a.csm', f.csms]
	];
	for (const [col, values] of lists) {
		const c = p.in(col, values);
		if (c) out.push(c);
	}
	return out;
}

/** The histogram bin of a stopped clock: business time in tenths of its target, capped. */
const BIN_SQL = `CASE WHEN s.verdict IN ('met', 'missed') AND s.target_s > 0 AND s.business_s IS NOT NULL
	  THEN least(CAST(floor(s.business_s / s.target_s * 10) AS INTEGER), ${HISTOGRAM_BINS - 1}) END`;

export interface Counts {
	met: number;
	missed: number;
	openWithin: number;
	openMissed: number;
	excluded: number;
	attainment: number | null;
}

export interface TargetRange {
	/** business hours, smallest and largest target among the counted tickets */
	min: number | null;
	max: number | null;
}

export interface SplitRow extends Counts {
	/** the values of the split's columns, e.g. { priority: 'P1', tier: 'Premium' } */
	key: Record<string, string | null>;
	label: string;
	target: TargetRange;
	goal: number | null;
	/** URL parameters of the tickets behind the row (the page's filters narrowed to it) */
	params: string;
}

export interface HistogramRow {
	bin: number;
	label: string;
	met: number;
	missed: number;
	params: string;
}

export interface AtRiskTicket {
	source: string;
	externalId: string;
	accountId: string | null;
	accountName: string | null;
	timeZone: string;
	subject: string | null;
	priority: string | null;
	tier: string | null;
	createdAt: string;
	dueAt: string;
	/** business hours left from the ticket's as-of instant to its due instant */
	hoursLeft: number;
}

export interface FilterOptions {
	accounts: { id: string; name: string }[];
	tiers: string[];
	priorities: string[];
	types: string[];
	languages: string[];
	channels: string[];
	csms: string[];
	months: string[];
}

export interface ComplianceView {
	filters: ComplianceFilters;
	/** the query string of the filters (canonical) */
	params: string;
	asOf: string | null;
	overall: Counts & { goal: number | null; target: TargetRange; params: string };
	months: (SplitRow & { month: string })[];
	priorityTier: SplitRow[];
	accounts: SplitRow[];
	languages: SplitRow[];
	channels: SplitRow[];
	histogram: HistogramRow[];
	atRisk: AtRiskTicket[];
	goals: { policyId: string; goal: number; kind: 'contract' | 'default' }[];
}

const num = (v: unknown) => Number(v ?? 0);
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

function counts(r: Row | undefined): Counts {
	const met = num(r?.met);
	const missed = num(r?.missed);
	return {
		met,
		missed,
		openWithin: num(r?.open_within),
		openMissed: num(r?.open_missed),
		excluded: num(r?.excluded),
		attainment: met + missed ? met / (met + missed) : null
	};
}

/**
 * The grouped counts, one row per split value and verdict, as one row per split value with a
 * count per verdict (missed includes open and missed).
 */
function widen(long: Row[]): Row[] {
	const out = new Map<string, Row>();
	for (const r of long) {
		const g = num(r.g);
		const dims = [g, r.month, r.priority, r.tier, r.account_id, r.language, r.channel, r.bin];
		const key = JSON.stringify(dims);
		let w = out.get(key);
		if (!w) {
			w = {
				g,
				month: r.month,
				priority: r.priority,
				tier: r.tier,
				account_id: r.account_id,
				language: r.language,
				channel: r.channel,
				bin: r.bin,
				met: 0,
				missed: 0,
				open_within: 0,
				open_missed: 0,
				excluded: 0
			};
			out.set(key, w);
		}
		const n = num(r.n);
		const add = (k: string) => (w[k] = num(w[k]) + n);
		if (r.verdict === 'met') add('met');
		else if (r.verdict === 'missed') add('missed');
		else if (r.verdict === 'open_missed') {
			add('missed');
			add('open_missed');
		} else if (r.verdict === 'open_within') add('open_within');
		else if (r.verdict === 'excluded') add('excluded');
	}
	return [...out.values()];
}

const hours = (s: unknown) => (s === null || s === undefined ? null : Number(s) / 3600);

export function binLabel(bin: number): string {
	if (bin >= HISTOGRAM_BINS - 1) return `≥ ${(HISTOGRAM_BINS - 1) * 10} %`;
	return `${bin * 10}–${bin * 10 + 10} %`;
}

/** The attainment goal per policy (setting `attainmentGoal`, else the default). */
export async function attainmentGoals(
	q: Queryable
): Promise<{ policyId: string; goal: number; kind: 'contract' | 'default' }[]> {
	const rows = await q.all(
		`SELECT p.id, p.body FROM policies p WHERE p.version = (SELECT max(version) FROM policies x WHERE x.id = p.id) ORDER BY p.id`
	);
	return rows.map((r) => {
		const body = JSON.parse(String(r.body)) as {
			settings?: Record<string, { value?: unknown; kind?: string }>;
		};
		const s = body.settings?.attainmentGoal;
		const v = Number(s?.value);
		return Number.isFinite(v) && v > 0 && v <= 1
			? { policyId: String(r.id), goal: v, kind: s?.kind === 'contract' ? 'contract' : 'default' }
			: { policyId: String(r.id), goal: DEFAULT_ATTAINMENT_GOAL, kind: 'default' };
	});
}

/** The as-of instant of the data: the latest committed import's. */
export async function dataAsOf(q: Queryable): Promise<string | null> {
	const r = await q.one(`SELECT max(as_of) AS as_of FROM imports WHERE status = 'committed'`);
	return str(r?.as_of);
}

/**
 * The last complete month in the data: the latest month with tickets before the month of the
 * as-of instant (in Amsterdam); the latest month with tickets when there is none before it.
 * Kept until the data changes: every page without a period in its URL asks for it.
 */
export function defaultMonth(q: Queryable, scope: Scope): Promise<string> {
	return kept(q, `default month ${JSON.stringify(scope)}`, async () => {
		const s = scopeFilter(scope, 's.account_id', 1);
		const r = await q.one(
			`SELECT
			   (SELECT strftime(max(created_local_date), '%Y-%m') FROM ticket_sla s
			     WHERE ${s.sql} AND s.created_local_date < date_trunc('month', CAST(timezone('Europe/Amsterdam', (SELECT max(as_of) FROM imports WHERE status = 'committed')) AS DATE))) AS before_as_of,
			   (SELECT strftime(max(created_local_date), '%Y-%m') FROM ticket_sla) AS latest`,
			s.params
		);
		return str(r?.before_as_of) ?? str(r?.latest) ?? new Date().toISOString().slice(0, 7);
	});
}

/**
 * What the data is at: changes with every import, undo, recompute, correction and accounts file.
 * Cheap (a few aggregates); what is derived from all tickets can be kept until it changes.
 */
export function dataVersion(q: Queryable): Promise<string> {
	// calls made at the same moment (the parts of one page) share one read
	const pending = versionReads.get(q);
	if (pending) return pending;
	const read = readDataVersion(q).finally(() => versionReads.delete(q));
	versionReads.set(q, read);
	return read;
}

const versionReads = new WeakMap<object, Promise<string>>();

async function readDataVersion(q: Queryable): Promise<string> {
	const r = await q.one(
		`SELECT (SELECT max(id) FROM imports) AS imports,
		   (SELECT count(*) FILTER (status = 'rolled_back') FROM imports) AS undone,
		   (SELECT value FROM meta WHERE key = 'verdicts_written') AS computed,
		   (SELECT count(*) FROM ticket_corrections) AS corrections,
		   (SELECT max(updated_at) FROM accounts) AS accounts, (SELECT count(*) FROM accounts) AS n_accounts,
		   (SELECT count(*) FROM policies) AS policies, (SELECT count(*) FROM calendars) AS calendars`
	);
	return JSON.stringify(r ?? {});
}

const keptReads = new WeakMap<
	object,
	Map<string, { version: string; value: Promise<unknown>; until: number }>
>();
/** Reads kept per store at most; the oldest go first. */
const KEPT_MAX = 300;

/**
 * A read kept per store and name until the data version changes (and, with `ttlMs`, no longer
 * than that: for reads that also depend on the clock): every request until then shares it (one
 * cheap query tells the version). A failed read is not kept.
 */
async function kept<T>(
	q: Queryable,
	name: string,
	read: () => Promise<T>,
	ttlMs = Infinity
): Promise<T> {
	const version = await dataVersion(q);
	let perStore = keptReads.get(q);
	if (!perStore) keptReads.set(q, (perStore = new Map()));
	const hit = perStore.get(name);
	if (hit && hit.version === version && hit.until > Date.now()) return hit.value as Promise<T>;
	const value = read();
	perStore.delete(name);
	perStore.set(name, { version, value, until: Date.now() + ttlMs });
	if (perStore.size > KEPT_MAX) perStore.delete(perStore.keys().next().value!);
	value.catch(() => {
		if (perStore.get(name)?.value === value) perStore.delete(name);
	});
	return value;
}

/** How long a view is shared between requests: its at-risk list depends on the clock. */
export const VIEW_KEPT_MS = 30_000;

/**
 * The compliance view, shared by every request for the same scope and filters until the data
 * changes or VIEW_KEPT_MS pass: fifty people on the overview cost one computation, not fifty.
 * The view is read-only to its callers.
 */
export function sharedComplianceView(
	q: Queryable,
	scope: Scope,
	f: ComplianceFilters
): Promise<ComplianceView> {
	return kept(
		q,
		`view ${JSON.stringify(scope)} ${JSON.stringify(f)}`,
		() => complianceView(q, scope, f),
		VIEW_KEPT_MS
	);
}

interface ViewContext {
	asOf: string | null;
	goals: Awaited<ReturnType<typeof attainmentGoals>>;
	accounts: Row[];
	calendars: Awaited<ReturnType<typeof loadCalendars>>;
}

/**
 * The small things every view needs — the as-of instant, the attainment goals, the accounts, the
 * calendars — read once per data version instead of per request.
 */
function context(q: Queryable): Promise<ViewContext> {
	return kept(q, 'view context', async () => {
		const [asOf, goals, accounts, calendars] = await Promise.all([
			dataAsOf(q),
			attainmentGoals(q),
			q.all(`SELECT id, name, policy_id FROM accounts`),
			loadCalendars(q)
		]);
		return { asOf, goals, accounts, calendars };
	});
}

/** The values the filters offer, from the verdicts in scope (kept until the data changes). */
export function filterOptions(q: Queryable, scope: Scope): Promise<FilterOptions> {
	return kept(q, `filter options ${JSON.stringify(scope)}`, () => readFilterOptions(q, scope));
}

async function readFilterOptions(q: Queryable, scope: Scope): Promise<FilterOptions> {
	const s = scopeFilter(scope, 's.account_id', 1);
	const r = await q.one(
		`SELECT
		   list(DISTINCT s.tier ORDER BY s.tier) FILTER (s.tier IS NOT NULL) AS tiers,
		   list(DISTINCT s.priority ORDER BY s.priority) FILTER (s.priority IS NOT NULL) AS priorities,
		   list(DISTINCT ${TYPE} ORDER BY ${TYPE}) FILTER (${TYPE} IS NOT NULL) AS types,
		   list(DISTINCT s.language ORDER BY s.language) FILTER (s.language IS NOT NULL) AS languages,
		   list(DISTINCT s.channel ORDER BY s.channel) FILTER (s.channel IS NOT NULL) AS channels,
		   list(DISTINCT strftime(s.created_local_date, '%Y-%m') ORDER BY strftime(s.created_local_date, '%Y-%m') DESC)
		     FILTER (s.created_local_date IS NOT NULL) AS months
		 FROM ${FROM} WHERE s.clock = 'first_response' AND ${s.sql}`,
		s.params
	);
	const sa = scopeFilter(scope, 'a.id', 1);
	const accounts = await q.all(
		`SELECT a.id, a.name, a.csm FROM accounts a WHERE ${sa.sql} ORDER BY lower(a.name)`,
		sa.params
	);
	const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
	return {
		accounts: accounts.map((x) => ({ id: String(x.id), name: String(x.name) })),
		tiers: list(r?.tiers),
		priorities: list(r?.priorities),
		types: list(r?.types),
		languages: list(r?.languages),
		channels: list(r?.channels),
		csms: [...new Set(accounts.map((x) => str(x.csm)).filter((x): x is string => !!x))].sort(),
		months: list(r?.months)
	};
}

/** Grouping sets of the one query, in the order of GROUPING()'s bits below. */
type GroupingSet = 'month' | 'priority_tier' | 'account' | 'language' | 'channel' | 'bin' | 'all';

/**
 * Each split as GROUPING(month, priority, tier, account_id, language, channel, bin) marks it: a
 * bit per column not grouped, month the highest of seven.
 */
const SET_BITS: Record<GroupingSet, number> = {
	month: 0b0111111,
	priority_tier: 0b1001111,
	account: 0b1110111,
	language: 0b1111011,
	channel: 0b1111101,
	bin: 0b1111110,
	all: 0b1111111
};

export async function complianceView(
	q: Queryable,
	scope: Scope,
	f: ComplianceFilters
): Promise<ComplianceView> {
	const p = new Params();
	const where = conditions(f, scope, p);
	const { from, to } = periodDates(f);
	const trendFrom = `${addMonths(f.to, -(TREND_MONTHS - 1))}-01`;
	const lo = p.add(from < trendFrom ? from : trendFrom);
	const hi = p.add(to);
	const source = fromFor(f);
	// Two scans, run at once: the months of the trend window, each counted by verdict; and the
	// period's tickets (a twelfth of the window for one month) by every split at once. A count
	// per verdict is cheaper than a filtered count per kind.
	const monthSql = `SELECT strftime(m, '%Y-%m') AS month, verdict, n FROM (
	    SELECT date_trunc('month', s.created_local_date) AS m, s.verdict, count(*) AS n
	    FROM ${source}
	    WHERE ${where.join(' AND ')} AND s.created_local_date >= ${lo}::DATE AND s.created_local_date < ${hi}::DATE
	    GROUP BY ALL)`;
	const sp = new Params();
	const sWhere = conditions(f, scope, sp);
	const splitSql = `SELECT GROUPING(priority, tier, account_id, language, channel, bin) AS g,
	  priority, tier, account_id, language, channel, bin, verdict, count(*) AS n,
	  min(target_s) AS target_min, max(target_s) AS target_max
	FROM (
	  SELECT s.priority, s.tier, s.account_id, s.language, s.channel, s.verdict, s.target_s, ${BIN_SQL} AS bin
	  FROM ${source}
	  WHERE ${sWhere.join(' AND ')}
	    AND s.created_local_date >= ${sp.add(from)}::DATE AND s.created_local_date < ${sp.add(to)}::DATE
	)
	GROUP BY GROUPING SETS ((priority, tier, verdict), (account_id, verdict), (language, verdict),
	  (channel, verdict), (bin, verdict), (verdict))`;
	const [monthLong, splitLong, asOf, goals, accountRows, atRisk] = await Promise.all([
		q.all(monthSql, p.values),
		q.all(splitSql, sp.values),
		context(q).then((c) => c.asOf),
		context(q).then((c) => c.goals),
		context(q).then((c) => c.accounts),
		atRiskTickets(q, scope, f)
	]);
	const rows = [
		...widen(monthLong.map((r) => ({ ...r, g: SET_BITS.month }))),
		// the split query groups six columns; the month column is the seventh, highest bit
		...widen(splitLong.map((r) => ({ ...r, g: num(r.g) | 0b1000000 })))
	];
	// the targets that applied: smallest and largest over the period's counted tickets
	const targetOf = new Map<string, { target_min: number | null; target_max: number | null }>();
	for (const r of splitLong) {
		const g = num(r.g);
		const key =
			g === 0b001111 ? JSON.stringify([0, r.priority, r.tier]) : g === 0b111111 ? 'all' : null;
		if (!key || r.verdict === 'excluded' || r.target_min === null) continue;
		const t = targetOf.get(key);
		const lo = Number(r.target_min);
		const hi = Number(r.target_max);
		targetOf.set(key, {
			target_min: t?.target_min == null ? lo : Math.min(t.target_min, lo),
			target_max: t?.target_max == null ? hi : Math.max(t.target_max, hi)
		});
	}
	const accountName = new Map(accountRows.map((r) => [String(r.id), String(r.name)]));
	const accountPolicy = new Map(accountRows.map((r) => [String(r.id), str(r.policy_id)]));
	const goalOf = new Map(goals.map((g) => [g.policyId, g.goal]));
	// one goal for the whole view when every account in it has the same one
	const viewGoals = new Set(
		[...accountPolicy]
			.filter(([id]) => !f.accounts.length || f.accounts.includes(id))
			.map(([, pol]) => (pol ? (goalOf.get(pol) ?? DEFAULT_ATTAINMENT_GOAL) : null))
			.filter((g): g is number => g !== null)
	);
	const commonGoal = viewGoals.size === 1 ? [...viewGoals][0] : null;

	const bySet = (set: GroupingSet) => rows.filter((r) => num(r.g) === SET_BITS[set]);
	const base = filterParams(f);
	const narrowed = (over: Partial<ListFilters>) => filterParams(f, over).toString();
	const target = (r: { target_min: unknown; target_max: unknown } | undefined): TargetRange => ({
		min: hours(r?.target_min),
		max: hours(r?.target_max)
	});

	const monthList: string[] = [];
	for (let m = trendFrom.slice(0, 7); m <= f.to; m = addMonths(m, 1)) monthList.push(m);
	const monthRows = bySet('month');
	const months = monthList.map((m) => {
		const r = monthRows.find((x) => x.month === m);
		return {
			month: m,
			key: { month: m },
			label: m,
			...counts(r),
			target: { min: null, max: null },
			goal: commonGoal,
			params: narrowed({ from: m, to: m })
		};
	});

	const split = (
		set: GroupingSet,
		keyOf: (r: Row) => Record<string, string | null>,
		labelOf: (r: Row) => string,
		over: (r: Row) => Partial<ListFilters>,
		goalFor: (r: Row) => number | null = () => commonGoal
	): SplitRow[] =>
		bySet(set)
			.map((r) => ({
				key: keyOf(r),
				label: labelOf(r),
				...counts(r),
				target: target(targetOf.get(JSON.stringify([0, r.priority, r.tier]))),
				goal: goalFor(r),
				params: narrowed(over(r))
			}))
			.filter((r) => r.met + r.missed + r.openWithin + r.excluded > 0);

	const priorityTier = split(
		'priority_tier',
		(r) => ({ priority: str(r.priority), tier: str(r.tier) }),
		(r) => `${str(r.priority) ?? '(no priority)'} · ${str(r.tier) ?? '(no tier)'}`,
		(r) => ({
			priorities: r.priority === null ? f.priorities : [String(r.priority)],
			tiers: r.tier === null ? f.tiers : [String(r.tier)]
		})
	).sort((a, b) =>
		`${a.key.priority} ${a.key.tier}`.localeCompare(`${b.key.priority} ${b.key.tier}`)
	);
	const accounts = split(
		'account',
		(r) => ({ account: str(r.account_id) }),
		(r) =>
			r.account_id === null
				? '(no account)'
				: (accountName.get(String(r.account_id)) ?? String(r.account_id)),
		(r) => ({ accounts: r.account_id === null ? f.accounts : [String(r.account_id)] }),
		(r) => {
			const pol = accountPolicy.get(String(r.account_id));
			return pol ? (goalOf.get(pol) ?? DEFAULT_ATTAINMENT_GOAL) : null;
		}
	).sort((a, b) => (a.attainment ?? 2) - (b.attainment ?? 2) || a.label.localeCompare(b.label));
	const languages = split(
		'language',
		(r) => ({ language: str(r.language) }),
		(r) => str(r.language) ?? '(no language)',
		(r) => ({ languages: r.language === null ? f.languages : [String(r.language)] })
	).sort((a, b) => a.label.localeCompare(b.label));
	const channels = split(
		'channel',
		(r) => ({ channel: str(r.channel) }),
		(r) => str(r.channel) ?? '(no channel)',
		(r) => ({ channels: r.channel === null ? f.channels : [String(r.channel)] })
	).sort((a, b) => a.label.localeCompare(b.label));

	const binRows = bySet('bin');
	const histogram: HistogramRow[] = [];
	for (let b = 0; b < HISTOGRAM_BINS; b++) {
		const r = binRows.find((x) => x.bin !== null && num(x.bin) === b);
		histogram.push({
			bin: b,
			label: binLabel(b),
			met: num(r?.met),
			missed: num(r?.missed),
			params: narrowed({ bin: b })
		});
	}
	const all = bySet('all')[0];
	return {
		filters: f,
		params: base.toString(),
		asOf,
		overall: {
			...counts(all),
			goal: commonGoal,
			target: target(targetOf.get('all')),
			params: base.toString()
		},
		months,
		priorityTier,
		accounts,
		languages,
		channels,
		histogram,
		atRisk,
		goals
	};
}

/**
 * Open tickets due within the next `within` business hours of their as-of instant, soonest first.
 * Candidates come from SQL (open within target, due after the as-of and within a wall-clock window
 * wide enough for any weekend and holidays); the business hours left are counted exactly with the
 * ticket's calendar. The period does not apply: what is at risk is at risk now.
 */
export async function atRiskTickets(
	q: Queryable,
	scope: Scope,
	f: ComplianceFilters
): Promise<AtRiskTicket[]> {
	const p = new Params();
	const where = conditions(f, scope, p);
	const windowHours = p.add(Math.ceil(f.within * 4 + 24 * 10));
	const rows = await q.all(
		`SELECT s.source, s.external_id, s.account_id, a.name AS account_name, a.time_zone,
		   s.priority, s.tier, s.created_at, s.due_at, s.as_of, s.calendar_id
		 FROM ${FROM}
		 WHERE ${where.join(' AND ')} AND s.verdict = 'open_within' AND s.due_at > s.as_of
		   AND s.due_at <= s.as_of + to_hours(CAST(${windowHours} AS BIGINT))
		 ORDER BY s.due_at LIMIT 5000`,
		p.values
	);
	if (!rows.length) return [];
	const [calendars, subjects] = await Promise.all([
		context(q).then((c) => c.calendars),
		// the subjects of the candidates only: a small join, never all tickets' text
		q.all(
			// created_at bounds let the scan skip the row groups of older tickets
			`SELECT t.source, t.external_id, t.subject FROM tickets t
			 SEMI JOIN (SELECT unnest($1::VARCHAR[]) AS source, unnest($2::VARCHAR[]) AS external_id) c
			   ON c.source = t.source AND c.external_id = t.external_id
			 WHERE t.created_at BETWEEN $3::TIMESTAMPTZ AND $4::TIMESTAMPTZ`,
			[
				`[${rows.map((r) => JSON.stringify(String(r.source))).join(',')}]`,
				`[${rows.map((r) => JSON.stringify(String(r.external_id))).join(',')}]`,
				rows.reduce((a, r) => (String(r.created_at) < a ? String(r.created_at) : a), '9999'),
				rows.reduce((a, r) => (String(r.created_at) > a ? String(r.created_at) : a), '0000')
			]
		)
	]);
	const subjectOf = new Map(
		subjects.map((r) => [`${String(r.source)}\u0000${String(r.external_id)}`, str(r.subject)])
	);
	const out: AtRiskTicket[] = [];
	for (const r of rows) {
		const cal = calendars.get(String(r.calendar_id));
		const asOf = new Date(String(r.as_of));
		const due = new Date(String(r.due_at));
		const left = cal
			? businessSecondsBetween(cal, asOf, due) / 3600
			: (due.getTime() - asOf.getTime()) / 3_600_000;
		if (left > f.within) continue;
		out.push({
			source: String(r.source),
			externalId: String(r.external_id),
			accountId: str(r.account_id),
			accountName: str(r.account_name),
			timeZone: str(r.time_zone) ?? 'Europe/Amsterdam',
			subject: subjectOf.get(`${String(r.source)}\u0000${String(r.external_id)}`) ?? null,
			priority: str(r.priority),
			tier: str(r.tier),
			createdAt: String(r.created_at),
			dueAt: String(r.due_at),
			hoursLeft: left
		});
	}
	return out.sort((a, b) => a.hoursLeft - b.hoursLeft || a.dueAt.localeCompare(b.dueAt));
}

/* ------------------------------------------------------------------ the list behind a figure */

/** SQL of each column of the ticket list (the columns themselves are shared with the pages). */
const COLUMN_SQL: Record<ListColumnKey, string> = {
	source: 's.source',
	ticket: 's.external_id',
	account: `COALESCE(a.name, '(no account)')`,
	created: 's.created_at',
	priority: 's.priority',
	tier: 's.tier',
	language: 's.language',
	channel: 's.channel',
	type: TYPE,
	business: 's.business_s / 3600',
	target: 's.target_s / 3600',
	ratio: 'CASE WHEN s.target_s > 0 THEN s.business_s / s.target_s END',
	due: 's.due_at',
	stopped: 's.stopped_at',
	verdict: 's.verdict',
	reason: 's.excluded_reason',
	zone: `COALESCE(a.time_zone, 'Europe/Amsterdam')`
};

const SORT_SQL: Record<ListSort, string> = {
	created: 's.created_at',
	account: `COALESCE(a.name, '')`,
	priority: 's.priority',
	tier: 's.tier',
	business: 's.business_s',
	ratio: 'CASE WHEN s.target_s > 0 THEN s.business_s / s.target_s END',
	due: 's.due_at',
	verdict: 's.verdict'
};

/** FROM and WHERE of the list behind a figure, with its parameters. */
export function listQuery(
	f: ListFilters,
	scope: Scope
): { from: string; where: string; order: string; params: Param[] } {
	const p = new Params();
	const where = conditions(f, scope, p);
	const { from, to } = periodDates(f);
	where.push(`s.created_local_date >= ${p.add(from)}::DATE`);
	where.push(`s.created_local_date < ${p.add(to)}::DATE`);
	if (f.verdict === 'missed') where.push(`s.verdict IN ('missed', 'open_missed')`);
	else if (f.verdict !== 'all') where.push(`s.verdict = ${p.add(f.verdict)}`);
	if (f.bin !== null) where.push(`(${BIN_SQL}) = ${p.add(f.bin)}`);
	const dir = f.dir === 'asc' ? 'ASC' : 'DESC';
	return {
		from: FROM,
		where: where.join(' AND '),
		order: `${SORT_SQL[f.sort]} ${dir} NULLS LAST, s.source, s.external_id`,
		params: p.values
	};
}

/** SELECT list of the ticket list; instants as ISO text, or epoch milliseconds for Arrow. */
export function listSelect(instants: 'iso' | 'epoch-ms'): string {
	return LIST_COLUMNS.map((c) => {
		const sql = COLUMN_SQL[c.key];
		if (c.type !== 'instant' || instants === 'iso') return `${sql} AS ${c.key}`;
		return `CAST(epoch_ms(${sql}) AS DOUBLE) AS ${c.key}`;
	}).join(', ');
}

/**
 * Known values of the list's text columns. Reading text out of DuckDB costs a string per cell;
 * the stream reads the position of each value in these lists instead (an integer) and turns it
 * back into text itself. A value not in a list (new since, or unbounded) comes as text beside it,
 * so the lists only make reading faster and never change what is read.
 */
async function listDictionaries(
	q: Queryable,
	scope: Scope
): Promise<Partial<Record<ListColumnKey, string[]>>> {
	const [o, extra] = await Promise.all([
		filterOptions(q, scope),
		q.one(
			`SELECT (SELECT list(DISTINCT source) FROM imports) AS sources,
			   (SELECT list(DISTINCT time_zone) FROM accounts) AS zones,
			   (SELECT list(DISTINCT name) FROM accounts) AS names`
		)
	]);
	const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
	return {
		source: list(extra?.sources),
		account: list(extra?.names),
		priority: o.priorities,
		tier: o.tiers,
		language: o.languages,
		channel: o.channels,
		type: o.types,
		verdict: ['met', 'missed', 'open_within', 'open_missed', 'excluded'],
		zone: [...new Set([...list(extra?.zones), 'Europe/Amsterdam'])]
	};
}

/**
 * The whole list behind a figure, chunk by chunk, in LIST_COLUMNS order: text as strings,
 * numbers and instants (epoch milliseconds) as numbers. What the Arrow stream sends.
 */
export async function* listChunks(
	store: Store,
	scope: Scope,
	f: ListFilters
): AsyncGenerator<{ columns: unknown[][]; rows: number }> {
	const dicts = await listDictionaries(store, scope);
	const lq = listQuery(f, scope);
	const params = [...lq.params];
	const select: string[] = [];
	const decode: ((cols: unknown[][], n: number) => unknown[])[] = [];
	for (const c of LIST_COLUMNS) {
		const sql = COLUMN_SQL[c.key];
		const dict = dicts[c.key];
		if (c.type === 'instant') {
			const i = select.push(`CAST(epoch_ms(${sql}) AS DOUBLE)`) - 1;
			decode.push((cols) => cols[i]);
		} else if (c.type !== 'text' || !dict?.length) {
			const i = select.push(sql) - 1;
			decode.push((cols) => cols[i]);
		} else {
			// the dictionary is a bound parameter: stored text never becomes SQL text
			const values = `$${params.push(JSON.stringify(dict))}::JSON::VARCHAR[]`;
			const pos = `list_position(${values}, ${sql})`;
			const i = select.push(`CAST(${pos} AS INTEGER)`) - 1;
			select.push(`CASE WHEN ${pos} IS NULL THEN ${sql} END`);
			decode.push((cols, n) => {
				const codes = cols[i];
				const raw = cols[i + 1];
				const out = new Array<unknown>(n);
				for (let r = 0; r < n; r++) {
					const code = codes[r];
					out[r] = typeof code === 'number' ? dict[code - 1] : raw[r];
				}
				return out;
			});
		}
	}
	const sql = `SELECT ${select.join(', ')} FROM ${lq.from} WHERE ${lq.where} ORDER BY ${lq.order}`;
	for await (const chunk of store.chunks(sql, params))
		yield { columns: decode.map((d) => d(chunk.columns, chunk.rows)), rows: chunk.rows };
}

export const PAGE_SIZE = 50;

/** One page of the list (1-based) and the total count. */
export async function listPage(
	q: Queryable,
	scope: Scope,
	f: ListFilters,
	page: number
): Promise<{ total: number; rows: ListRow[]; page: number; pages: number }> {
	const lq = listQuery(f, scope);
	const [countRow, rows] = await Promise.all([
		// the count needs the accounts only for a CSM filter
		q.one(`SELECT count(*) AS n FROM ${fromFor(f)} WHERE ${lq.where}`, lq.params),
		q.all(
			`SELECT ${listSelect('iso')} FROM ${lq.from} WHERE ${lq.where} ORDER BY ${lq.order}
			 LIMIT ${PAGE_SIZE} OFFSET $${lq.params.length + 1}::BIGINT`,
			[...lq.params, (Math.max(1, Math.floor(page)) - 1) * PAGE_SIZE]
		)
	]);
	const total = num(countRow?.n);
	return {
		total,
		rows: rows as unknown as ListRow[],
		page: Math.max(1, page),
		pages: Math.max(1, Math.ceil(total / PAGE_SIZE))
	};
}
