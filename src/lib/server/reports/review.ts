/**
 * The monthly operational review of one account (PRODUCT.md R3): what the CSM shows in the account
 * meeting and hands over as a document, and its finalised snapshot.
 *
 * Every figure counts the tickets CREATED in the month, months in the account's own zone
 * (ticket_sla.created_local_date, as every report), and uses the one attainment formula of
 * attainment.ts: met / (met + missed), open-and-missed counted as missed, open-within-target and
 * excluded tickets shown apart. Business-time medians and 90th percentiles are DuckDB's
 * quantile_cont over the business seconds of STOPPED clocks that count (verdict met or missed):
 * an open clock has no time yet and an excluded one (a feature request) is no measure of service.
 *
 * What the contract makes worth discussing depends on the model (PRODUCT.md):
 *  - model A: reclassifications submitted -> final priority (R5), reassessment requests (R10),
 *    feature requests (R6), external-problem tickets (R7), phone tickets without a valid PIN (R9);
 *  - model B: tickets raised by someone other than a registered single point of contact (R4),
 *    escalations between lines (R8).
 * Corrections (type, final priority, external, authorised contact) apply: effectiveTicketsSql().
 * Where the data cannot show something, the point says so in words (`notes`) and counts nothing.
 *
 * Finalising stores the whole ReviewData as the snapshot in `reviews`, with the agreements text;
 * a finalised review is shown from its snapshot, and `compareReviews` lists what the live data
 * would now change. After finalising the text is part of the record: edits are refused
 * (ReviewError), there is no reopening — what was presented stays what was presented.
 */
import type { Queryable, Row, Store } from '../db/index.ts';
import { scopeFilter, type Scope } from '../scope.ts';
import { effectiveTicketsSql } from '../sla/corrections.ts';
import { HISTORY_LISTS, loadCalendars } from '../sla/recompute.ts';
import { businessSecondsBetween } from '../../domain/calendar.ts';
import {
	addMonths,
	attainmentGoals,
	dataAsOf,
	DEFAULT_ATTAINMENT_GOAL,
	filterParams,
	type ComplianceFilters
} from './compliance.ts';
import type { ExportTable } from '../export/table-export.ts';
import { VOLUME_DIMENSIONS, type VolumeDimension } from '../../components/review/volume.ts';
import { trainingForAccount, type AccountTraining } from './training.ts';
import { accountChargeable, type ChargeableSummary } from '../billing/billing.ts';
import {
	formatDate,
	formatInstant,
	formatMonth,
	formatNumber,
	formatPercent
} from '../../components/format.ts';

export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
export const TREND_MONTHS = 12;
/**
 * Portfolio flag "many reclassifications" (model A, R5): at least this share of the month's
 * tickets with a submitted priority got another final priority, and at least MIN tickets.
 * Peil's default: the contracts name no number.
 */
export const RECLASSIFICATION_SHARE = 0.15;
export const RECLASSIFICATION_MIN = 3;

export class ReviewError extends Error {}

/* ------------------------------------------------------------------------------------- types */

export type Model = 'A' | 'B';

export interface ClockFigures {
	met: number;
	missed: number;
	openWithin: number;
	openMissed: number;
	excluded: number;
	attainment: number | null;
	/** stopped clocks that count (met or missed): what the median and p90 are taken over */
	stopped: number;
	medianHours: number | null;
	p90Hours: number | null;
}

export interface PriorityFigures {
	priority: string;
	tickets: number;
	firstResponse: ClockFigures;
	resolution: ClockFigures | null;
}

export interface PeriodFigures {
	month: string;
	tickets: number;
	firstResponse: ClockFigures;
	resolution: ClockFigures | null;
	byPriority: PriorityFigures[];
}

export interface VolumeRow {
	value: string;
	tickets: number;
	share: number;
	/** first-response attainment of these tickets */
	attainment: number | null;
	/** query string of the list behind the row (/compliance/tickets), where the list can filter */
	params: string | null;
}

export { VOLUME_DIMENSIONS, type VolumeDimension };

export interface TrendMonth {
	month: string;
	tickets: number;
	met: number;
	missed: number;
	attainment: number | null;
	resolutionAttainment: number | null;
	params: string;
}

export interface MissedTarget {
	source: string;
	externalId: string;
	subject: string | null;
	clock: 'first_response' | 'resolution';
	priority: string | null;
	tier: string | null;
	createdAt: string;
	/** business hours to the stop, or (still open) to the as-of instant */
	businessHours: number | null;
	targetHours: number | null;
	overHours: number | null;
	/** business time as a fraction of the target */
	ratio: number | null;
	open: boolean;
}

export interface PointTicket {
	source: string;
	externalId: string;
	subject: string | null;
	createdAt: string;
	detail: string;
}

export interface DiscussionPoint {
	key:
		| 'reclassifications'
		| 'reassessments'
		| 'feature_requests'
		| 'external'
		| 'phone_without_pin'
		| 'not_spoc'
		| 'escalations';
	title: string;
	rule: string;
	count: number;
	/** what the count is out of, in words ("of 41 tickets with a submitted priority") */
	context: string;
	/** a breakdown, e.g. "P3 -> P2: 4" */
	summary: { label: string; count: number }[];
	/** what the data could not show, in words */
	notes: string[];
	tickets: PointTicket[];
}

export interface ReviewData {
	account: {
		id: string;
		name: string;
		isSample: boolean;
		policyId: string | null;
		policyName: string | null;
		model: Model | null;
		modelWhy: string;
		timeZone: string;
		csm: string | null;
		accountManager: string | null;
	};
	month: string;
	previousMonth: string;
	lastYearMonth: string;
	asOf: string | null;
	goal: number;
	hasResolution: boolean;
	tiers: {
		/** tier history entries in force during the month: the one at its start and any change in it */
		history: { tier: string; from: string; changedInMonth: boolean }[];
		/** the tiers the engine measured the month's tickets against (R2 decides when a change counts) */
		measured: { tier: string; tickets: number }[];
	};
	arrears: { from: string; to: string | null; note: string | null }[];
	policyVersions: { policyId: string; version: number; tickets: number }[];
	figures: { current: PeriodFigures; previous: PeriodFigures; lastYear: PeriodFigures };
	volume: Record<VolumeDimension, VolumeRow[]>;
	trend: TrendMonth[];
	missed: MissedTarget[];
	discussion: DiscussionPoint[];
	/** from the training-needs view (training.ts): its flags for this account and month */
	training: { available: boolean; note: string; items: { reason: string; detail: string }[] };
	/** the month's chargeable work for the account (billing.ts); absent in older snapshots */
	chargeable?: ChargeableSummary | null;
}

export interface ReviewRecord {
	agreements: string;
	updatedBy: string | null;
	updatedAt: string | null;
	finalisedBy: string | null;
	finalisedAt: string | null;
	snapshot: ReviewSnapshot | null;
}

export interface ReviewSnapshot {
	version: 1;
	data: ReviewData;
	agreements: string;
	finalisedBy: string;
	finalisedAt: string;
}

/* ----------------------------------------------------------------------------------- helpers */

const num = (v: unknown) => Number(v ?? 0);
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const hoursOf = (s: unknown) => (s === null || s === undefined ? null : Number(s) / 3600);
const ratioOf = (met: number, missed: number) => (met + missed ? met / (met + missed) : null);

export function isMonth(m: string): boolean {
	return MONTH_RE.test(m);
}

/** Which contract model a policy follows, and why Peil thinks so. */
export function contractModel(
	policyId: string | null,
	body: { model?: unknown; settings?: Record<string, unknown> } | null
): { model: Model | null; why: string } {
	if (!policyId) return { model: null, why: 'the account has no policy yet' };
	if (body?.model === 'A' || body?.model === 'B')
		return { model: body.model, why: `policy ${policyId} says model ${body.model}` };
	if (policyId === 'model-a') return { model: 'A', why: 'built-in policy model A' };
	if (policyId === 'model-b') return { model: 'B', why: 'built-in policy model B' };
	if (body?.settings && 'onCallIncluded' in body.settings)
		return { model: 'B', why: `policy ${policyId} has on-call settings (R15), as model B` };
	const excluded = (body?.settings?.excludedTypes as { value?: unknown } | undefined)?.value;
	if (Array.isArray(excluded) && excluded.includes('feature_request'))
		return { model: 'A', why: `policy ${policyId} excludes feature requests (R6), as model A` };
	return {
		model: null,
		why: `policy ${policyId} does not say which contract model it follows: every point is shown`
	};
}

function emptyClock(): ClockFigures {
	return {
		met: 0,
		missed: 0,
		openWithin: 0,
		openMissed: 0,
		excluded: 0,
		attainment: null,
		stopped: 0,
		medianHours: null,
		p90Hours: null
	};
}

