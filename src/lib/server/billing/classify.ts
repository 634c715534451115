/**
 * Why a time entry is billable, free, or needs a person (PRODUCT.md R18–R25), and what it costs:
 * pure functions, no I/O. Each line names the rule and the setting that decided it; nothing the
 * data cannot decide is guessed — it becomes a "needs a person" line with the question to answer.
 *
 * Money is integer cents throughout: amount = round(rate × billed minutes × multiplier / 60),
 * VAT = round(amount × VAT rate), so sums of lines never drift.
 */
import { closedDays, openWindows, type Calendar } from '../../domain/calendar.ts';
import { instantToWallClock, wallClockToInstant } from '../../domain/wall-clock.ts';
import type { RateCardVersion, TierRates } from './rates.ts';

export type LineStatus = 'billable' | 'free' | 'needs-person';

export const REASON_LABELS: Record<string, string> = {
	R18: 'Outage reports and user questions (free)',
	R19: 'Questions the manuals answer, help still given',
	R20: 'How-to questions after training declined or not taken',
	R21: 'Setup and changes to setup (written order)',
	R22: 'Repairs after misuse or errors, other exclusions',
	R23: 'On-call work outside office hours',
	R24: 'Unjustified tickets',
	R25: 'On-site support (paid order)',
	included: 'Included in the service'
};

/** Reasons that are charged only on a prior written order (or a paid order: R25). */
export const ORDER_REASONS = ['R21', 'R22', 'R25'];

export interface EntryFacts {
	source: string;
	entryId: string;
	ticketId: string;
	accountId: string;
	startedAt: Date;
	minutes: number;
	/** the entry's local date in the account's zone (yyyy-mm-dd) */
	localDate: string;
	workType: string | null;
	billable: boolean | null;
	onSite: boolean | null;
	orderReference: string | null;
	/** the ticket as corrected */
	type: string | null;
	priority: string | null;
	category: string | null;
	tags: string | null;
	unjustified: boolean;
	/** the tier in force at the entry's start, and why */
	tier: string | null;
	/** a reason a person set on the billing page, with who and why */
	personReason: { value: string; by: string; why: string } | null;
}

export interface ClassifyContext {
	card: RateCardVersion;
	policyVersion: number | null;
	/** policy settings highPriority and onCallIncluded (R15, R23) */
	highPriority: string[];
	onCallIncluded: string[];
	/** the office-hours calendar R23 counts against (holidays closed) */
	officeHours: Calendar | null;
	howTo: { types: string[]; categories: string[]; referredTags: string[] };
	/** R20: the chargeable period covering the entry's date, if any */
	r20: { from: string; reason: string } | null;
}

export interface BillingLine {
	key: string;
	source: string;
	entryId: string;
	ticketId: string;
	accountId: string;
	date: string;
	startedAt: string;
	/** the whole entry, or its minutes outside / inside office hours (R23 splits an entry) */
	part: 'all' | 'outside' | 'inside';
	category: string;
	status: LineStatus;
	/** R18…R25, 'included', or null while a person must decide */
	reason: string | null;
	rule: string;
	setting: string;
	why: string;
	tier: string | null;
	minutes: number;
	billedMinutes: number;
	rateCents: number;
	multiplier: number;
	amountCents: number;
	vatRate: number;
	vatCents: number;
	currency: string;
	orderReference: string | null;
	rateCardVersion: number;
}

/** Billed minutes: rounded up to the increment, at least the minimum (0 minutes stay 0). */
export function billedMinutes(
	minutes: number,
	r: Pick<TierRates, 'minimumMinutes' | 'roundingMinutes'>
): number {
	if (minutes <= 0) return 0;
	const inc = r.roundingMinutes;
	const rounded = inc > 0 ? Math.ceil(minutes / inc - 1e-9) * inc : Math.round(minutes * 100) / 100;
	return Math.max(r.minimumMinutes, rounded);
}

/** round(rate × minutes × multiplier / 60) in cents. */
export function amountCents(rateCents: number, minutes: number, multiplier: number): number {
	return Math.round((rateCents * minutes * multiplier) / 60);
}

const DAY_CLOSING = new Set(['holiday', 'holiday-set', 'substitute']);

/**
 * R23's split of an entry: its minutes inside office hours, outside them on ordinary days, and on
 * holidays (a holiday, the holiday set's or a substitute day: all its minutes are outside).
 */
