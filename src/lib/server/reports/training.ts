/**
 * Training needs, for account managers (issue 6, PRODUCT.md R19–R20): which accounts show signs of
 * missing knowledge in a period, each flag with the reason it fired in words, and what was recorded
 * about training (offered, accepted, held, declined), from which R20 dates chargeable how-to work.
 *
 * What the data can show, and how (the sample and the import profiles):
 *  - a how-to question is a ticket of a type in the mapping (Zendesk/Freshdesk/TOPdesk/Zammad
 *    "question", as corrected on the ticket page) or of a category in the mapping;
 *  - "answered by pointing to the manual or knowledge base" (R19) is visible only as a tag the
 *    helpdesk set (the sample's Zendesk macro tags `manual_answer`); an export without a tags
 *    column cannot show it, and the page says so instead of counting zero;
 *  - a contact is the requester's e-mail address; a question without one cannot be attributed;
 *  - whether the customer still wanted help after the referral (the chargeable part of R19) is not
 *    in any export: that is the time entries' business (the billing issue).
 *
 * Every threshold, and the mapping, is a setting in one versioned document (`training_settings`):
 * version 1 is the built-in default below, read without a row in the table; the first save stores
 * it as version 1 and the change as version 2, each with its date, reason and author.
 */
import type { Param, Queryable, Row, Store } from '../db/index.ts';
import { scopeFilter, type Scope } from '../scope.ts';
import { addMonths, filterParams, type ComplianceFilters } from './compliance.ts';
import { formatDate, formatMonth, formatNumber, formatPercent } from '../../components/format.ts';

/* ------------------------------------------------------------------ the thresholds document */

export interface TrainingThresholds {
	/** how-to share: at least this % of the account's tickets … */
	minHowToSharePct: number;
	/** … and at least this many how-to questions (also the floor for the trend and tier flags) */
	minHowToCount: number;
	/** R19: at least this many how-to questions referred to the manual … */
	minReferredCount: number;
	/** … making up at least this % of the how-to questions whose export has tags */
	minReferredSharePct: number;
	/** a repeat asker: one contact with at least this many how-to questions in one category, per
	 * month of the period (a quarter needs three times as many) */
	repeatMinQuestions: number;
	/** trend: the share rose by at least this many percentage points … */
	risePoints: number;
	/** … against the average of this many earlier periods of the same length */
	trendPeriods: number;
	/** tier: the share is at least this many times the average of the other accounts of its tier */
	tierFactor: number;
	/** R20 [default]: days after an offer without an answer from which how-to work is chargeable */
	offerAnswerDays: number;
	howTo: {
		/** (corrected) ticket types that are how-to questions */
		types: string[];
		/** categories that are how-to questions whatever the type (compared case-insensitively) */
		categories: string[];
		/** tags that say the answer pointed to a manual or knowledge-base article (R19) */
		referredTags: string[];
	};
}

export const DEFAULT_THRESHOLDS: Readonly<TrainingThresholds> = Object.freeze({
	minHowToSharePct: 50,
	minHowToCount: 10,
	minReferredCount: 5,
	minReferredSharePct: 40,
	repeatMinQuestions: 4,
	risePoints: 15,
	trendPeriods: 3,
	tierFactor: 1.5,
	offerAnswerDays: 30,
	howTo: Object.freeze({
		types: ['question'],
		categories: [] as string[],
		referredTags: ['manual_answer']
	})
}) as Readonly<TrainingThresholds>;

export type ThresholdKey = Exclude<keyof TrainingThresholds, 'howTo'>;

/** What each number in the document means, its unit and range; every one is Peil's [default]. */
export const THRESHOLD_INFO: Record<
	ThresholdKey,
	{ label: string; unit: string; min: number; max: number; integer: boolean; rule?: string }
> = {
	minHowToSharePct: {
		label: 'How-to share at least',
		unit: '% of the tickets',
		min: 0,
		max: 100,
		integer: false
	},
	minHowToCount: {
		label: 'How-to questions at least',
		unit: 'questions in the period',
		min: 1,
		max: 100000,
		integer: true
	},
	minReferredCount: {
		label: 'Referred to the manual at least',
		unit: 'questions',
		min: 1,
		max: 100000,
		integer: true,
		rule: 'R19'
	},
	minReferredSharePct: {
		label: 'Referred share at least',
		unit: '% of the how-to questions',
		min: 0,
		max: 100,
		integer: false,
		rule: 'R19'
	},
	repeatMinQuestions: {
		label: 'Repeat asker: how-to questions on one category at least',
		unit: 'by one contact, per month of the period',
		min: 2,
		max: 1000,
		integer: true
	},
	risePoints: {
		label: 'Rise against earlier periods at least',
		unit: 'percentage points',
		min: 0,
		max: 100,
		integer: false
	},
	trendPeriods: {
		label: 'Earlier periods compared',
		unit: 'periods of the same length',
		min: 1,
		max: 12,
		integer: true
	},
	tierFactor: {
		label: 'Above the tier average by a factor of at least',
		unit: '× the other accounts of the tier',
		min: 1,
		max: 100,
		integer: false
	},
	offerAnswerDays: {
		label: 'An unanswered offer makes how-to work chargeable after',
		unit: 'days',
		min: 0,
		max: 365,
		integer: true,
		rule: 'R20'
	}
};

export const THRESHOLD_KEYS = Object.keys(THRESHOLD_INFO) as ThresholdKey[];

export class TrainingError extends Error {
	/** the field the message is about, as the forms name it */
	constructor(
		readonly field: string | null,
		message: string
	) {
		super(field ? `${field}: ${message}` : message);
	}
}

function textList(v: unknown, field: string): string[] {
	if (v === undefined) return [];
	if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
		throw new TrainingError(field, 'must be a list of words');
	return [...new Set((v as string[]).map((x) => x.trim()).filter(Boolean))];
}