function clockOf(r: Row | undefined): ClockFigures {
	if (!r) return emptyClock();
	const met = num(r.met);
	const missed = num(r.missed);
	return {
		met,
		missed,
		openWithin: num(r.open_within),
		openMissed: num(r.open_missed),
		excluded: num(r.excluded),
		attainment: ratioOf(met, missed),
		stopped: num(r.stopped),
		medianHours: hoursOf(r.med),
		p90Hours: hoursOf(r.p90)
	};
}

const monthRange = (month: string) => ({ from: `${month}-01`, to: `${addMonths(month, 1)}-01` });

/** The list behind a figure on the compliance pages, for this account and month. */
function listParams(
	accountId: string,
	month: string,
	over: Partial<ComplianceFilters> = {},
	verdict?: string
): string {
	const f: ComplianceFilters = {
		clock: 'first_response',
		from: month,
		to: month,
		accounts: [accountId],
		tiers: [],
		priorities: [],
		types: [],
		languages: [],
		channels: [],
		csms: [],
		within: 4,
		...over
	};
	const p = filterParams(f);
	if (verdict) p.set('verdict', verdict);
	return p.toString();
}

/**
 * SQL: the keys of an account's tickets created in the given local-date ranges ([from, to) as
 * parameter references to yyyy-mm-dd), for a join with their verdicts. A creation date in any
 * account's zone lies within a day of the UTC instant, so the tickets are read two days either
 * side of each range (the verdicts' created_local_date decides); only a few of the tickets are
 * read, never all of them.
 */
function accountTickets(pAccount: string, ranges: [string, string][]): string {
	return `SELECT source, external_id FROM tickets WHERE account_id = ${pAccount} AND (${ranges
		.map(
			([f, t]) =>
				`(created_at >= ${f}::DATE::TIMESTAMPTZ - INTERVAL 2 DAY AND created_at < ${t}::DATE::TIMESTAMPTZ + INTERVAL 2 DAY)`
		)
		.join(' OR ')})`;
}

/**
 * SQL: the account's verdicts (ticket_sla rows, the given columns of `s`) of tickets created in the
 * given local-date ranges. A verdict carries its ticket's account, copied when it was judged
 * (migration 0004), so the verdicts are read alone; only verdicts written before that carry no
 * ticket columns (created_at is null), and those are matched to the account through their
 * tickets, as before (`legacy`: some exist).
 */
function accountVerdicts(
	legacy: boolean,
	cols: string,
	pAccount: string,
	ranges: [string, string][]
): string {
	const inRanges = ranges
		.map(([f, t]) => `(s.created_local_date >= ${f}::DATE AND s.created_local_date < ${t}::DATE)`)
		.join(' OR ');
	const own = `SELECT ${cols} FROM ticket_sla s WHERE s.account_id = ${pAccount} AND (${inRanges})`;
	if (!legacy) return own;
	return `${own} AND s.created_at IS NOT NULL
	  UNION ALL
	  SELECT ${cols} FROM ticket_sla s
	  JOIN (${accountTickets(pAccount, ranges)}) t ON t.source = s.source AND t.external_id = s.external_id
	  WHERE s.created_at IS NULL AND (${inRanges})`;
}

/** Whether some verdicts were written before ticket_sla carried the ticket's account. */
async function hasLegacyVerdicts(q: Queryable): Promise<boolean> {
	const r = await q.one(
		'SELECT EXISTS (SELECT 1 FROM ticket_sla WHERE created_at IS NULL) AS legacy'
	);
	return r?.legacy === true;
}

/** Code-point order, as DuckDB orders text. */
const byCodePoint = (a: string, b: string) => {
	const x = [...a];
	const y = [...b];
	for (let i = 0; i < Math.min(x.length, y.length); i++) {
		const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
		if (d) return d;
	}
	return x.length - y.length;
};

/** The tiers the month's tickets were measured against (first-response verdicts), most first. */
function measuredTiersOf(tickets: MonthTicket[]): ReviewData['tiers']['measured'] {
	const n = new Map<string, number>();
	for (const t of tickets) {
		const tier = t.tier ?? '(no tier)';
		n.set(tier, (n.get(tier) ?? 0) + 1);
	}
	return [...n]
		.sort(([a, x], [b, y]) => y - x || byCodePoint(a, b))
		.map(([tier, tickets]) => ({ tier, tickets }));
}

/* ------------------------------------------------------------------------------ the review */

/**
 * Everything the review page shows for one account and month (yyyy-mm, the account's zone).
 * Returns null when the account is not in the scope or does not exist.
 */
export async function reviewData(
	q: Queryable,
	scope: Scope,
	accountId: string,
	month: string
): Promise<ReviewData | null> {
	if (!isMonth(month)) throw new ReviewError(`month: "${month}" is not a month (yyyy-mm)`);
	const sc = scopeFilter(scope, 'a.id', 2);
	const previousMonth = addMonths(month, -1);
	const lastYearMonth = addMonths(month, -12);
	const { from, to } = monthRange(month);

	// the month's chargeable work (billing.ts), alongside the queries below
	const chargeable = accountChargeable(q, scope, accountId, month);
	chargeable.catch(() => {}); // awaited below; not unhandled when the review stops early
	// every query at once: the account's own rows are few, each query reads them alone; those of
	// its verdicts choose their SQL by whether verdicts older than migration 0004 exist
	const legacy = hasLegacyVerdicts(q);
	const [
		acc,
		goals,
		asOf,
		tierRows,
		arrearsRows,
		versions,
		figures,
		trend,
		volume,
		spocs,
		missed,
		training
	] = await Promise.all([
		q.one(
			`SELECT a.id, a.name, a.is_sample, a.policy_id, a.time_zone, a.csm, a.account_manager,
			   (SELECT p.name FROM policies p WHERE p.id = a.policy_id ORDER BY p.version DESC LIMIT 1) AS policy_name,
			   (SELECT p.body FROM policies p WHERE p.id = a.policy_id ORDER BY p.version DESC LIMIT 1) AS policy_body
			 FROM accounts a WHERE a.id = $1 AND ${sc.sql}`,
			[accountId, ...sc.params]
		),
		attainmentGoals(q),
		dataAsOf(q),
		q.all(
			'SELECT effective_from, tier FROM tier_history WHERE account_id = $1 ORDER BY effective_from',
			[accountId]
		),
		q.all(
			`SELECT from_date, to_date, note FROM arrears WHERE account_id = $1
			   AND from_date < $3::DATE AND (to_date IS NULL OR to_date >= $2::DATE) ORDER BY from_date`,
			[accountId, from, to]
		),
		legacy.then((l) =>
			q.all(
				`SELECT s.policy_id, s.policy_version, count(DISTINCT (s.source, s.external_id)) AS n
				 FROM (${accountVerdicts(l, 's.source, s.external_id, s.policy_id, s.policy_version', '$1', [['$2', '$3']])}) s
				 WHERE s.policy_id IS NOT NULL
				 GROUP BY 1, 2 ORDER BY 1, 2`,
				[accountId, from, to]
			)
		),
		legacy.then((l) => keyFigures(q, l, accountId, [month, previousMonth, lastYearMonth])),
		legacy.then((l) => trendOf(q, l, accountId, month)),
		monthTickets(q, accountId, month),
		q.all(
			`SELECT lower(trim(email)) AS email FROM contacts WHERE account_id = $1 AND is_spoc AND email IS NOT NULL`,
			[accountId]
		),
		legacy.then((l) => missedTargets(q, l, accountId, month)),
		trainingForAccount(q, scope, accountId, { from: month, to: month })
	]);
	if (!acc) return null;
	const policyId = str(acc.policy_id);
	const body = acc.policy_body
		? (JSON.parse(String(acc.policy_body)) as {
				model?: unknown;
				settings?: Record<string, unknown>;
				clocks?: { resolution?: unknown };
			})
		: null;
	const { model, why } = contractModel(policyId, body);
	const goal = goals.find((g) => g.policyId === policyId)?.goal ?? DEFAULT_ATTAINMENT_GOAL;
	// the policy has a resolution clock, or the month's tickets were measured on one
	const hasResolution =
		!!body?.clocks?.resolution || figures.some((f) => f.resolution && hasAny(f.resolution));

	// tiers: the entry in force on the first day and every change within the month
	const history: ReviewData['tiers']['history'] = [];
	let atStart: { tier: string; from: string } | null = null;
	for (const r of tierRows) {
		const f = String(r.effective_from);
		if (f <= from) atStart = { tier: String(r.tier), from: f };
		else if (f < to) history.push({ tier: String(r.tier), from: f, changedInMonth: true });
	}
	if (atStart) history.unshift({ ...atStart, changedInMonth: false });

	const byMonth = new Map(figures.map((f) => [f.month, f]));
	const figuresOf = (m: string): PeriodFigures => {
		const f = byMonth.get(m);
		if (!f)
			return {
				month: m,
				tickets: 0,
				firstResponse: emptyClock(),
				resolution: null,
				byPriority: []
			};
		return hasResolution
			? f
			: {
					...f,
					resolution: null,
					byPriority: f.byPriority.map((p) => ({ ...p, resolution: null }))
				};
	};

	return {
		account: {
			id: String(acc.id),
			name: String(acc.name),
			isSample: acc.is_sample === true,
			policyId,
			policyName: str(acc.policy_name),
			model,
			modelWhy: why,
			timeZone: String(acc.time_zone),
			csm: str(acc.csm),
			accountManager: str(acc.account_manager)
		},
		month,
		previousMonth,
		lastYearMonth,
		asOf,
		goal,
		hasResolution,
		tiers: {
			history,
			measured: measuredTiersOf(volume)
		},
		arrears: arrearsRows.map((r) => ({
			from: String(r.from_date),
			to: str(r.to_date),
			note: str(r.note)
		})),
		policyVersions: versions.map((r) => ({
			policyId: String(r.policy_id),
			version: num(r.policy_version),
			tickets: num(r.n)
		})),
		figures: {
			current: figuresOf(month),
			previous: figuresOf(previousMonth),
			lastYear: figuresOf(lastYearMonth)
		},
		volume: volumeOf(volume, accountId, month),
		trend: trend.map((t) => ({
			...t,
			resolutionAttainment: hasResolution ? t.resolutionAttainment : null
		})),
		missed,
		discussion: discussionPoints(
			volume,
			model,
			spocs.map((r) => String(r.email))
		),
		training: trainingSlot(training),
		chargeable: await chargeable
	};
}