export function officeHoursSplit(
	cal: Calendar,
	start: Date,
	minutes: number
): { inside: number; outside: number; holiday: number } {
	const from = start.getTime();
	const to = from + minutes * 60_000;
	const first = localDayNumber(cal, from);
	const last = localDayNumber(cal, to - 1);
	// open time: the open windows of each local day it touches (a day either side: days partition
	// time, so the sum is the calendar's open time within the entry, to the millisecond)
	let insideMs = 0;
	let holiday = 0;
	for (let d = first - 1; d <= last + 1; d++) {
		const h = hoursOfDay(cal, d);
		if (h.end <= from || h.start >= to) continue;
		for (let i = 0; i < h.windows.length; i += 2) {
			const a = Math.max(h.windows[i], from);
			const b = Math.min(h.windows[i + 1], to);
			if (b > a) insideMs += b - a;
		}
	}
	// a holiday, the holiday set's or a substitute day: all its minutes are outside
	for (let d = first; d <= last; d++) {
		const h = hoursOfDay(cal, d);
		if (!h.closing) continue;
		const a = Math.max(h.start, from);
		const b = Math.min(h.end, to);
		if (b > a) holiday += (b - a) / 60_000;
	}
	const inside = insideMs / 1000 / 60;
	return { inside, outside: Math.max(0, minutes - inside - holiday), holiday };
}

const DAY_MS = 86_400_000;
const QUARTER_MS = 900_000;

/** A zone's UTC offset per quarter hour (offsets change only on quarter hours): quarter → offset ms. */
const zoneOffsets = new WeakMap<Calendar['zone'], Map<number, number>>();

/** The local day (days since 1970-01-01) of an instant in the calendar's zone. */
function localDayNumber(cal: Calendar, ms: number): number {
	let offsets = zoneOffsets.get(cal.zone);
	if (!offsets) {
		offsets = new Map();
		zoneOffsets.set(cal.zone, offsets);
	}
	const quarter = Math.floor(ms / QUARTER_MS);
	let off = offsets.get(quarter);
	if (off === undefined) {
		const q = quarter * QUARTER_MS;
		off = instantToWallClock(q, cal.zone) - q;
		if (offsets.size > 200_000) offsets.clear();
		offsets.set(quarter, off);
	}
	return Math.floor((ms + off) / DAY_MS);
}

/** One local day of a calendar: its bounds, its open windows (start, end, …) and whether it is a closing day. */
interface DayHours {
	start: number;
	end: number;
	windows: number[];
	closing: boolean;
}

const dayHoursCache = new WeakMap<Calendar, Map<number, DayHours>>();

function hoursOfDay(cal: Calendar, day: number): DayHours {
	let days = dayHoursCache.get(cal);
	if (!days) {
		days = new Map();
		dayHoursCache.set(cal, days);
	}
	let h = days.get(day);
	if (!h) {
		const start = wallClockToInstant(day * DAY_MS, cal.zone).epochMs;
		const end = wallClockToInstant((day + 1) * DAY_MS, cal.zone).epochMs;
		const windows: number[] = [];
		for (const w of openWindows(cal, new Date(start), new Date(end)))
			windows.push(w.start.getTime(), w.end.getTime());
		const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
		const closing = closedDays(cal, date, date).some((c) => DAY_CLOSING.has(c.reason));
		h = { start, end, windows, closing };
		if (days.size > 20_000) days.clear();
		days.set(day, h);
	}
	return h;
}

function tagList(tags: string | null): string[] {
	return (tags ?? '')
		.toLowerCase()
		.split(/[\s,;|]+/)
		.filter(Boolean);
}

/** What every line of one entry shares (module-level functions, no closures built per entry). */
interface LineState {
	e: EntryFacts;
	card: RateCardVersion;
	category: string;
	tierRates: TierRates | undefined;
	startedAt: string;
}

function hasReason(card: RateCardVersion['card'], r: string): boolean {
	return card.reasons.includes(r);
}

/** What the rules decided for (a part of) an entry: its status, the reason and rule, and why. */
interface Outcome {
	status: LineStatus;
	reason: string | null;
	rule: string;
	setting: string;
	why: string;
}