/** A thresholds document checked field by field; a missing number takes the default. */
export function parseThresholds(body: unknown): TrainingThresholds {
	if (!body || typeof body !== 'object' || Array.isArray(body))
		throw new TrainingError(null, 'the thresholds document must be a JSON object');
	const o = body as Record<string, unknown>;
	const out = { ...DEFAULT_THRESHOLDS } as TrainingThresholds;
	for (const key of THRESHOLD_KEYS) {
		const info = THRESHOLD_INFO[key];
		const v = o[key];
		if (v === undefined) continue;
		if (typeof v !== 'number' || !Number.isFinite(v))
			throw new TrainingError(key, `"${String(v)}" is not a number`);
		if (info.integer && !Number.isInteger(v))
			throw new TrainingError(key, `${v} is not a whole number`);
		if (v < info.min || v > info.max)
			throw new TrainingError(key, `${v} is outside ${info.min}–${info.max}`);
		out[key] = v;
	}
	const h = o.howTo;
	if (h !== undefined && (!h || typeof h !== 'object' || Array.isArray(h)))
		throw new TrainingError('howTo', 'must be an object with types, categories and referredTags');
	const hm = (h ?? {}) as Record<string, unknown>;
	out.howTo = {
		types:
			hm.types === undefined
				? [...DEFAULT_THRESHOLDS.howTo.types]
				: textList(hm.types, 'howTo.types'),
		categories:
			hm.categories === undefined
				? [...DEFAULT_THRESHOLDS.howTo.categories]
				: textList(hm.categories, 'howTo.categories').map((c) => c.toLowerCase()),
		referredTags:
			hm.referredTags === undefined
				? [...DEFAULT_THRESHOLDS.howTo.referredTags]
				: textList(hm.referredTags, 'howTo.referredTags').map((c) => c.toLowerCase())
	};
	if (!out.howTo.types.length && !out.howTo.categories.length)
		throw new TrainingError(
			'howTo.types',
			'name at least one type or category that makes a ticket a how-to question'
		);
	return out;
}

export interface ThresholdVersion {
	version: number;
	effectiveFrom: string;
	thresholds: TrainingThresholds;
	reason: string;
	by: string;
	/** null for the built-in version 1 while it is not stored yet */
	createdAt: string | null;
	builtin: boolean;
}

/** The built-in version 1: in force from long before any data. */
export const BUILTIN_VERSION: Readonly<ThresholdVersion> = Object.freeze({
	version: 1,
	effectiveFrom: '2000-01-01',
	thresholds: DEFAULT_THRESHOLDS as TrainingThresholds,
	reason: 'built-in defaults (PRODUCT.md R19–R20)',
	by: 'Peil',
	createdAt: null,
	builtin: true
});

/** Every version, oldest first; the built-in one when none is stored. */
export async function thresholdVersions(q: Queryable): Promise<ThresholdVersion[]> {
	const rows = await q.all(
		`SELECT version, effective_from, body, reason, created_by, created_at FROM training_settings ORDER BY version`
	);
	if (!rows.length) return [BUILTIN_VERSION as ThresholdVersion];
	return rows.map((r) => ({
		version: Number(r.version),
		effectiveFrom: String(r.effective_from),
		thresholds: parseThresholds(JSON.parse(String(r.body))),
		reason: String(r.reason),
		by: String(r.created_by),
		createdAt: String(r.created_at),
		builtin: Number(r.version) === 1 && String(r.created_by) === 'Peil'
	}));
}

/**
 * The thresholds in force on a date (yyyy-mm-dd; default: the latest version): the version with
 * the latest effective date on or before it, the highest version on a tie; the earliest version
 * when every one starts later.
 */
export async function currentThresholds(q: Queryable, onDate?: string): Promise<ThresholdVersion> {
	return versionOn(await thresholdVersions(q), onDate);
}

function versionOn(versions: ThresholdVersion[], onDate?: string): ThresholdVersion {
	if (!onDate) return versions.at(-1)!;
	let best: ThresholdVersion | null = null;
	for (const v of versions)
		if (
			v.effectiveFrom <= onDate &&
			(!best || v.effectiveFrom > best.effectiveFrom || v.effectiveFrom === best.effectiveFrom)
		)
			best = v;
	return best ?? [...versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))[0];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(d: string): boolean {
	if (!DATE.test(d)) return false;
	const t = new Date(`${d}T00:00:00Z`);
	return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

export interface ThresholdChange {
	body: unknown;
	effectiveFrom: string;
	reason: string;
	by: string;
}

/** Check a change: the document, the date, the reason and the author, each named when wrong. */
export function checkThresholdChange(c: ThresholdChange): TrainingThresholds {
	const t = parseThresholds(c.body);
	if (!validDate(c.effectiveFrom))
		throw new TrainingError('effectiveFrom', `"${c.effectiveFrom}" is not a date (yyyy-mm-dd)`);
	if (!c.reason.trim()) throw new TrainingError('reason', 'say why the thresholds change');
	if (!c.by.trim()) throw new TrainingError('by', 'enter the name of who changes them');
	return t;
}

/** Save a new version (n + 1); the built-in version 1 is stored first if it was not yet. */
export async function saveThresholds(
	store: Store,
	c: ThresholdChange
): Promise<{ version: number }> {
	const t = checkThresholdChange(c);
	return store.write(async (tx) => {
		const last = Number(
			(await tx.one('SELECT COALESCE(max(version), 0) AS v FROM training_settings'))?.v
		);
		if (last === 0)
			await tx.run(`INSERT INTO training_settings VALUES (1, $1::DATE, $2::JSON, $3, $4, now())`, [
				BUILTIN_VERSION.effectiveFrom,
				JSON.stringify(DEFAULT_THRESHOLDS),
				BUILTIN_VERSION.reason,
				BUILTIN_VERSION.by
			]);
		const version = Math.max(last, 1) + 1;
		await tx.run(`INSERT INTO training_settings VALUES ($1, $2::DATE, $3::JSON, $4, $5, now())`, [
			version,
			c.effectiveFrom,
			JSON.stringify(t),
			c.reason.trim(),
			c.by.trim()
		]);
		return { version };
	});
}

/* ------------------------------------------------------------------ training records */

export const TRAINING_STATUSES = ['offered', 'accepted', 'held', 'declined'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];

export interface TrainingRecordInput {
	accountId: string;
	status: string;
	onDate: string;
	note?: string | null;
	by: string;
}

export interface TrainingRecord {
	id: string;
	accountId: string;
	status: TrainingStatus;
	onDate: string;
	note: string | null;
	by: string;
	at: string;
}

export const NOTE_MAX = 2000;

/** Today in Amsterdam (yyyy-mm-dd): a record may not be dated later. */
function todayAmsterdam(now = new Date()): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(now);
}