/** The training-needs view's signals for the account and month, as the review shows them. */
function trainingSlot(t: AccountTraining | null): ReviewData['training'] {
	if (!t)
		return { available: true, note: 'No tickets in the month: no training signals.', items: [] };
	const parts = [
		`${formatNumber(t.howTo)} how-to ${t.howTo === 1 ? 'question' : 'questions'} of ${formatNumber(t.tickets)} tickets (${formatPercent(t.share)}).`,
		t.flags.length ? '' : 'No training signal fired this month.',
		t.training.latest
			? `Latest training record: ${t.training.latest.status} on ${formatDate(t.training.latest.onDate)}${t.training.latest.note ? ` (${t.training.latest.note})` : ''}.`
			: 'No training was recorded for this account.',
		t.training.chargeableFrom
			? `How-to questions chargeable from ${formatDate(t.training.chargeableFrom)}${t.training.chargeableReason ? `: ${t.training.chargeableReason}` : ''} (R20).`
			: '',
		...t.notes
	];
	return {
		available: true,
		note: parts.filter(Boolean).join(' '),
		items: t.flags.map((f) => ({ reason: f.label, detail: f.reason }))
	};
}

const hasAny = (c: ClockFigures) => c.met + c.missed + c.openWithin + c.excluded > 0;

/** Key figures of the given months, overall and per priority, for both clocks. */
async function keyFigures(
	q: Queryable,
	legacy: boolean,
	accountId: string,
	months: string[]
): Promise<(PeriodFigures & { month: string })[]> {
	const dates = months.map((m) => `${m}-01`);
	const rows = await q.all(
		`SELECT strftime(s.created_local_date, '%Y-%m') AS month, s.clock, s.priority,
		   GROUPING(s.priority) AS g,
		   count(*) AS n,
		   count(*) FILTER (s.verdict = 'met') AS met,
		   count(*) FILTER (s.verdict IN ('missed', 'open_missed')) AS missed,
		   count(*) FILTER (s.verdict = 'open_within') AS open_within,
		   count(*) FILTER (s.verdict = 'open_missed') AS open_missed,
		   count(*) FILTER (s.verdict = 'excluded') AS excluded,
		   count(*) FILTER (s.verdict IN ('met', 'missed') AND s.business_s IS NOT NULL) AS stopped,
		   median(s.business_s) FILTER (s.verdict IN ('met', 'missed') AND s.business_s IS NOT NULL) AS med,
		   quantile_cont(s.business_s, 0.9) FILTER (s.verdict IN ('met', 'missed') AND s.business_s IS NOT NULL) AS p90
		 FROM (${accountVerdicts(
				legacy,
				's.created_local_date, s.clock, s.priority, s.verdict, s.business_s',
				'$1',
				[
					['$2', '$5'],
					['$3', '$6'],
					['$4', '$7']
				]
			)}) s
		 GROUP BY GROUPING SETS ((strftime(s.created_local_date, '%Y-%m'), s.clock, s.priority), (strftime(s.created_local_date, '%Y-%m'), s.clock))`,
		[accountId, ...dates, ...months.map((m) => `${addMonths(m, 1)}-01`)]
	);
	return months.map((month) => {
		const of = (clock: string, priority: string | null | undefined) =>
			rows.find(
				(r) =>
					r.month === month &&
					r.clock === clock &&
					(priority === undefined ? num(r.g) === 1 : num(r.g) === 0 && str(r.priority) === priority)
			);
		const fr = of('first_response', undefined);
		const res = of('resolution', undefined);
		const priorities = [
			...new Set(
				rows
					.filter((r) => r.month === month && num(r.g) === 0 && r.clock === 'first_response')
					.map((r) => str(r.priority))
			)
		].sort((a, b) => (a ?? '~').localeCompare(b ?? '~'));
		return {
			month,
			tickets: num(fr?.n),
			firstResponse: clockOf(fr),
			resolution: res ? clockOf(res) : null,
			byPriority: priorities.map((p) => {
				const f = of('first_response', p);
				const r = of('resolution', p);
				return {
					priority: p ?? '(no priority)',
					tickets: num(f?.n),
					firstResponse: clockOf(f),
					resolution: r ? clockOf(r) : null
				};
			})
		};
	});
}

async function trendOf(
	q: Queryable,
	legacy: boolean,
	accountId: string,
	month: string
): Promise<TrendMonth[]> {
	const first = addMonths(month, -(TREND_MONTHS - 1));
	const rows = await q.all(
		`SELECT strftime(s.created_local_date, '%Y-%m') AS month, s.clock, count(*) AS n,
		   count(*) FILTER (s.verdict = 'met') AS met,
		   count(*) FILTER (s.verdict IN ('missed', 'open_missed')) AS missed
		 FROM (${accountVerdicts(legacy, 's.created_local_date, s.clock, s.verdict', '$1', [['$2', '$3']])}) s
		 GROUP BY 1, 2`,
		[accountId, `${first}-01`, `${addMonths(month, 1)}-01`]
	);
	const out: TrendMonth[] = [];
	for (let m = first; m <= month; m = addMonths(m, 1)) {
		const fr = rows.find((r) => r.month === m && r.clock === 'first_response');
		const res = rows.find((r) => r.month === m && r.clock === 'resolution');
		out.push({
			month: m,
			tickets: num(fr?.n),
			met: num(fr?.met),
			missed: num(fr?.missed),
			attainment: ratioOf(num(fr?.met), num(fr?.missed)),
			resolutionAttainment: res ? ratioOf(num(res.met), num(res.missed)) : null,
			params: listParams(accountId, m)
		});
	}
	return out;
}

/** Every missed target of the month (both clocks), furthest over first. */
async function missedTargets(
	q: Queryable,
	legacy: boolean,
	accountId: string,
	month: string
): Promise<MissedTarget[]> {
	const { from, to } = monthRange(month);
	const rows = await q.all(
		`SELECT s.source, s.external_id, t.subject, s.clock, s.priority, s.tier, t.created_at,
		   s.business_s, s.target_s, s.due_at, s.as_of, s.calendar_id, s.verdict
		 FROM (${accountVerdicts(
				legacy,
				's.source, s.external_id, s.clock, s.priority, s.tier, s.business_s, s.target_s, s.due_at, s.as_of, s.calendar_id, s.verdict',
				'$1',
				[['$2', '$3']]
			)}) s
		 JOIN tickets t ON t.source = s.source AND t.external_id = s.external_id
		   AND t.account_id = $1 AND t.created_at >= $2::DATE::TIMESTAMPTZ - INTERVAL 2 DAY
		   AND t.created_at < $3::DATE::TIMESTAMPTZ + INTERVAL 2 DAY
		 WHERE s.verdict IN ('missed', 'open_missed')`,
		[accountId, from, to]
	);
	const needCalendars = rows.some((r) => r.verdict === 'open_missed');
	const calendars = needCalendars ? await loadCalendars(q) : new Map();
	const out = rows.map((r): MissedTarget => {
		const open = r.verdict === 'open_missed';
		const target = r.target_s === null ? null : Number(r.target_s);
		let business = r.business_s === null ? null : Number(r.business_s);
		if (open && target !== null && r.due_at && r.as_of) {
			// still open: business time to the as-of instant = target + the open time since it was due
			const cal = calendars.get(String(r.calendar_id));
			const due = new Date(String(r.due_at));
			const asOf = new Date(String(r.as_of));
			const over = cal
				? businessSecondsBetween(cal, due, asOf)
				: Math.max(0, asOf.getTime() - due.getTime()) / 1000;
			business = target + over;
		}
		return {
			source: String(r.source),
			externalId: String(r.external_id),
			subject: str(r.subject),
			clock: r.clock === 'resolution' ? 'resolution' : 'first_response',
			priority: str(r.priority),
			tier: str(r.tier),
			createdAt: String(r.created_at),
			businessHours: business === null ? null : business / 3600,
			targetHours: target === null ? null : target / 3600,
			overHours: business === null || target === null ? null : (business - target) / 3600,
			ratio: business === null || !target ? null : business / target,
			open
		};
	});
	return out.sort(
		(a, b) =>
			(b.ratio ?? -1) - (a.ratio ?? -1) ||
			a.createdAt.localeCompare(b.createdAt) ||
			a.externalId.localeCompare(b.externalId)
	);
}