function makeLine(
	st: LineState,
	part: BillingLine['part'],
	minutes: number,
	outcome: Outcome,
	multiplier = 1
): BillingLine {
	const { reason, rule, setting } = outcome;
	let { status, why } = outcome;
	const { e, tierRates, category } = st;
	const card = st.card.card;
	let billed = 0;
	let rate = 0;
	let amount = 0;
	if (status === 'billable') {
		if (!tierRates) {
			const cardName = `rate card ${card.policyId} v${st.card.version}${card.example ? ' (example)' : ''}`;
			status = 'needs-person';
			why = `${why} — but ${cardName} has no rates for tier ${e.tier ?? '(none in force)'}`;
		} else {
			billed = billedMinutes(minutes, tierRates);
			rate = tierRates.rates[category] ?? tierRates.rates.default ?? 0;
			amount = amountCents(rate, billed, multiplier);
		}
	}
	// every field written out (no spread of a shared base): one object shape for every line, fast to build
	return {
		source: e.source,
		entryId: e.entryId,
		ticketId: e.ticketId,
		accountId: e.accountId,
		date: e.localDate,
		startedAt: st.startedAt,
		category,
		tier: e.tier,
		vatRate: card.vatRate,
		currency: card.currency,
		orderReference: e.orderReference,
		rateCardVersion: st.card.version,
		key: `${e.source}/${e.entryId}/${part}`,
		part,
		status,
		reason,
		rule,
		setting,
		why,
		minutes,
		billedMinutes: billed,
		rateCents: rate,
		multiplier: status === 'billable' ? multiplier : 1,
		amountCents: amount,
		vatCents: Math.round(amount * card.vatRate)
	};
}

function pushLine(
	st: LineState,
	lines: BillingLine[],
	part: BillingLine['part'],
	minutes: number,
	outcome: Outcome
): void {
	lines.push(makeLine(st, part, minutes, outcome));
}

/** Lowercased lists, computed once per list (the settings' arrays are shared by every entry). */
const lowered = new WeakMap<string[], string[]>();
function lower(list: string[]): string[] {
	let l = lowered.get(list);
	if (!l) {
		l = list.map((x) => x.toLowerCase());
		lowered.set(list, l);
	}
	return l;
}

/**
 * The texts most lines share, built once per rate card and billable flag instead of once per line
 * (most of a month's lines are "included" or "set the reason" ones).
 */
const sharedTexts = new WeakMap<
	RateCardVersion['card'],
	Map<string, { none: string; included: string }>
>();
function textsFor(card: RateCardVersion['card'], flag: string): { none: string; included: string } {
	let byFlag = sharedTexts.get(card);
	if (!byFlag) sharedTexts.set(card, (byFlag = new Map()));
	let t = byFlag.get(flag);
	if (!t) {
		t = {
			none: `${flag}, but no chargeable reason of this policy (${card.reasons.join(', ')}) decides it: set the reason, or mark it free`,
			included: `${flag}: included in the service`
		};
		byFlag.set(flag, t);
	}
	return t;
}