/** Record that training was offered, accepted, held or declined; each field checked by name. */
export async function recordTraining(
	store: Store,
	r: TrainingRecordInput
): Promise<TrainingRecord> {
	const accountId = r.accountId.trim();
	const status = r.status.trim();
	const onDate = r.onDate.trim();
	const note = (r.note ?? '').trim();
	const by = r.by.trim();
	if (!accountId) throw new TrainingError('accountId', 'choose the account');
	if (!TRAINING_STATUSES.includes(status as TrainingStatus))
		throw new TrainingError('status', `"${status}" is not one of ${TRAINING_STATUSES.join(', ')}`);
	if (!validDate(onDate))
		throw new TrainingError('onDate', `"${onDate}" is not a date (yyyy-mm-dd)`);
	if (onDate > todayAmsterdam())
		throw new TrainingError(
			'onDate',
			`${formatDate(onDate)} is in the future: record what happened, on the day it happened`
		);
	if (note.length > NOTE_MAX)
		throw new TrainingError('note', `${note.length} characters; at most ${NOTE_MAX}`);
	if (!by) throw new TrainingError('by', 'enter the name of who records it');
	return store.write(async (tx) => {
		if (!(await tx.one('SELECT 1 AS x FROM accounts WHERE id = $1', [accountId])))
			throw new TrainingError('accountId', `there is no account "${accountId}"`);
		const row = await tx.one(
			`INSERT INTO training_records (account_id, status, on_date, note, recorded_by, recorded_at)
			 VALUES ($1, $2, $3::DATE, $4, $5, now()) RETURNING id, recorded_at`,
			[accountId, status, onDate, note || null, by]
		);
		return {
			id: String(row?.id),
			accountId,
			status: status as TrainingStatus,
			onDate,
			note: note || null,
			by,
			at: String(row?.recorded_at)
		};
	});
}

function toRecord(r: Row): TrainingRecord {
	return {
		id: String(r.id),
		accountId: String(r.account_id),
		status: String(r.status) as TrainingStatus,
		onDate: String(r.on_date),
		note: r.note === null || r.note === undefined ? null : String(r.note),
		by: String(r.recorded_by),
		at: String(r.recorded_at)
	};
}

/** The records of the accounts in scope (or of one account), in the order they happened. */
export async function listTrainingRecords(
	q: Queryable,
	scope: Scope,
	accountId?: string
): Promise<TrainingRecord[]> {
	const s = scopeFilter(scope, 'account_id', 1);
	const params: Param[] = [...s.params];
	let where = s.sql;
	if (accountId) {
		params.push(accountId);
		where += ` AND account_id = $${params.length}`;
	}
	const rows = await q.all(
		`SELECT id, account_id, status, on_date, note, recorded_by, recorded_at FROM training_records
		 WHERE ${where} ORDER BY account_id, on_date, recorded_at`,
		params
	);
	return rows.map(toRecord);
}

export interface ChargeablePeriod {
	/** the first day how-to questions are chargeable (yyyy-mm-dd) */
	from: string;
	/** the day training was accepted or held (not chargeable from then), or null: still open */
	to: string | null;
	reason: string;
}

function addDays(day: string, n: number): string {
	const t = new Date(`${day}T00:00:00Z`);
	t.setUTCDate(t.getUTCDate() + n);
	return t.toISOString().slice(0, 10);
}

/**
 * R20 over an account's records, in date order (pure; `offerDays` gives the days an offer waits
 * for an answer, per offer date). A decline makes how-to questions chargeable from its date; an
 * offer that got no answer (accepted, held or declined on or after its date) within the days makes
 * them chargeable from the day after the wait; training accepted or held ends a chargeable period.
 */
export function chargeablePeriods(
	records: Pick<TrainingRecord, 'status' | 'onDate' | 'at'>[],
	offerDays: (offerDate: string) => number
): ChargeablePeriod[] {
	const sorted = [...records].sort(
		(a, b) => a.onDate.localeCompare(b.onDate) || a.at.localeCompare(b.at)
	);
	const out: ChargeablePeriod[] = [];
	let open: ChargeablePeriod | null = null;
	let pending: { on: string; due: string; days: number } | null = null;
	/** an offer whose wait ran out before `day` (or for good: null) opens a period on its due day */
	const lapse = (day: string | null) => {
		if (pending && !open && (day === null || pending.due < day)) {
			open = {
				from: pending.due,
				to: null,
				reason: `offered on ${formatDate(pending.on)}, no answer within ${pending.days} days`
			};
			out.push(open);
			pending = null;
		}
	};
	for (const r of sorted) {
		lapse(r.onDate);
		if (r.status === 'offered') {
			// a repeated offer is no answer: the first one's wait keeps running
			if (!open && !pending) {
				const days = offerDays(r.onDate);
				pending = { on: r.onDate, due: addDays(r.onDate, days), days };
			}
		} else if (r.status === 'declined') {
			pending = null;
			if (!open) {
				open = { from: r.onDate, to: null, reason: `training declined on ${formatDate(r.onDate)}` };
				out.push(open);
			}
		} else {
			// accepted or held: training is taken; whatever was chargeable stops on that day
			pending = null;
			if (open) open.to = r.onDate;
			open = null;
		}
	}
	lapse(null);
	return out;
}