/** One row per ticket created in the month, with what the volume and discussion points read. */
interface MonthTicket {
	source: string;
	externalId: string;
	subject: string | null;
	createdAt: string;
	priority: string | null;
	/** the tier the first-response clock was measured against */
	tier: string | null;
	submitted: string | null;
	final: string | null;
	type: string | null;
	category: string | null;
	channel: string | null;
	language: string | null;
	verdict: string;
	pinValid: boolean | null;
	requesterEmail: string | null;
	requesterName: string | null;
	line: string | null;
	tags: string[];
	externalFlag: boolean;
	authorised: string | null;
	corrected: string[];
	/** whether the ticket has a status history (any event) */
	hasHistory: boolean;
	reassessments: { at: string; actor: string | null }[];
	lines: { at: string; from: string | null; to: string | null; actor: string | null }[];
}

async function monthTickets(
	q: Queryable,
	accountId: string,
	month: string
): Promise<MonthTicket[]> {
	const { from, to } = monthRange(month);
	const m = `WITH eff AS (${effectiveTicketsSql()}),
		 m AS (
		   SELECT t.source, t.external_id, t.subject, t.created_at, s.priority, s.tier, t.submitted_priority,
		     t.final_priority, t.type, t.category, t.channel, s.language, s.verdict, t.phone_pin_valid,
		     t.requester_email, t.requester_name, t.line, t.tags, t.external_flag, t.authorised_contact,
		     t.corrected, s.has_events, s.reassessments, s.line_changes
		   FROM ticket_sla s JOIN eff t ON t.source = s.source AND t.external_id = s.external_id
		   WHERE t.account_id = $1 AND s.clock = 'first_response'
		     AND t.created_at >= $2::DATE::TIMESTAMPTZ - INTERVAL 2 DAY AND t.created_at < $3::DATE::TIMESTAMPTZ + INTERVAL 2 DAY
		     AND s.created_local_date >= $2::DATE AND s.created_local_date < $3::DATE
		     -- the account the verdict carries (migration 0004; none before it): a first cut, the join decides
		     AND (s.account_id = $1 OR s.created_at IS NULL)
		 )`;
	// One JSON text per ticket: parsing it costs a fraction of reading ~20 columns value by value.
	// Instants go as epoch milliseconds and become ISO text here, as the store's rows give them.
	// What the status history shows (whether there is one, reassessment requests, changes of line)
	// the engine stored with the verdict (recompute.ts): no event is read for it here.
	const rows = await q.all(
		`${m}
		 SELECT to_json({
		   'source': m.source, 'external_id': m.external_id, 'subject': m.subject,
		   'created_ms': epoch_ms(m.created_at), 'priority': m.priority, 'tier': m.tier,
		   'submitted_priority': m.submitted_priority, 'final_priority': m.final_priority, 'type': m.type,
		   'category': m.category, 'channel': m.channel, 'language': m.language, 'verdict': m.verdict,
		   'phone_pin_valid': m.phone_pin_valid, 'requester_email': m.requester_email,
		   'requester_name': m.requester_name, 'line': m.line, 'tags': m.tags, 'external_flag': m.external_flag,
		   'authorised_contact': m.authorised_contact, 'corrected': m.corrected,
		   'has_events': m.has_events, 'reassessments': m.reassessments, 'lines': m.line_changes
		 }) AS j
		 FROM m
		 ORDER BY m.created_at, m.source, m.external_id`,
		[accountId, from, to]
	);
	const parsed = rows.map((row) => JSON.parse(String(row.j)) as Row);
	// verdicts written before the engine stored those facts: the same facts from the events of
	// just those tickets (the tickets without an event are not in the result: no history)
	if (parsed.some((r) => r.has_events === null)) {
		const history = new Map<string, Row>();
		for (const row of await q.all(
			`${m}
			 SELECT to_json({'source': e.source, 'external_id': e.ticket_id,
			   'reassessments': ${HISTORY_LISTS.reassessments}, 'lines': ${HISTORY_LISTS.lineChanges}}) AS j
			 FROM ticket_events e SEMI JOIN (SELECT * FROM m WHERE m.has_events IS NULL) m
			   ON m.source = e.source AND m.external_id = e.ticket_id
			 GROUP BY e.source, e.ticket_id`,
			[accountId, from, to]
		)) {
			const h = JSON.parse(String(row.j)) as Row;
			history.set(`${h.source}\u0000${h.external_id}`, h);
		}
		for (const r of parsed) {
			if (r.has_events !== null) continue;
			const h = history.get(`${r.source}\u0000${r.external_id}`);
			r.has_events = h !== undefined;
			r.reassessments = h?.reassessments ?? null;
			r.lines = h?.lines ?? null;
		}
	}
	const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
	const iso = (ms: unknown) => new Date(Number(ms)).toISOString();
	return parsed.map((r) => {
		return {
			source: String(r.source),
			externalId: String(r.external_id),
			subject: str(r.subject),
			createdAt: iso(r.created_ms),
			priority: str(r.priority),
			tier: str(r.tier),
			submitted: str(r.submitted_priority),
			final: str(r.final_priority),
			type: str(r.type),
			category: str(r.category),
			channel: str(r.channel),
			language: str(r.language),
			verdict: String(r.verdict),
			pinValid: r.phone_pin_valid === null ? null : r.phone_pin_valid === true,
			requesterEmail: str(r.requester_email),
			requesterName: str(r.requester_name),
			line: str(r.line),
			tags: (str(r.tags) ?? '')
				.toLowerCase()
				.split(/[\s,;]+/)
				.filter(Boolean),
			externalFlag: r.external_flag === true,
			authorised: str(r.authorised_contact),
			corrected: list<string>(r.corrected).map(String),
			hasHistory: r.has_events === true,
			reassessments: list<Row>(r.reassessments).map((x) => ({
				at: iso(x.at),
				actor: str(x.actor)
			})),
			lines: list<Row>(r.lines).map((x) => ({
				at: iso(x.at),
				from: str(x.from),
				to: str(x.to),
				actor: str(x.actor)
			}))
		};
	});
}

function volumeOf(
	tickets: MonthTicket[],
	accountId: string,
	month: string
): Record<VolumeDimension, VolumeRow[]> {
	const filterOf: Partial<Record<VolumeDimension, keyof ComplianceFilters>> = {
		priority: 'priorities',
		type: 'types',
		channel: 'channels',
		language: 'languages'
	};
	const out = {} as Record<VolumeDimension, VolumeRow[]>;
	for (const { key } of VOLUME_DIMENSIONS) {
		const groups = new Map<string | null, { n: number; met: number; missed: number }>();
		for (const t of tickets) {
			const v = t[key];
			const g = groups.get(v) ?? { n: 0, met: 0, missed: 0 };
			g.n++;
			if (t.verdict === 'met') g.met++;
			else if (t.verdict === 'missed' || t.verdict === 'open_missed') g.missed++;
			groups.set(v, g);
		}
		const field = filterOf[key];
		out[key] = [...groups]
			.map(([value, g]) => ({
				value: value ?? `(no ${key})`,
				tickets: g.n,
				share: tickets.length ? g.n / tickets.length : 0,
				attainment: ratioOf(g.met, g.missed),
				params: field && value !== null ? listParams(accountId, month, { [field]: [value] }) : null
			}))
			.sort((a, b) => b.tickets - a.tickets || a.value.localeCompare(b.value));
	}
	return out;
}

const pt = (t: MonthTicket, detail: string): PointTicket => ({
	source: t.source,
	externalId: t.externalId,
	subject: t.subject,
	createdAt: t.createdAt,
	detail
});