/** The lines of one time entry: one, or two when R23 charges its minutes outside office hours. */
export function classifyEntry(e: EntryFacts, ctx: ClassifyContext): BillingLine[] {
	const card = ctx.card.card;
	const category = (e.onSite && e.workType !== 'on_site' ? 'on_site' : e.workType) || 'default';
	const st: LineState = {
		e,
		card: ctx.card,
		category,
		tierRates: e.tier ? card.tiers[e.tier] : undefined,
		startedAt: e.startedAt.toISOString()
	};
	const lines: BillingLine[] = [];

	// 0. a person decided
	if (e.personReason) {
		const v = e.personReason.value;
		const who = `set by ${e.personReason.by}: ${e.personReason.why}`;
		if (v === 'free' || v === 'included')
			return [
				makeLine(st, 'all', e.minutes, {
					status: 'free',
					reason: v === 'free' ? null : 'included',
					rule: 'person',
					setting: 'time-entry correction',
					why: `free, ${who}`
				})
			];
		if (ORDER_REASONS.includes(v) && !e.orderReference)
			return [
				makeLine(st, 'all', e.minutes, {
					status: 'needs-person',
					reason: v,
					rule: v,
					setting: 'time-entry correction',
					why: `${v} ${who}; charged only on an order: attach the order reference`
				})
			];
		return [
			makeLine(st, 'all', e.minutes, {
				status: 'billable',
				reason: v,
				rule: v,
				setting: 'time-entry correction',
				why: `${REASON_LABELS[v] ?? v}, ${who}`
			})
		];
	}

	// 1. R24: a person marked the ticket unjustified
	if (hasReason(card, 'R24') && e.unjustified)
		return [
			makeLine(st, 'all', e.minutes, {
				status: 'billable',
				reason: 'R24',
				rule: 'R24 [contract]',
				setting: 'ticket correction "unjustified"',
				why: 'the ticket was marked unjustified: its costs are charged'
			})
		];

	let minutes = e.minutes;
	let part: BillingLine['part'] = 'all';

	// 2. R23: minutes outside office hours on a high-priority incident, by the tier in force
	const isIncident = lower(card.incidentTypes).includes((e.type ?? '').toLowerCase());
	if (hasReason(card, 'R23') && isIncident && e.priority && ctx.highPriority.includes(e.priority)) {
		if (!ctx.officeHours)
			return [
				makeLine(st, 'all', e.minutes, {
					status: 'needs-person',
					reason: 'R23',
					rule: 'R23 [default]',
					setting: `rate card officeHoursCalendar "${card.officeHoursCalendar}"`,
					why: 'the office-hours calendar is not in the store: outside minutes cannot be counted'
				})
			];
		const split = officeHoursSplit(ctx.officeHours, e.startedAt, e.minutes);
		const outside = split.outside + split.holiday;
		if (outside > 1e-9) {
			if (!e.tier)
				lines.push(
					makeLine(st, 'outside', outside, {
						status: 'needs-person',
						reason: 'R23',
						rule: 'R23 [default]',
						setting: 'tier history',
						why: "no tier in force at the entry's start: whether on-call is included is unknown"
					})
				);
			else if (ctx.onCallIncluded.includes(e.tier))
				lines.push(
					makeLine(st, 'outside', outside, {
						status: 'free',
						reason: 'included',
						rule: 'R15 [contract]',
						setting: 'policy setting onCallIncluded',
						why: `on-call outside office hours is included for ${e.tier} (${fmtMin(outside)} min outside ${card.officeHoursCalendar})`
					})
				);
			else {
				const mult =
					(split.outside * (st.tierRates?.outOfHoursMultiplier ?? 1) +
						split.holiday * (st.tierRates?.holidayMultiplier ?? 1)) /
					outside;
				lines.push(
					makeLine(
						st,
						'outside',
						outside,
						{
							status: 'billable',
							reason: 'R23',
							rule: 'R23 [default]',
							setting:
								'policy settings highPriority, onCallIncluded; rate card outOfHoursMultiplier, holidayMultiplier',
							why: `${fmtMin(outside)} of ${fmtMin(e.minutes)} min outside office hours (${card.officeHoursCalendar}${split.holiday ? `, ${fmtMin(split.holiday)} on a holiday` : ''}) on a ${e.priority} ${e.type}; ${e.tier} is not entitled to on-call`
						},
						Math.round(mult * 10000) / 10000
					)
				);
			}
			minutes = split.inside;
			part = 'inside';
			if (minutes <= 1e-9) return lines;
		}
	}

	const flag =
		e.billable === true
			? 'marked billable by the helpdesk'
			: e.billable === false
				? 'marked not billable by the helpdesk'
				: 'the export has no billable flag';

	// 3. on-site
	if (category === 'on_site') {
		if (hasReason(card, 'R25')) {
			if (e.orderReference)
				pushLine(st, lines, part, minutes, {
					status: 'billable',
					reason: 'R25',
					rule: 'R25 [contract]',
					setting: 'work type on_site; order reference',
					why: `on-site support on order ${e.orderReference}`
				});
			else
				pushLine(st, lines, part, minutes, {
					status: 'needs-person',
					reason: 'R25',
					rule: 'R25 [contract]',
					setting: 'work type on_site',
					why: 'on-site support needs an official paid order: attach the order reference'
				});
		} else if (e.billable === false)
			pushLine(st, lines, part, minutes, {
				status: 'free',
				reason: null,
				rule: '—',
				setting: 'billable flag',
				why: `on-site work ${flag}`
			});
		else
			pushLine(st, lines, part, minutes, {
				status: 'needs-person',
				reason: null,
				rule: '—',
				setting: 'work type on_site',
				why: `on-site work ${flag}; no chargeable reason of this policy decides it: set the reason`
			});
		return lines;
	}
	// 4. setup and changes (R21)
	if (hasReason(card, 'R21') && (category === 'setup' || category === 'change')) {
		if (e.orderReference)
			pushLine(st, lines, part, minutes, {
				status: 'billable',
				reason: 'R21',
				rule: 'R21 [contract]',
				setting: `work type ${category}; order reference`,
				why: `${category === 'setup' ? 'setup' : 'a change to setup'} on written order ${e.orderReference}`
			});
		else
			pushLine(st, lines, part, minutes, {
				status: 'needs-person',
				reason: 'R21',
				rule: 'R21 [contract]',
				setting: `work type ${category}`,
				why: `${category === 'setup' ? 'setup' : 'a change to setup'} is done only on a prior written order: attach the order reference, or set the reason`
			});
		return lines;
	}
	// 5. repairs (R22)
	if (hasReason(card, 'R22') && category === 'repair') {
		if (e.billable === true) {
			if (e.orderReference)
				pushLine(st, lines, part, minutes, {
					status: 'billable',
					reason: 'R22',
					rule: 'R22 [contract]',
					setting: 'work type repair; billable flag; order reference',
					why: `a repair ${flag}, on order ${e.orderReference}`
				});
			else
				pushLine(st, lines, part, minutes, {
					status: 'needs-person',
					reason: 'R22',
					rule: 'R22 [contract]',
					setting: 'work type repair; billable flag',
					why: `a repair ${flag}: charged only on a prior written order — attach it, or set the reason`
				});
		} else if (e.billable === false)
			pushLine(st, lines, part, minutes, {
				status: 'free',
				reason: hasReason(card, 'R18') ? 'R18' : null,
				rule: 'R18 [contract]',
				setting: 'work type repair; billable flag',
				why: `a fault repair ${flag}: within the service`
			});
		else
			pushLine(st, lines, part, minutes, {
				status: 'needs-person',
				reason: 'R22',
				rule: 'R22 [contract]',
				setting: 'work type repair',
				why: `a repair, ${flag}: whether misuse or an error caused it is not in the data`
			});
		return lines;
	}
	// 6. analysis of where a fault lies (R22: a duty, not charged)
	if (hasReason(card, 'R22') && category === 'analysis') {
		pushLine(st, lines, part, minutes, {
			status: 'free',
			reason: 'R22',
			rule: 'R22 [contract]',
			setting: 'work type analysis',
			why: 'analysing where a fault lies is a duty and is not charged'
		});
		return lines;
	}
	// 7. how-to questions (R20, R19, R18)
	const howTo =
		ctx.howTo.types.includes(e.type ?? '') ||
		lower(ctx.howTo.categories).includes((e.category ?? '').toLowerCase());
	if (howTo && (hasReason(card, 'R18') || hasReason(card, 'R19') || hasReason(card, 'R20'))) {
		const referred = tagList(e.tags).some((t) => lower(ctx.howTo.referredTags).includes(t));
		if (hasReason(card, 'R20') && ctx.r20)
			pushLine(st, lines, part, minutes, {
				status: 'billable',
				reason: 'R20',
				rule: 'R20 [default]',
				setting: 'training record; training setting offerAnswerDays',
				why: `a how-to question on ${e.localDate}, chargeable from ${ctx.r20.from}: ${ctx.r20.reason}`
			});
		else if (hasReason(card, 'R19') && referred && e.billable === true)
			pushLine(st, lines, part, minutes, {
				status: 'billable',
				reason: 'R19',
				rule: 'R19 [contract]',
				setting: 'ticket tag (training setting howTo.referredTags); billable flag',
				why: `referred to the manual (tagged) and help still given: ${flag}`
			});
		else if (e.billable === true)
			pushLine(st, lines, part, minutes, {
				status: 'needs-person',
				reason: null,
				rule: '—',
				setting: 'billable flag',
				why: `a how-to question ${flag}, but it was not referred to the manual and no training was declined: set the reason, or mark it free`
			});
		else
			pushLine(st, lines, part, minutes, {
				status: 'free',
				reason: hasReason(card, 'R18') ? 'R18' : 'included',
				rule: hasReason(card, 'R18') ? 'R18 [contract]' : '—',
				setting: 'ticket type (training setting howTo.types)',
				why: `a user question${referred ? ' referred to the manual, no further help charged' : ''}: free`
			});
		return lines;
	}
	// 8. on-call work inside office hours: the incident itself, free like any outage report
	if (category === 'on_call' && part === 'inside') {
		pushLine(st, lines, part, minutes, {
			status: 'free',
			reason: hasReason(card, 'R18') ? 'R18' : 'included',
			rule: hasReason(card, 'R18') ? 'R18 [contract]' : '—',
			setting: 'office-hours calendar',
			why: `the ${fmtMin(minutes)} min inside office hours of on-call work on an incident: free`
		});
		return lines;
	}
	// 9. everything else
	if (e.billable === true)
		pushLine(st, lines, part, minutes, {
			status: 'needs-person',
			reason: null,
			rule: '—',
			setting: 'billable flag',
			why: textsFor(card, flag).none
		});
	else if (hasReason(card, 'R18') && isIncident)
		pushLine(st, lines, part, minutes, {
			status: 'free',
			reason: 'R18',
			rule: 'R18 [contract]',
			setting: 'ticket type',
			why: 'work on a reported outage or fault: free'
		});
	else
		pushLine(st, lines, part, minutes, {
			status: 'free',
			reason: 'included',
			rule: '—',
			setting: 'billable flag',
			why: textsFor(card, flag).included
		});
	return lines;
}

function fmtMin(m: number): string {
	return String(Math.round(m * 100) / 100);
}