async function offerDaysByDate(q: Queryable): Promise<(d: string) => number> {
	const versions = await thresholdVersions(q);
	return (d: string) => versionOn(versions, d).thresholds.offerAnswerDays;
}

/** Every period in which the account's how-to questions are (or were) chargeable under R20. */
export async function chargeableHowToPeriods(
	q: Queryable,
	accountId: string
): Promise<ChargeablePeriod[]> {
	const [records, days] = await Promise.all([
		listTrainingRecords(q, { kind: 'all' }, accountId),
		offerDaysByDate(q)
	]);
	return chargeablePeriods(records, days);
}

/**
 * R20 for the billing issue: the date (yyyy-mm-dd) from which the account's how-to questions are
 * chargeable now — from a decline, or the given number of days (setting `offerAnswerDays`, 30 by
 * default) after an offer nobody answered — or null when they are not (nothing recorded, training
 * accepted or held, an offer still waiting for its answer counts from its due date all the same).
 */
export async function chargeableHowToFrom(q: Queryable, accountId: string): Promise<string | null> {
	const periods = await chargeableHowToPeriods(q, accountId);
	const last = periods.at(-1);
	return last && last.to === null ? last.from : null;
}

/* ------------------------------------------------------------------ the training view */

export type FlagKey = 'share' | 'referred' | 'repeat' | 'rising' | 'tier';

export const FLAG_LABELS: Record<FlagKey, string> = {
	share: 'Many how-to questions',
	referred: 'Answered by the manual (R19)',
	repeat: 'Repeat askers',
	rising: 'Rising',
	tier: 'Above its tier'
};

export interface Flag {
	key: FlagKey;
	label: string;
	/** why it fired, in words, with the numbers and the threshold */
	reason: string;
}

export interface RepeatAsker {
	email: string;
	name: string | null;
	category: string;
	questions: number;
}

export interface PeriodFigures {
	from: string;
	to: string;
	tickets: number;
	howTo: number;
	share: number | null;
}

export interface AccountTraining {
	accountId: string;
	name: string;
	tier: string | null;
	policy: string | null;
	accountManager: string | null;
	isSample: boolean;
	tickets: number;
	howTo: number;
	share: number | null;
	/** how-to questions tagged as answered by a manual or knowledge-base article */
	referred: number;
	/** how-to questions from exports that carry tags (the only ones where a referral can show) */
	referredKnown: number;
	referredShare: number | null;
	repeatAskers: RepeatAsker[];
	/** how-to questions without a category or without a requester e-mail (not attributable) */
	noCategory: number;
	noRequester: number;
	earlier: PeriodFigures[];
	earlierShare: number | null;
	tierAverage: { share: number | null; accounts: number };
	flags: Flag[];
	/** what the data could not show for this account */
	notes: string[];
	training: {
		latest: TrainingRecord | null;
		records: number;
		chargeableFrom: string | null;
		chargeableReason: string | null;
	};
	/** URL parameters of /compliance/tickets: every ticket, and the how-to questions (by type) */
	links: { tickets: string; howTo: string | null };
}

export interface TrainingPeriod {
	/** yyyy-mm, inclusive */
	from: string;
	to: string;
}

export interface TrainingView {
	period: TrainingPeriod;
	earlierPeriods: TrainingPeriod[];
	/** the version in force on the period's last day (or the candidate of a preview) */
	thresholds: ThresholdVersion;
	asOf: string | null;
	/** flagged first (most flags), then by how-to questions */
	accounts: AccountTraining[];
	/** accounts in scope without a ticket in the period */
	quiet: { accountId: string; name: string }[];
	/** whether the how-to link of /compliance/tickets (type filter) shows exactly the how-to count */
	howToLinkExact: boolean;
	/** what the data could not show, for the whole view */
	notes: string[];
}

const num = (v: unknown) => Number(v ?? 0);
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function monthsBetween(from: string, to: string): number {
	const [fy, fm] = from.split('-').map(Number);
	const [ty, tm] = to.split('-').map(Number);
	return ty * 12 + tm - (fy * 12 + fm) + 1;
}

/** The last day of a period's last month (yyyy-mm-dd). */
function lastDay(period: TrainingPeriod): string {
	return addDays(`${addMonths(period.to, 1)}-01`, -1);
}

export function periodLabel(p: TrainingPeriod): string {
	return p.from === p.to ? formatMonth(p.from) : `${formatMonth(p.from)} – ${formatMonth(p.to)}`;
}

/** Read a period from URL parameters (from, to: yyyy-mm); the default month when none is named. */
export function parsePeriod(params: URLSearchParams, defaultMonth: string): TrainingPeriod {
	const from = params.get('from') || params.get('to') || defaultMonth;
	const to = params.get('to') || from;
	for (const [name, v] of [
		['from', from],
		['to', to]
	] as const)
		if (!MONTH.test(v)) throw new TrainingError(name, `"${v}" is not a month (yyyy-mm)`);
	if (to < from) throw new TrainingError('to', `${to} is before from: ${from}`);
	if (monthsBetween(from, to) > 36) throw new TrainingError('to', 'a period of at most 36 months');
	return { from, to };
}

const pct = (x: number | null) => formatPercent(x);
/** a threshold in %, without a needless decimal: 50 → "50%" */
const pctSetting = (x: number) =>
	new Intl.NumberFormat('nl-NL', { style: 'percent', maximumFractionDigits: 1 }).format(x / 100);