function countBy(labels: string[]): { label: string; count: number }[] {
	const m = new Map<string, number>();
	for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
	return [...m]
		.map(([label, count]) => ({ label, count }))
		.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The contract's discussion points for the month's tickets, per model (model null: all). */
function discussionPoints(
	tickets: MonthTicket[],
	model: Model | null,
	spocEmails: string[]
): DiscussionPoint[] {
	const out: DiscussionPoint[] = [];
	const n = tickets.length;
	const withEvents = tickets.filter((t) => t.hasHistory).length;

	if (model !== 'B') {
		// R5: submitted -> final priority (corrections of the final priority apply)
		const known = tickets.filter((t) => t.submitted !== null && t.final !== null);
		const re = known.filter((t) => t.submitted !== t.final);
		const notes: string[] = [];
		const unknown = n - known.length;
		if (unknown > 0)
			notes.push(
				`${plural(unknown, 'ticket has', 'tickets have')} no submitted priority in the export: whether ${unknown === 1 ? 'it was' : 'they were'} reclassified cannot be told.`
			);
		out.push({
			key: 'reclassifications',
			title: 'Reclassifications (submitted → final priority)',
			rule: 'R5',
			count: re.length,
			context: `of ${plural(known.length, 'ticket', 'tickets')} with a submitted priority`,
			summary: countBy(re.map((t) => `${t.submitted} → ${t.final}`)),
			notes,
			tickets: re.map((t) =>
				pt(
					t,
					`${t.submitted} → ${t.final}${t.corrected.includes('final_priority') ? ' (final priority corrected in Peil)' : ''}`
				)
			)
		});

		// R10: reassessment requests — status-history events of kind "reassessment", or the tag
		const rs = tickets.filter((t) => t.reassessments.length > 0 || t.tags.includes('reassessment'));
		const rNotes: string[] = [];
		if (n > 0 && withEvents === 0)
			rNotes.push(
				'No status history was imported for these tickets: reassessment requests are known only where the export tags a ticket "reassessment".'
			);
		else if (withEvents < n)
			rNotes.push(
				`${plural(n - withEvents, 'ticket has', 'tickets have')} no status history: ${n - withEvents === 1 ? 'its' : 'their'} reassessment requests are known only from a "reassessment" tag.`
			);
		out.push({
			key: 'reassessments',
			title: 'Reassessment requests',
			rule: 'R10',
			count: rs.length,
			context: `of ${plural(n, 'ticket', 'tickets')}`,
			summary: [],
			notes: rNotes,
			tickets: rs.map((t) =>
				pt(
					t,
					t.reassessments.length
						? `requested ${t.reassessments.map((r) => formatInstant(r.at)).join(', ')}${t.reassessments[0].actor ? ` by ${t.reassessments[0].actor}` : ''}`
						: 'tagged "reassessment" in the export (no time)'
				)
			)
		});

		// R6: feature requests (type as corrected)
		const fr = tickets.filter((t) => t.type === 'feature_request');
		out.push({
			key: 'feature_requests',
			title: 'Feature requests logged',
			rule: 'R6',
			count: fr.length,
			context: 'recorded and closed; not counted in attainment',
			summary: countBy(fr.map((t) => t.category ?? '(no category)')),
			notes: [],
			tickets: fr.map((t) => pt(t, t.category ? `category ${t.category}` : ''))
		});

		// R7: external problems (type "external" or marked external by a correction)
		const ex = tickets.filter((t) => t.type === 'external' || t.externalFlag);
		out.push({
			key: 'external',
			title: 'External-problem tickets',
			rule: 'R7',
			count: ex.length,
			context: 'browser, operating system, printers, network, …: not counted in attainment',
			summary: countBy(ex.map((t) => t.category ?? '(no category)')),
			notes: [],
			tickets: ex.map((t) =>
				pt(
					t,
					`${t.category ? `category ${t.category}` : ''}${t.externalFlag ? `${t.category ? '; ' : ''}marked external in Peil` : ''}`
				)
			)
		});

		// R9: phone tickets without a valid PIN
		const phone = tickets.filter((t) => t.channel === 'phone');
		const noPin = phone.filter((t) => t.pinValid === false);
		const pinUnknown = phone.filter((t) => t.pinValid === null).length;
		out.push({
			key: 'phone_without_pin',
			title: 'Phone tickets without a valid PIN',
			rule: 'R9',
			count: noPin.length,
			context: `of ${plural(phone.length, 'phone ticket', 'phone tickets')}`,
			summary: [],
			notes: pinUnknown
				? [
						`${plural(pinUnknown, 'phone ticket does', 'phone tickets do')} not say whether the PIN was valid: not counted.`
					]
				: [],
			tickets: noPin.map((t) => pt(t, 'no valid PIN'))
		});
	}

	if (model !== 'A') {
		// R4: raised by someone other than a registered single point of contact
		const spoc = new Set(spocEmails);
		const notes: string[] = [];
		let flagged: MonthTicket[] = [];
		let judged = 0;
		if (!spoc.size) {
			// only a correction can say
			flagged = tickets.filter((t) => t.authorised === 'false');
			notes.push(
				'No single point of contact is registered for this account (add one on the account page, marked with "!"): only tickets corrected as "not an authorised contact" are counted.'
			);
		} else {
			const noRequester = tickets.filter((t) => t.authorised === null && !t.requesterEmail).length;
			for (const t of tickets) {
				if (t.authorised === 'true') {
					judged++;
					continue;
				}
				if (t.authorised === 'false') {
					judged++;
					flagged.push(t);
					continue;
				}
				if (!t.requesterEmail) continue;
				judged++;
				if (!spoc.has(t.requesterEmail.trim().toLowerCase())) flagged.push(t);
			}
			if (noRequester)
				notes.push(
					`${plural(noRequester, 'ticket has', 'tickets have')} no requester e-mail in the export: who raised ${noRequester === 1 ? 'it' : 'them'} cannot be told.`
				);
		}
		out.push({
			key: 'not_spoc',
			title: 'Raised by someone other than a single point of contact',
			rule: 'R4',
			count: flagged.length,
			context: `of ${plural(spoc.size ? judged : n, 'ticket', 'tickets')}${spoc.size ? ' whose requester is known' : ''}`,
			summary: countBy(flagged.map((t) => t.requesterName ?? t.requesterEmail ?? '(unknown)')),
			notes,
			tickets: flagged.map((t) =>
				pt(
					t,
					`${t.requesterName ?? ''}${t.requesterEmail ? ` <${t.requesterEmail}>` : ''}${t.authorised === 'false' ? ' (corrected in Peil: not an authorised contact)' : ''}`.trim()
				)
			)
		});

		// R8: escalations between lines — "line" events, or the line the export gives
		const esc = tickets.filter(
			(t) => t.lines.length > 0 || (t.line !== null && t.line !== '1' && t.line !== '')
		);
		const eNotes: string[] = [];
		const fromExportOnly = esc.filter((t) => t.lines.length === 0).length;
		if (fromExportOnly)
			eNotes.push(
				`${plural(fromExportOnly, 'escalation is', 'escalations are')} known only from the line the export gives (no status history): when ${fromExportOnly === 1 ? 'it' : 'they'} happened cannot be shown.`
			);
		if (n > 0 && withEvents === 0 && !tickets.some((t) => t.line !== null))
			eNotes.push(
				'Neither a status history nor a line is in the export: escalations cannot be shown.'
			);
		out.push({
			key: 'escalations',
			title: 'Escalations between lines',
			rule: 'R8',
			count: esc.length,
			context: `of ${plural(n, 'ticket', 'tickets')}`,
			summary: countBy(
				esc.flatMap((t) =>
					t.lines.length
						? t.lines.map((l) => `line ${l.from ?? '?'} → ${l.to ?? '?'}`)
						: [`to line ${t.line}`]
				)
			),
			notes: eNotes,
			tickets: esc.map((t) =>
				pt(
					t,
					t.lines.length
						? t.lines
								.map(
									(l) =>
										`line ${l.from ?? '?'} → ${l.to ?? '?'} at ${formatInstant(l.at)}${l.actor ? ` by ${l.actor}` : ''}`
								)
								.join('; ')
						: `line ${t.line} (from the export)`
				)
			)
		});
	}
	return out;
}

/* ------------------------------------------------------------------- the record: draft, final */

export async function getReview(
	q: Queryable,
	accountId: string,
	month: string
): Promise<ReviewRecord | null> {
	const r = await q.one(
		`SELECT agreements, updated_by, updated_at, finalised_by, finalised_at, snapshot FROM reviews WHERE account_id = $1 AND month = $2`,
		[accountId, month]
	);
	if (!r) return null;
	return {
		agreements: str(r.agreements) ?? '',
		updatedBy: str(r.updated_by),
		updatedAt: str(r.updated_at),
		finalisedBy: str(r.finalised_by),
		finalisedAt: str(r.finalised_at),
		snapshot: r.snapshot ? (JSON.parse(String(r.snapshot)) as ReviewSnapshot) : null
	};
}

function checkWho(by: string): string {
	const who = by.trim();
	if (!who)
		throw new ReviewError('Give your name: the review records who wrote and who finalised it.');
	return who;
}

/** Save the draft "agreements and actions" text. Refused once the review is finalised. */
export async function saveAgreements(
	store: Store,
	accountId: string,
	month: string,
	text: string,
	by: string
): Promise<void> {
	if (!isMonth(month)) throw new ReviewError(`month: "${month}" is not a month (yyyy-mm)`);
	const who = checkWho(by);
	await store.write(async (tx) => {
		const acc = await tx.one('SELECT 1 AS x FROM accounts WHERE id = $1', [accountId]);
		if (!acc) throw new ReviewError(`There is no account "${accountId}".`);
		const r = await tx.one(
			'SELECT finalised_at FROM reviews WHERE account_id = $1 AND month = $2',
			[accountId, month]
		);
		if (r?.finalised_at)
			throw new ReviewError(
				`This review was finalised on ${String(r.finalised_at)}: its agreements are part of what was presented and can no longer be changed. Record new agreements in next month's review.`
			);
		await tx.run(
			`INSERT INTO reviews (account_id, month, agreements, updated_by, updated_at) VALUES ($1, $2, $3, $4, now())
			 ON CONFLICT (account_id, month) DO UPDATE SET agreements = excluded.agreements, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			[accountId, month, text, who]
		);
	});
}

/**
 * Finalise: store everything the review shows now (figures, policy versions, as-of instant) and
 * the agreements text as the snapshot. `agreements`, when given, is saved with it. Refused when
 * the review is already finalised. Returns the snapshot.
 */
export async function finaliseReview(
	store: Store,
	accountId: string,
	month: string,
	by: string,
	opts: { agreements?: string; scope?: Scope } = {}
): Promise<ReviewSnapshot> {
	const who = checkWho(by);
	const data = await reviewData(store, opts.scope ?? { kind: 'all' }, accountId, month);
	if (!data) throw new ReviewError(`There is no account "${accountId}".`);
	return store.write(async (tx) => {
		const r = await tx.one(
			'SELECT agreements, finalised_at FROM reviews WHERE account_id = $1 AND month = $2',
			[accountId, month]
		);
		if (r?.finalised_at)
			throw new ReviewError(`This review was already finalised on ${String(r.finalised_at)}.`);
		const agreements = opts.agreements ?? str(r?.agreements) ?? '';
		const now = await tx.one(`SELECT now() AS at`);
		const snapshot: ReviewSnapshot = {
			version: 1,
			data,
			agreements,
			finalisedBy: who,
			finalisedAt: String(now?.at)
		};
		await tx.run(
			`INSERT INTO reviews (account_id, month, agreements, updated_by, updated_at, finalised_by, finalised_at, snapshot)
			 VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $4, $5::TIMESTAMPTZ, $6)
			 ON CONFLICT (account_id, month) DO UPDATE SET agreements = excluded.agreements,
			   updated_by = excluded.updated_by, updated_at = excluded.updated_at,
			   finalised_by = excluded.finalised_by, finalised_at = excluded.finalised_at, snapshot = excluded.snapshot`,
			[accountId, month, agreements, who, snapshot.finalisedAt, JSON.stringify(snapshot)]
		);
		return snapshot;
	});
}

/* ------------------------------------------------------------------- what the live data changes */

export interface Change {
	what: string;
	kind: 'count' | 'percent' | 'hours' | 'instant' | 'text';
	before: number | string | null;
	after: number | string | null;
}

/** What the live data would change in a finalised review: every figure that differs, old -> new. */
export function compareReviews(before: ReviewData, after: ReviewData): Change[] {
	const out: Change[] = [];
	const same = (a: unknown, b: unknown) =>
		typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) < 1e-9 : a === b;
	const add = (what: string, kind: Change['kind'], a: Change['before'], b: Change['after']) => {
		if (!same(a ?? null, b ?? null)) out.push({ what, kind, before: a ?? null, after: b ?? null });
	};
	add('Data up to', 'instant', before.asOf, after.asOf);
	const clock = (label: string, a: ClockFigures | null, b: ClockFigures | null) => {
		add(`${label}: attainment`, 'percent', a?.attainment ?? null, b?.attainment ?? null);
		add(`${label}: met`, 'count', a?.met ?? null, b?.met ?? null);
		add(`${label}: missed`, 'count', a?.missed ?? null, b?.missed ?? null);
		add(`${label}: open within target`, 'count', a?.openWithin ?? null, b?.openWithin ?? null);
		add(`${label}: excluded`, 'count', a?.excluded ?? null, b?.excluded ?? null);
		add(`${label}: median business hours`, 'hours', a?.medianHours ?? null, b?.medianHours ?? null);
		add(
			`${label}: 90th percentile business hours`,
			'hours',
			a?.p90Hours ?? null,
			b?.p90Hours ?? null
		);
	};
	for (const [key, label] of [
		['current', formatMonth(before.month)],
		['previous', formatMonth(before.previousMonth)],
		['lastYear', formatMonth(before.lastYearMonth)]
	] as const) {
		const a = before.figures[key];
		const b = after.figures[key];
		add(`${label}: tickets`, 'count', a.tickets, b.tickets);
		clock(`${label}, first response`, a.firstResponse, b.firstResponse);
		if (before.hasResolution || after.hasResolution)
			clock(`${label}, resolution`, a.resolution, b.resolution);
		const priorities = [
			...new Set([...a.byPriority, ...b.byPriority].map((p) => p.priority))
		].sort();
		for (const p of priorities) {
			const pa = a.byPriority.find((x) => x.priority === p);
			const pb = b.byPriority.find((x) => x.priority === p);
			add(`${label}, ${p}: tickets`, 'count', pa?.tickets ?? 0, pb?.tickets ?? 0);
			clock(`${label}, ${p}, first response`, pa?.firstResponse ?? null, pb?.firstResponse ?? null);
			if (before.hasResolution || after.hasResolution)
				clock(`${label}, ${p}, resolution`, pa?.resolution ?? null, pb?.resolution ?? null);
		}
	}
	for (const { key, label } of VOLUME_DIMENSIONS) {
		const values = [
			...new Set([...before.volume[key], ...after.volume[key]].map((r) => r.value))
		].sort();
		for (const v of values)
			add(
				`Volume by ${label.toLowerCase()}, ${v}: tickets`,
				'count',
				before.volume[key].find((r) => r.value === v)?.tickets ?? 0,
				after.volume[key].find((r) => r.value === v)?.tickets ?? 0
			);
	}
	for (const t of after.trend) {
		const a = before.trend.find((x) => x.month === t.month);
		if (!a) continue;
		add(
			`Trend ${formatMonth(t.month)}: first-response attainment`,
			'percent',
			a.attainment,
			t.attainment
		);
		add(`Trend ${formatMonth(t.month)}: tickets`, 'count', a.tickets, t.tickets);
	}
	const key = (m: MissedTarget) =>
		`${m.source}/${m.externalId} (${m.clock === 'resolution' ? 'resolution' : 'first response'})`;
	const ka = new Set(before.missed.map(key));
	const kb = new Set(after.missed.map(key));
	add('Missed targets', 'count', before.missed.length, after.missed.length);
	const gone = [...ka].filter((k) => !kb.has(k));
	const come = [...kb].filter((k) => !ka.has(k));
	if (come.length)
		out.push({
			what: 'Missed targets now also',
			kind: 'text',
			before: null,
			after: come.join(', ')
		});
	if (gone.length)
		out.push({
			what: 'Missed targets no longer',
			kind: 'text',
			before: gone.join(', '),
			after: null
		});
	for (const p of [...new Set([...before.discussion, ...after.discussion].map((d) => d.key))]) {
		const a = before.discussion.find((d) => d.key === p);
		const b = after.discussion.find((d) => d.key === p);
		add(`${(a ?? b)!.title} (${(a ?? b)!.rule})`, 'count', a?.count ?? null, b?.count ?? null);
	}
	const tr = (d: ReviewData) => d.training.items.map((i) => i.reason).join(', ') || 'none';
	add('Training recommendations', 'text', tr(before), tr(after));
	const ch = (d: ReviewData) =>
		d.chargeable ? `${(d.chargeable.netCents / 100).toFixed(2)} ${d.chargeable.currency}` : '—';
	add('Chargeable work: amount excl. VAT', 'text', ch(before), ch(after));
	add(
		'Chargeable work: billable hours',
		'hours',
		before.chargeable?.billableHours ?? null,
		after.chargeable?.billableHours ?? null
	);
	const pv = (d: ReviewData) =>
		d.policyVersions.map((v) => `${v.policyId} v${v.version}: ${v.tickets}`).join(', ') || '—';
	add('Policy versions used', 'text', pv(before), pv(after));
	const tiers = (d: ReviewData) =>
		d.tiers.measured.map((t) => `${t.tier}: ${t.tickets}`).join(', ') || '—';
	add('Tiers measured against', 'text', tiers(before), tiers(after));
	return out;
}

/* --------------------------------------------------------------------------- the portfolio */

export interface PortfolioRow {
	accountId: string;
	name: string;
	isSample: boolean;
	csm: string | null;
	policyId: string | null;
	model: Model | null;
	tickets: number;
	met: number;
	missed: number;
	attainment: number | null;
	resolutionAttainment: number | null;
	goal: number;
	missedP1: number;
	reclassified: number;
	withSubmitted: number;
	arrears: { from: string; to: string | null }[];
	finalisedAt: string | null;
	finalisedBy: string | null;
	draft: boolean;
	/** why the account needs attention, in words; empty when it does not */
	reasons: string[];
}

export interface Portfolio {
	month: string;
	csm: string | null;
	csms: string[];
	asOf: string | null;
	rows: PortfolioRow[];
}

/** A CSM's accounts (all when csm is null) for a month, with attainment and attention flags. */
export async function portfolio(
	q: Queryable,
	scope: Scope,
	month: string,
	csm: string | null
): Promise<Portfolio> {
	if (!isMonth(month)) throw new ReviewError(`month: "${month}" is not a month (yyyy-mm)`);
	const { from, to } = monthRange(month);
	const sc = scopeFilter(scope, 'a.id', 4);
	const [rows, goals, asOf, csmRows] = await Promise.all([
		q.all(
			`WITH eff AS (${effectiveTicketsSql()}),
			 m AS (
			   SELECT t.account_id, s.clock, s.verdict, s.priority, t.submitted_priority, t.final_priority
			   FROM ticket_sla s JOIN eff t ON t.source = s.source AND t.external_id = s.external_id
			   WHERE s.created_local_date >= $1::DATE AND s.created_local_date < $2::DATE
			 ),
			 agg AS (
			   SELECT account_id,
			     count(*) FILTER (clock = 'first_response') AS tickets,
			     count(*) FILTER (clock = 'first_response' AND verdict = 'met') AS met,
			     count(*) FILTER (clock = 'first_response' AND verdict IN ('missed', 'open_missed')) AS missed,
			     count(*) FILTER (clock = 'resolution' AND verdict = 'met') AS r_met,
			     count(*) FILTER (clock = 'resolution' AND verdict IN ('missed', 'open_missed')) AS r_missed,
			     count(*) FILTER (clock = 'first_response' AND priority = 'P1' AND verdict IN ('missed', 'open_missed')) AS missed_p1,
			     count(*) FILTER (clock = 'first_response' AND submitted_priority IS NOT NULL AND final_priority IS NOT NULL) AS with_submitted,
			     count(*) FILTER (clock = 'first_response' AND submitted_priority IS NOT NULL AND final_priority IS NOT NULL AND submitted_priority <> final_priority) AS reclassified
			   FROM m GROUP BY account_id
			 )
			 SELECT a.id, a.name, a.is_sample, a.csm, a.policy_id,
			   (SELECT p.body FROM policies p WHERE p.id = a.policy_id ORDER BY p.version DESC LIMIT 1) AS policy_body,
			   COALESCE(agg.tickets, 0) AS tickets, COALESCE(agg.met, 0) AS met, COALESCE(agg.missed, 0) AS missed,
			   COALESCE(agg.r_met, 0) AS r_met, COALESCE(agg.r_missed, 0) AS r_missed,
			   COALESCE(agg.missed_p1, 0) AS missed_p1, COALESCE(agg.with_submitted, 0) AS with_submitted,
			   COALESCE(agg.reclassified, 0) AS reclassified,
			   (SELECT list({'from': r.from_date, 'to': r.to_date} ORDER BY r.from_date) FROM arrears r
			     WHERE r.account_id = a.id AND r.from_date < $2::DATE AND (r.to_date IS NULL OR r.to_date >= $1::DATE)) AS arrears,
			   rv.finalised_at, rv.finalised_by, rv.account_id IS NOT NULL AS has_review
			 FROM accounts a LEFT JOIN agg ON agg.account_id = a.id
			 LEFT JOIN reviews rv ON rv.account_id = a.id AND rv.month = $3
			 WHERE a.status = 'active' AND ${sc.sql}
			 ORDER BY lower(a.name)`,
			[from, to, month, ...sc.params]
		),
		attainmentGoals(q),
		dataAsOf(q),
		q.all(
			`SELECT DISTINCT a.csm FROM accounts a WHERE a.csm IS NOT NULL AND a.csm <> '' AND ${scopeFilter(scope, 'a.id', 1).sql} ORDER BY 1`,
			scopeFilter(scope, 'a.id', 1).params
		)
	]);
	const goalOf = new Map(goals.map((g) => [g.policyId, g.goal]));
	const out: PortfolioRow[] = [];
	for (const r of rows) {
		if (csm !== null && str(r.csm) !== csm) continue;
		const policyId = str(r.policy_id);
		const body = r.policy_body ? JSON.parse(String(r.policy_body)) : null;
		const { model } = contractModel(policyId, body);
		const met = num(r.met);
		const missed = num(r.missed);
		const attainment = ratioOf(met, missed);
		const goal = (policyId && goalOf.get(policyId)) || DEFAULT_ATTAINMENT_GOAL;
		const arrears = (Array.isArray(r.arrears) ? (r.arrears as Row[]) : []).map((x) => ({
			from: String(x.from),
			to: str(x.to)
		}));
		const missedP1 = num(r.missed_p1);
		const reclassified = num(r.reclassified);
		const withSubmitted = num(r.with_submitted);
		const resolutionAttainment = ratioOf(num(r.r_met), num(r.r_missed));
		const reasons: string[] = [];
		if (attainment !== null && attainment < goal)
			reasons.push(
				`first-response attainment ${formatPercent(attainment)} is below the goal of ${formatPercent(goal)}`
			);
		if (resolutionAttainment !== null && resolutionAttainment < goal)
			reasons.push(
				`resolution attainment ${formatPercent(resolutionAttainment)} is below the goal of ${formatPercent(goal)}`
			);
		if (missedP1 > 0)
			reasons.push(
				`${plural(missedP1, 'P1 ticket', 'P1 tickets')} missed the first-response target`
			);
		if (arrears.length)
			reasons.push(
				`in arrears during the month (${arrears.map((a) => `from ${formatDate(a.from)}${a.to ? ` to ${formatDate(a.to)}` : ', still'}`).join('; ')}) (R27)`
			);
		if (
			model !== 'B' &&
			reclassified >= RECLASSIFICATION_MIN &&
			withSubmitted > 0 &&
			reclassified / withSubmitted >= RECLASSIFICATION_SHARE
		)
			reasons.push(
				`${reclassified} of ${withSubmitted} tickets reclassified (${formatPercent(reclassified / withSubmitted)}, R5)`
			);
		out.push({
			accountId: String(r.id),
			name: String(r.name),
			isSample: r.is_sample === true,
			csm: str(r.csm),
			policyId,
			model,
			tickets: num(r.tickets),
			met,
			missed,
			attainment,
			resolutionAttainment,
			goal,
			missedP1,
			reclassified,
			withSubmitted,
			arrears,
			finalisedAt: str(r.finalised_at),
			finalisedBy: str(r.finalised_by),
			draft: r.has_review === true && !r.finalised_at,
			reasons
		});
	}
	out.sort(
		(a, b) =>
			Number(b.reasons.length > 0) - Number(a.reasons.length > 0) ||
			a.name.localeCompare(b.name, 'nl')
	);
	return {
		month,
		csm,
		csms: csmRows.map((r) => String(r.csm)),
		asOf,
		rows: out
	};
}

/* ------------------------------------------------------------------------------- the download */

const CLOCK_COLUMNS = [
	{ key: 'attainment', header: 'Attainment', type: 'percent' },
	{ key: 'met', header: 'Met', type: 'integer' },
	{ key: 'missed', header: 'Missed', type: 'integer' },
	{ key: 'openWithin', header: 'Open within target (not counted)', type: 'integer' },
	{ key: 'excluded', header: 'Excluded (not counted)', type: 'integer' },
	{ key: 'medianHours', header: 'Median business hours', type: 'hours' },
	{ key: 'p90Hours', header: '90th percentile business hours', type: 'hours' }
] as const;

/** The rows of the key-figures table: month x (overall, each priority) x clock. */
export function keyFigureRows(d: ReviewData): Record<string, unknown>[] {
	const rows: Record<string, unknown>[] = [];
	for (const [period, f] of [
		['this month', d.figures.current],
		['previous month', d.figures.previous],
		['same month last year', d.figures.lastYear]
	] as const) {
		const parts: [string, number, ClockFigures, ClockFigures | null][] = [
			['all', f.tickets, f.firstResponse, f.resolution],
			...f.byPriority.map(
				(p) =>
					[p.priority, p.tickets, p.firstResponse, p.resolution] as [
						string,
						number,
						ClockFigures,
						ClockFigures | null
					]
			)
		];
		for (const [priority, tickets, fr, res] of parts) {
			for (const [clock, c] of [
				['first response', fr],
				['resolution', res]
			] as const) {
				if (clock === 'resolution' && (!d.hasResolution || !c)) continue;
				rows.push({ period, month: f.month, priority, clock, tickets, ...c });
			}
		}
	}
	return rows;
}

/** The chargeable section as rows: per reason, then the total (VAT, materials, needs a person). */
function chargeableRows(d: ReviewData): Record<string, unknown>[] {
	const c = d.chargeable;
	if (!c) return [{ reason: '', label: 'Not part of this review (finalised before it existed)' }];
	const cur = c.currency;
	return [
		...c.reasons.map((r) => ({ ...r, amount: r.amountCents / 100, currency: cur })),
		{
			reason: 'Total',
			label: c.locked ? 'invoiced (the month is locked)' : 'not invoiced yet (the month is open)',
			billableHours: c.billableHours,
			amount: c.netCents / 100,
			freeHours: c.freeHours,
			currency: cur
		},
		{ reason: 'VAT', label: '', amount: c.vatCents / 100, currency: cur },
		{
			reason: 'Materials',
			label: 'included in the total',
			amount: c.materialsCents / 100,
			currency: cur
		},
		{
			reason: 'Needs a person',
			label: `${c.needsPerson} entries whose reason the data cannot decide (not in the total)`,
			billableHours: c.needsPersonHours
		}
	];
}

/** Every section of the review as a table: the XLSX download, one sheet each. */
export function reviewTables(
	d: ReviewData,
	agreements: string,
	finalised: ReviewRecord | null
): ExportTable[] {
	const header: [string, string][] = [
		['Account', d.account.name],
		['Account id', d.account.id],
		['Month', d.month],
		['Policy', `${d.account.policyName ?? '—'} (${d.account.policyId ?? 'none'})`],
		['Contract model', d.account.model ? `model ${d.account.model}` : '—'],
		[
			'Tiers in force',
			d.tiers.history
				.map((t) => (t.changedInMonth ? `${t.tier} from ${t.from}` : `${t.tier} (since ${t.from})`))
				.join('; ') || '—'
		],
		[
			'Tiers measured against',
			d.tiers.measured.map((t) => `${t.tier}: ${t.tickets}`).join('; ') || '—'
		],
		['CSM', d.account.csm ?? '—'],
		['Account manager', d.account.accountManager ?? '—'],
		[
			'Arrears in the month (R27)',
			d.arrears.map((a) => `${a.from}..${a.to ?? ''}`).join('; ') || 'none'
		],
		['Data up to', d.asOf ?? '—'],
		['Attainment goal', formatPercent(d.goal)],
		[
			'Policy versions used',
			d.policyVersions
				.map((v) => `${v.policyId} v${v.version} (${v.tickets} tickets)`)
				.join('; ') || '—'
		],
		[
			'Finalised',
			finalised?.finalisedAt ? `${finalised.finalisedAt} by ${finalised.finalisedBy}` : 'no (draft)'
		]
	];
	const discussionRows = d.discussion.flatMap((p) => [
		{ point: `${p.title} (${p.rule})`, ticket: '', count: p.count, detail: p.context },
		...p.notes.map((n) => ({
			point: `${p.title} (${p.rule})`,
			ticket: '',
			count: null,
			detail: n
		})),
		...p.tickets.map((t) => ({
			point: `${p.title} (${p.rule})`,
			ticket: `${t.source}/${t.externalId}`,
			count: null,
			detail: t.detail,
			created: t.createdAt,
			subject: t.subject
		}))
	]);
	return [
		{
			name: 'Header',
			columns: [
				{ key: 'field', header: 'Field', type: 'text' },
				{ key: 'value', header: 'Value', type: 'text' }
			],
			rows: header.map(([field, value]) => ({ field, value }))
		},
		{
			name: 'Key figures',
			columns: [
				{ key: 'period', header: 'Period', type: 'text' },
				{ key: 'month', header: 'Month', type: 'text' },
				{ key: 'priority', header: 'Priority', type: 'text' },
				{ key: 'clock', header: 'Clock', type: 'text' },
				{ key: 'tickets', header: 'Tickets', type: 'integer' },
				...CLOCK_COLUMNS
			],
			rows: keyFigureRows(d)
		},
		{
			name: 'Volume',
			columns: [
				{ key: 'dimension', header: 'By', type: 'text' },
				{ key: 'value', header: 'Value', type: 'text' },
				{ key: 'tickets', header: 'Tickets', type: 'integer' },
				{ key: 'share', header: 'Share', type: 'percent' },
				{ key: 'attainment', header: 'First-response attainment', type: 'percent' }
			],
			rows: VOLUME_DIMENSIONS.flatMap(({ key, label }) =>
				d.volume[key].map((r) => ({ dimension: label, ...r }))
			)
		},
		{
			name: 'Trend',
			columns: [
				{ key: 'month', header: 'Month', type: 'text' },
				{ key: 'tickets', header: 'Tickets', type: 'integer' },
				{ key: 'met', header: 'First response met', type: 'integer' },
				{ key: 'missed', header: 'First response missed', type: 'integer' },
				{ key: 'attainment', header: 'First-response attainment', type: 'percent' },
				...(d.hasResolution
					? [
							{
								key: 'resolutionAttainment',
								header: 'Resolution attainment',
								type: 'percent'
							} as const
						]
					: [])
			],
			rows: d.trend.map((t) => ({ ...t }))
		},
		{
			name: 'Missed targets',
			columns: [
				{ key: 'ticket', header: 'Ticket', type: 'text' },
				{ key: 'subject', header: 'Subject', type: 'text' },
				{ key: 'clock', header: 'Clock', type: 'text' },
				{ key: 'priority', header: 'Priority', type: 'text' },
				{ key: 'tier', header: 'Tier', type: 'text' },
				{ key: 'createdAt', header: 'Created', type: 'instant' },
				{ key: 'businessHours', header: 'Business hours', type: 'hours' },
				{ key: 'targetHours', header: 'Target (business hours)', type: 'hours' },
				{ key: 'overHours', header: 'Business hours over target', type: 'hours' },
				{ key: 'ratio', header: '% of target', type: 'percent' },
				{ key: 'state', header: 'State', type: 'text' }
			],
			rows: d.missed.map((m) => ({
				...m,
				ticket: `${m.source}/${m.externalId}`,
				clock: m.clock === 'resolution' ? 'resolution' : 'first response',
				state: m.open ? 'still open (to the as-of instant)' : 'stopped'
			}))
		},
		{
			name: 'Discussion points',
			columns: [
				{ key: 'point', header: 'Point', type: 'text' },
				{ key: 'count', header: 'Count', type: 'integer' },
				{ key: 'ticket', header: 'Ticket', type: 'text' },
				{ key: 'created', header: 'Created', type: 'instant' },
				{ key: 'subject', header: 'Subject', type: 'text' },
				{ key: 'detail', header: 'Detail', type: 'text' }
			],
			rows: discussionRows
		},
		{
			name: 'Training',
			columns: [
				{ key: 'reason', header: 'Recommendation', type: 'text' },
				{ key: 'detail', header: 'Detail', type: 'text' }
			],
			rows: [
				{ reason: 'Summary', detail: d.training.note },
				...d.training.items.map((i) => ({ ...i }))
			]
		},
		{
			name: 'Chargeable work',
			columns: [
				{ key: 'reason', header: 'Reason', type: 'text' },
				{ key: 'label', header: 'What', type: 'text' },
				{ key: 'billableHours', header: 'Billable hours', type: 'hours' },
				{ key: 'amount', header: 'Amount excl. VAT', type: 'number' },
				{ key: 'freeHours', header: 'Free hours', type: 'hours' },
				{ key: 'currency', header: 'Currency', type: 'text' }
			],
			rows: chargeableRows(d)
		},
		{
			name: 'Agreements and actions',
			columns: [{ key: 'text', header: 'Agreements and actions', type: 'text' }],
			rows: [{ text: agreements }]
		}
	];
}