const n = (x: number) => formatNumber(x);
const factor = (x: number) =>
	new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 2 }).format(x);

/** SQL list literal of parameters, e.g. [$3, $4]; `[]` typed as text when empty. */
function paramList(values: string[], params: Param[]): string {
	if (!values.length) return `CAST([] AS VARCHAR[])`;
	return `[${values
		.map((v) => {
			params.push(v);
			return `$${params.length}`;
		})
		.join(', ')}]`;
}

/** A view without accounts (the one account asked for is not in the scope). */
function emptyView(
	period: TrainingPeriod,
	earlierPeriods: TrainingPeriod[],
	thresholds: ThresholdVersion,
	t: TrainingThresholds
): TrainingView {
	return {
		period,
		earlierPeriods,
		thresholds,
		asOf: null,
		accounts: [],
		quiet: [],
		howToLinkExact: t.howTo.categories.length === 0,
		notes: []
	};
}

/**
 * Accounts ranked by signals of missing knowledge in a period. `candidate` replaces the thresholds
 * in force (a preview of a change).
 */
export async function trainingView(
	q: Queryable,
	scope: Scope,
	period: TrainingPeriod,
	candidate?: ThresholdVersion
): Promise<TrainingView> {
	return computeTraining(q, scope, period, candidate, null);
}

/**
 * The view, or (`only`: an account id) just what that account's entry needs: its own figures,
 * records and repeat askers, and the period's tickets and how-to questions of the other accounts
 * of its tier (the tier average). The other entries of such a view are incomplete: only the one
 * account's entry is to be read.
 */
async function computeTraining(
	q: Queryable,
	scope: Scope,
	period: TrainingPeriod,
	candidate: ThresholdVersion | undefined,
	only: string | null
): Promise<TrainingView> {
	const end = lastDay(period);
	const sa = scopeFilter(scope, 'a.id', 1);
	const [versions, accounts, tiers] = await Promise.all([
		thresholdVersions(q),
		q.all(
			`SELECT a.id, a.name, a.policy_id, a.account_manager, a.is_sample FROM accounts a WHERE ${sa.sql} ORDER BY lower(a.name)`,
			sa.params
		),
		q.all(
			`SELECT account_id, COALESCE(arg_max(tier, effective_from) FILTER (effective_from <= $1::DATE), arg_min(tier, effective_from)) AS tier
			 FROM tier_history GROUP BY account_id`,
			[end]
		)
	]);
	const tv = candidate ?? versionOn(versions, end);
	const t = tv.thresholds;
	const len = monthsBetween(period.from, period.to);
	const earlierPeriods: TrainingPeriod[] = [];
	for (let k = 1; k <= t.trendPeriods; k++)
		earlierPeriods.push({
			from: addMonths(period.from, -len * k),
			to: addMonths(period.to, -len * k)
		});
	const lo = `${addMonths(period.from, -len * t.trendPeriods)}-01`;
	const hi = `${addMonths(period.to, 1)}-01`;
	const tierOf = new Map(tiers.map((r) => [String(r.account_id), str(r.tier)]));

	const params: Param[] = [];
	const s = scopeFilter(scope, 't.account_id', 1);
	const sv = scopeFilter(scope, 's.account_id', 1); // the same parameters
	params.push(...s.params);
	const types = paramList(t.howTo.types, params);
	const cats = paramList(t.howTo.categories, params);
	const tags = paramList(t.howTo.referredTags, params);
	params.push(lo, hi, period.from);
	const [pLo, pHi, pFrom] = [params.length - 2, params.length - 1, params.length].map(
		(i) => `$${i}`
	);
	params.push(len);
	const pLen = `$${params.length}`;
	const repeatMin = t.repeatMinQuestions * len;
	params.push(repeatMin);
	const pRepeat = `$${params.length}`;

	// one account: its tickets over the whole window, and those of the period of the other
	// accounts in scope of its tier (no tier: none)
	let onlyTickets = '';
	let onlyVerdicts = '';
	let onlyBase = '';
	let onlyRepeat = '';
	if (only !== null) {
		const ids = new Set(accounts.map((a) => String(a.id)));
		if (!ids.has(only)) return emptyView(period, earlierPeriods, tv, t);
		const tier = tierOf.get(only) ?? null;
		const peers = accounts
			.map((a) => String(a.id))
			.filter((id) => id === only || (tier !== null && (tierOf.get(id) ?? null) === tier));
		params.push(only);
		const pOnly = `$${params.length}`;
		const inList = peers
			.map((id) => {
				params.push(id);
				return `$${params.length}`;
			})
			.join(', ');
		onlyTickets = `AND t.account_id IN (${inList})
		    AND (t.account_id = ${pOnly} OR t.created_at >= (${pFrom} || '-01')::DATE::TIMESTAMPTZ - INTERVAL 2 DAY)`;
		// the verdicts carry their ticket's account (migration 0004; not those written before it):
		// a cheap first cut before the join, which decides
		onlyVerdicts = `AND (s.account_id IN (${inList}) OR s.created_at IS NULL)`;
		onlyBase = `AND (u.account_id = ${pOnly} OR u.d >= (${pFrom} || '-01')::DATE)`;
		onlyRepeat = `AND account_id = ${pOnly}`;
	}

	// The verdicts of the window carry their ticket's account and (corrected) type (migration
	// 0004): a ticket is counted from its verdict alone unless the view needs its text — a how-to
	// question (referral, category, requester), or any ticket when categories make how-to
	// questions — or its verdict was written before they were carried (created_at is null), when
	// the ticket gives the account and the type, as it does for every ticket needed.
	// The tickets are read for the window only: a creation date in any account's zone lies within
	// a day of the UTC instant, so two days either side keep every ticket whose verdict's local
	// date is in the window (the join with the verdicts decides).
	const needed = `(v.legacy OR list_contains(${types}, v.type) OR len(${cats}) > 0)`;
	const base = `WITH v AS (
	  SELECT s.source, s.external_id, s.created_local_date AS d, s.account_id, s.type, s.created_at IS NULL AS legacy
	  FROM ticket_sla s
	  WHERE s.clock = 'first_response'
	    AND s.created_local_date >= ${pLo}::DATE AND s.created_local_date < ${pHi}::DATE
	    AND (s.created_at IS NULL OR (s.account_id IS NOT NULL AND ${sv.sql})) ${onlyVerdicts}
	),
	tk AS (
	  SELECT t.source, t.external_id, t.account_id, t.howto,
	    CASE WHEN t.howto THEN NOT list_contains(COALESCE(t.missing_fields, CAST([] AS VARCHAR[])), 'tags') END AS has_tags,
	    CASE WHEN t.howto AND NOT list_contains(COALESCE(t.missing_fields, CAST([] AS VARCHAR[])), 'tags')
	      THEN list_has_any(string_split_regex(lower(COALESCE(t.tags, '')), '[\\s,;|]+'), ${tags}) END AS referred,
	    CASE WHEN t.howto THEN NULLIF(trim(t.category), '') END AS category,
	    CASE WHEN t.howto THEN NULLIF(lower(trim(t.requester_email)), '') END AS email,
	    CASE WHEN t.howto THEN t.requester_name END AS requester_name
	  FROM (
	    SELECT t.source, t.external_id, t.account_id, t.missing_fields, t.tags, t.category,
	      t.requester_email, t.requester_name,
	      (list_contains(${types}, COALESCE(ct.type, t.type)) OR list_contains(${cats}, lower(t.category))) AS howto
	    FROM (
	      SELECT t.* FROM tickets t
	      SEMI JOIN (SELECT v.source, v.external_id FROM v WHERE ${needed}) n
	        ON n.source = t.source AND n.external_id = t.external_id
	      WHERE t.account_id IS NOT NULL AND ${s.sql}
	        AND t.created_at >= ${pLo}::DATE::TIMESTAMPTZ - INTERVAL 2 DAY
	        AND t.created_at < ${pHi}::DATE::TIMESTAMPTZ + INTERVAL 2 DAY ${onlyTickets}
	    ) t
	    LEFT JOIN (
	      SELECT source, external_id, arg_max(value, corrected_at) AS type
	      FROM ticket_corrections WHERE field = 'type' GROUP BY source, external_id
	    ) ct ON ct.source = t.source AND ct.external_id = t.external_id
	  ) t
	),
	base AS (
	  SELECT u.*,
	    CAST(floor(((year(u.d) * 12 + month(u.d))
	      - (CAST(left(${pFrom}, 4) AS INTEGER) * 12 + CAST(right(${pFrom}, 2) AS INTEGER))) / CAST(${pLen} AS DOUBLE)) AS INTEGER) AS idx
	  FROM (
	    SELECT v.account_id, v.d, false AS howto, NULL::BOOLEAN AS has_tags, NULL::BOOLEAN AS referred,
	      NULL::VARCHAR AS category, NULL::VARCHAR AS email, NULL::VARCHAR AS requester_name
	    FROM v WHERE NOT ${needed}
	    UNION ALL
	    -- a ticket needed and not found (outside the window, no account, out of scope) is not counted
	    SELECT t.account_id, v.d, t.howto, t.has_tags, t.referred, t.category, t.email, t.requester_name
	    FROM v JOIN tk t ON t.source = v.source AND t.external_id = v.external_id
	  ) u
	  WHERE true ${onlyBase}
	)`;
	const sql = `${base}
	SELECT 'p' AS part, account_id, idx, count(*) AS tickets, count(*) FILTER (howto) AS howto,
	  count(*) FILTER (howto AND has_tags) AS referred_known,
	  count(*) FILTER (howto AND has_tags AND referred) AS referred,
	  count(*) FILTER (howto AND category IS NULL) AS no_category,
	  count(*) FILTER (howto AND email IS NULL) AS no_requester,
	  NULL AS email, NULL AS name, NULL AS category
	FROM base GROUP BY account_id, idx
	UNION ALL
	SELECT 'r', account_id, 0, NULL, count(*), NULL, NULL, NULL, NULL, email,
	  arg_max(requester_name, d), min(category)
	FROM base WHERE idx = 0 AND howto AND email IS NOT NULL AND category IS NOT NULL ${onlyRepeat}
	GROUP BY account_id, email, lower(category) HAVING count(*) >= ${pRepeat}`;

	const [rows, records, asOfRow] = await Promise.all([
		q.all(sql, params),
		listTrainingRecords(q, scope, only ?? undefined),
		q.one(`SELECT max(as_of) AS as_of FROM imports WHERE status = 'committed'`)
	]);
	const recordsOf = new Map<string, TrainingRecord[]>();
	for (const r of records) {
		const list = recordsOf.get(r.accountId) ?? [];
		list.push(r);
		recordsOf.set(r.accountId, list);
	}
	const offerDays = (d: string) => versionOn(versions, d).thresholds.offerAnswerDays;

	const figures = new Map<string, Map<number, Row>>();
	const repeats = new Map<string, RepeatAsker[]>();
	for (const r of rows) {
		const id = String(r.account_id);
		if (r.part === 'r') {
			const list = repeats.get(id) ?? [];
			list.push({
				email: String(r.email),
				name: str(r.name),
				category: String(r.category),
				questions: num(r.howto)
			});
			repeats.set(id, list);
		} else {
			const m = figures.get(id) ?? new Map<number, Row>();
			m.set(num(r.idx), r);
			figures.set(id, m);
		}
	}

	const howToLinkExact = t.howTo.categories.length === 0;
	const compliance = (accountId: string, over: Partial<ComplianceFilters>): string =>
		filterParams({
			clock: 'first_response',
			from: period.from,
			to: period.to,
			accounts: [accountId],
			tiers: [],
			priorities: [],
			types: [],
			languages: [],
			channels: [],
			csms: [],
			within: 4,
			...over
		}).toString();

	const label = periodLabel(period);
	const out: AccountTraining[] = [];
	const quiet: TrainingView['quiet'] = [];
	for (const a of accounts) {
		const id = String(a.id);
		const f = figures.get(id);
		const now = f?.get(0);
		if (!now || num(now.tickets) === 0) {
			quiet.push({ accountId: id, name: String(a.name) });
			continue;
		}
		const tickets = num(now.tickets);
		const howTo = num(now.howto);
		const referredKnown = num(now.referred_known);
		const referred = num(now.referred);
		const earlier = earlierPeriods.map((p, i) => {
			const r = f?.get(-(i + 1));
			const tk = num(r?.tickets);
			const h = num(r?.howto);
			return { ...p, tickets: tk, howTo: h, share: tk ? h / tk : null };
		});
		const withTickets = earlier.filter((e) => e.share !== null);
		const recs = recordsOf.get(id) ?? [];
		const periods = chargeablePeriods(recs, offerDays);
		const lastPeriod = periods.at(-1);
		const open = lastPeriod && lastPeriod.to === null ? lastPeriod : null;
		out.push({
			accountId: id,
			name: String(a.name),
			tier: tierOf.get(id) ?? null,
			policy: str(a.policy_id),
			accountManager: str(a.account_manager),
			isSample: a.is_sample === true,
			tickets,
			howTo,
			share: howTo / tickets,
			referred,
			referredKnown,
			referredShare: referredKnown ? referred / referredKnown : null,
			repeatAskers: (repeats.get(id) ?? []).sort(
				(x, y) =>
					y.questions - x.questions ||
					x.email.localeCompare(y.email) ||
					x.category.localeCompare(y.category)
			),
			noCategory: num(now.no_category),
			noRequester: num(now.no_requester),
			earlier,
			earlierShare: withTickets.length
				? withTickets.reduce((s2, e) => s2 + e.share!, 0) / withTickets.length
				: null,
			tierAverage: { share: null, accounts: 0 },
			flags: [],
			notes: [],
			training: {
				latest: recs.at(-1) ?? null,
				records: recs.length,
				chargeableFrom: open?.from ?? null,
				chargeableReason: open?.reason ?? null
			},
			links: {
				tickets: compliance(id, {}),
				howTo: howToLinkExact && howTo > 0 ? compliance(id, { types: t.howTo.types }) : null
			}
		});
	}

	// the tier comparison: the average share of the OTHER accounts of the same tier
	for (const a of out) {
		if (!a.tier) continue;
		const others = out.filter((o) => o !== a && o.tier === a.tier && o.share !== null);
		a.tierAverage = {
			share: others.length ? others.reduce((s2, o) => s2 + o.share!, 0) / others.length : null,
			accounts: others.length
		};
	}

	for (const a of out) {
		const enough = a.howTo >= t.minHowToCount;
		const floor = `at least ${n(t.minHowToCount)} how-to questions`;
		if (enough && a.share !== null && a.share * 100 >= t.minHowToSharePct)
			a.flags.push({
				key: 'share',
				label: FLAG_LABELS.share,
				reason: `${n(a.howTo)} of its ${n(a.tickets)} tickets (${pct(a.share)}) in ${label} were how-to questions; the flag is set at ${pctSetting(t.minHowToSharePct)} or more with ${floor}.`
			});
		if (
			a.referred >= t.minReferredCount &&
			a.referredShare !== null &&
			a.referredShare * 100 >= t.minReferredSharePct
		)
			a.flags.push({
				key: 'referred',
				label: FLAG_LABELS.referred,
				reason: `${n(a.referred)} of ${n(a.referredKnown)} how-to questions (${pct(a.referredShare)}) were answered by pointing to the manual or knowledge base; the flag is set at ${pctSetting(t.minReferredSharePct)} or more with at least ${n(t.minReferredCount)}.`
			});
		if (a.repeatAskers.length) {
			const shown = a.repeatAskers
				.slice(0, 3)
				.map((r) => `${r.name ?? r.email} ${n(r.questions)} on "${r.category}"`);
			const more = a.repeatAskers.length - shown.length;
			a.flags.push({
				key: 'repeat',
				label: FLAG_LABELS.repeat,
				reason: `${n(a.repeatAskers.length)} ${a.repeatAskers.length === 1 ? 'contact' : 'contacts'} asked ${n(repeatMin)} or more how-to questions on one category in ${label}${len > 1 ? ` (${n(t.repeatMinQuestions)} a month)` : ''}: ${shown.join('; ')}${more > 0 ? `; and ${n(more)} more` : ''}.`
			});
		}
		if (
			enough &&
			a.share !== null &&
			a.earlierShare !== null &&
			(a.share - a.earlierShare) * 100 >= t.risePoints
		)
			a.flags.push({
				key: 'rising',
				label: FLAG_LABELS.rising,
				reason: `The how-to share rose from ${pct(a.earlierShare)} (average of the ${n(a.earlier.filter((e) => e.share !== null).length)} earlier ${len === 1 ? 'months' : 'periods'} with tickets, ${periodLabel({ from: earlierPeriods.at(-1)!.from, to: earlierPeriods[0].to })}) to ${pct(a.share)}: ${factor(Math.round((a.share - a.earlierShare) * 1000) / 10)} points; the flag is set at a rise of ${factor(t.risePoints)} points with ${floor}.`
			});
		if (
			enough &&
			a.share !== null &&
			a.tierAverage.share !== null &&
			a.tierAverage.share > 0 &&
			a.share >= t.tierFactor * a.tierAverage.share
		)
			a.flags.push({
				key: 'tier',
				label: FLAG_LABELS.tier,
				reason: `Its how-to share of ${pct(a.share)} is ${factor(Math.round((a.share / a.tierAverage.share) * 100) / 100)} × the ${pct(a.tierAverage.share)} average of the ${n(a.tierAverage.accounts)} other ${a.tier} ${a.tierAverage.accounts === 1 ? 'account' : 'accounts'}; the flag is set at ${factor(t.tierFactor)} × or more with ${floor}.`
			});

		if (a.howTo > 0 && a.referredKnown === 0)
			a.notes.push(
				'Whether questions were answered by the manual cannot be seen: the export of its tickets has no tags.'
			);
		else if (a.referredKnown < a.howTo)
			a.notes.push(
				`${n(a.howTo - a.referredKnown)} how-to questions come from an export without tags: whether they were answered by the manual cannot be seen.`
			);
		if (a.noCategory)
			a.notes.push(
				`${n(a.noCategory)} how-to ${a.noCategory === 1 ? 'question has' : 'questions have'} no category: not counted for repeat askers.`
			);
		if (a.noRequester)
			a.notes.push(
				`${n(a.noRequester)} how-to ${a.noRequester === 1 ? 'question has' : 'questions have'} no requester e-mail: not attributed to a contact.`
			);
		if (!a.tier) a.notes.push('No tier: not compared with other accounts.');
		else if (a.tierAverage.accounts === 0)
			a.notes.push(`No other ${a.tier} account has tickets in ${label}: no tier comparison.`);
		if (a.earlierShare === null) a.notes.push('No tickets in the earlier periods: no trend.');
	}

	out.sort(
		(x, y) =>
			y.flags.length - x.flags.length || y.howTo - x.howTo || x.name.localeCompare(y.name, 'nl')
	);
	const notes: string[] = [
		'Whether a customer still wanted help after being referred to the manual (the chargeable part of R19) is not in the exports; the time entries of the billing page show the time spent.'
	];
	if (!howToLinkExact)
		notes.push(
			`How-to questions include the categories ${t.howTo.categories.join(', ')}; the ticket list can filter by type only, so the how-to counts are not linked.`
		);
	return {
		period,
		earlierPeriods,
		thresholds: tv,
		asOf: str(asOfRow?.as_of),
		accounts: out,
		quiet,
		howToLinkExact,
		notes
	};
}

/** The training signals of one account (for its operational review); null when it had no tickets. */
export async function trainingForAccount(
	q: Queryable,
	scope: Scope,
	accountId: string,
	period: TrainingPeriod
): Promise<AccountTraining | null> {
	const v = await computeTraining(q, scope, period, undefined, accountId);
	return v.accounts.find((a) => a.accountId === accountId) ?? null;
}

export interface FlagChange {
	accountId: string;
	name: string;
	added: Flag[];
	removed: Flag[];
}

export interface ThresholdPreview {
	period: TrainingPeriod;
	current: ThresholdVersion;
	candidate: ThresholdVersion;
	changes: FlagChange[];
	/** accounts whose R20 chargeable date would move (a changed offerAnswerDays) */
	chargeable: { accountId: string; name: string; before: string | null; after: string | null }[];
}

/** Which accounts' flags (and chargeable dates) a new version would change, without saving it. */
export async function previewThresholds(
	q: Queryable,
	scope: Scope,
	change: Omit<ThresholdChange, 'reason' | 'by'> & Partial<Pick<ThresholdChange, 'reason' | 'by'>>,
	period: TrainingPeriod
): Promise<ThresholdPreview> {
	const thresholds = parseThresholds(change.body);
	if (!validDate(change.effectiveFrom))
		throw new TrainingError(
			'effectiveFrom',
			`"${change.effectiveFrom}" is not a date (yyyy-mm-dd)`
		);
	const versions = await thresholdVersions(q);
	const candidate: ThresholdVersion = {
		version: Math.max(...versions.map((v) => v.version)) + 1,
		effectiveFrom: change.effectiveFrom,
		thresholds,
		reason: change.reason ?? '',
		by: change.by ?? '',
		createdAt: null,
		builtin: false
	};
	const [before, after] = await Promise.all([
		trainingView(q, scope, period),
		trainingView(q, scope, period, candidate)
	]);
	const afterOf = new Map(after.accounts.map((a) => [a.accountId, a]));
	const changes: FlagChange[] = [];
	for (const b of before.accounts) {
		const a = afterOf.get(b.accountId);
		if (!a) continue;
		const keys = (x: AccountTraining) => new Set(x.flags.map((f) => f.key));
		const bk = keys(b);
		const ak = keys(a);
		const added = a.flags.filter((f) => !bk.has(f.key));
		const removed = b.flags.filter((f) => !ak.has(f.key));
		if (added.length || removed.length)
			changes.push({ accountId: b.accountId, name: b.name, added, removed });
	}
	// R20 with the candidate's wait for offers made on or after its date
	const records = await listTrainingRecords(q, scope);
	const all = [...versions, candidate];
	const byAccount = new Map<string, TrainingRecord[]>();
	for (const r of records) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r]);
	const names = new Map(before.accounts.map((a) => [a.accountId, a.name]));
	for (const qd of before.quiet) names.set(qd.accountId, qd.name);
	const chargeable: ThresholdPreview['chargeable'] = [];
	for (const [id, recs] of byAccount) {
		const open = (ps: ChargeablePeriod[]) => {
			const l = ps.at(-1);
			return l && l.to === null ? l.from : null;
		};
		const b = open(
			chargeablePeriods(recs, (d) => versionOn(versions, d).thresholds.offerAnswerDays)
		);
		const a = open(chargeablePeriods(recs, (d) => versionOn(all, d).thresholds.offerAnswerDays));
		if (a !== b) chargeable.push({ accountId: id, name: names.get(id) ?? id, before: b, after: a });
	}
	return { period, current: before.thresholds, candidate, changes, chargeable };
}
