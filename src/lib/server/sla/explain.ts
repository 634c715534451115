/**
 * "Why?" for one ticket: what the engine decided and which rule and setting decided it, each
 * marked contract or default (PRODUCT.md), with the open windows counted day by day (holidays and
 * substitute days shown), the pauses, the arithmetic, and what the export did not contain.
 * Reads the stored verdicts (ticket_sla) and re-derives the day-by-day view with the TypeScript
 * reference calendar, so the explanation shows exactly the rule the SQL applied.
 */
import type { Queryable } from '../db/index.ts';
import {
	businessSecondsBetween,
	closedDays,
	openWindows,
	type Calendar
} from '../../domain/calendar.ts';
import { instantToWallClock } from '../../domain/wall-clock.ts';
import type { Policy, Setting } from '../../domain/policy.ts';
import { listCorrections, type Correction } from './corrections.ts';
import { loadCalendars, loadPolicies } from './recompute.ts';

export interface Decision {
	what: string;
	value: string | number | null;
	/** the rule in PRODUCT.md, where one applies */
	rule?: string;
	kind?: 'contract' | 'default';
	/** the policy setting that decided it, by name */
	setting?: string;
	why: string;
}

export interface DayCount {
	date: string;
	windows: { from: string; to: string; seconds: number }[];
	seconds: number;
	closed?: string;
}

export interface ClockExplanation {
	clock: string;
	verdict: string;
	excludedReason: string | null;
	decisions: Decision[];
	startedAt: string | null;
	stoppedAt: string | null;
	stopOrigin: string | null;
	asOf: string | null;
	dueAt: string | null;
	targetSeconds: number | null;
	businessSeconds: number | null;
	pausedSeconds: number | null;
	pauses: { from: string; to: string; seconds: number }[];
	days: DayCount[];
	arithmetic: string[];
}

export interface Explanation {
	ticket: {
		source: string;
		id: string;
		account: string | null;
		subject: string | null;
		createdAt: string;
		status: string | null;
		priority: string | null;
		type: string | null;
		language: string | null;
	};
	corrections: Correction[];
	/** priority changes in the status history, oldest first */
	priorityChanges: { at: string; from: string | null; to: string | null }[];
	notInExport: string[];
	notes: string[];
	clocks: ClockExplanation[];
}

const hours = (s: number | null) => (s === null ? '—' : `${(s / 3600).toFixed(2)} h`);

function local(iso: string, cal: Calendar): string {
	return new Date(instantToWallClock(Date.parse(iso), cal.zone))
		.toISOString()
		.slice(0, 16)
		.replace('T', ' ');
}

export async function explainTicket(
	q: Queryable,
	source: string,
	id: string
): Promise<Explanation | null> {
	// everything the explanation reads, at once: each read runs on a connection of its own
	const [t, corrections, rows, policies, calendars, allStates, priorityRows] = await Promise.all([
		q.one(
			`SELECT t.*, a.name AS account_name FROM tickets t LEFT JOIN accounts a ON a.id = t.account_id WHERE t.source = $1 AND t.external_id = $2`,
			[source, id]
		),
		listCorrections(q, source, id),
		q.all(`SELECT * FROM ticket_sla WHERE source = $1 AND external_id = $2 ORDER BY clock`, [
			source,
			id
		]),
		loadPolicies(q),
		loadCalendars(q),
		q.all(
			`SELECT "at", lead("at") OVER (ORDER BY "at", event_key) AS next_at, kind, lower(to_value) AS state FROM ticket_events
			 WHERE source = $1 AND ticket_id = $2 AND kind IN ('status', 'pause_start', 'pause_end', 'created', 'resolved', 'closed', 'first_response', 'activity') ORDER BY "at"`,
			[source, id]
		),
		q.all(
			`SELECT "at", from_value, to_value FROM ticket_events WHERE source = $1 AND ticket_id = $2 AND kind = 'priority' ORDER BY "at", event_key`,
			[source, id]
		)
	]);
	if (!t) return null;
	const tierRows = t.account_id
		? await q.all(
				'SELECT effective_from, tier FROM tier_history WHERE account_id = $1 ORDER BY effective_from',
				[String(t.account_id)]
			)
		: [];
	const notes: string[] = [];
	const clocks: ClockExplanation[] = [];
	if (!rows.length)
		notes.push('No verdict yet: the engine has not run since this ticket was imported.');
	for (const r of rows) {
		const pv = policies.find((p) => p.id === r.policy_id && p.version === r.policy_version);
		const policy: Policy | undefined = pv?.policy;
		const cal = r.calendar_id ? calendars.get(String(r.calendar_id)) : undefined;
		const decisions: Decision[] = [];
		if (policy) {
			decisions.push({
				what: 'policy',
				value: `${policy.name} (version ${r.policy_version})`,
				why: `the account's policy, the version in force on the creation date`
			});
			const tiers = tierRows;
			const dg = policy.settings.downgradeTakesEffect as Setting<string>;
			decisions.push({
				what: 'tier',
				value: String(r.tier),
				rule: 'R2',
				kind: dg.kind,
				setting: 'downgradeTakesEffect',
				why: `the tier in force at creation (tier history: ${tiers.map((x) => `${x.effective_from} ${x.tier}`).join(', ')}); a downgrade takes effect ${dg.value === 'next-month' ? 'on the first day of the next month' : 'on its date'}`
			});
			const rule =
				r.calendar_rule !== null ? policy.calendars.choose[Number(r.calendar_rule)] : undefined;
			if (rule)
				decisions.push({
					what: 'calendar',
					value: String(r.calendar_id),
					rule: rule.rule,
					kind: rule.kind,
					setting: `calendars.choose[${r.calendar_rule}]`,
					why: `${rule.why} (language ${r.language ?? 'unknown'}, priority ${r.priority ?? 'unknown'})`
				});
			const clockDef = policy.clocks[String(r.clock) as 'first_response' | 'resolution'];
			const origin = String(r.target_origin ?? '');
			decisions.push({
				what: 'target',
				value: r.target_s === null ? null : hours(Number(r.target_s)),
				rule: origin === 'standard-outside-hours' ? 'R13' : clockDef?.rule,
				kind: origin === 'standard-outside-hours' ? 'contract' : clockDef?.kind,
				setting:
					origin === 'policy'
						? `clocks.${r.clock}.targetHours.${r.tier}.${r.priority}`
						: origin === 'standard-outside-hours'
							? 'dutchOutsideHoursGetsStandardTarget'
							: origin === 'agreement'
								? 'target agreement'
								: undefined,
				why:
					origin === 'agreement'
						? 'a written target agreement for this account replaces the policy target'
						: origin === 'standard-outside-hours'
							? 'a Dutch ticket submitted outside Dutch opening hours gets the Standard first-response target'
							: `the policy's target for ${r.tier} ${r.priority}${clockDef?.example ? ' (an example target: the contract gives no number)' : ''}`
			});
			const fr = policy.settings.firstResponse as Setting<string[]>;
			if (r.clock === 'first_response')
				decisions.push({
					what: 'first response',
					value: r.stopped_at === null ? null : String(r.stopped_at),
					rule: 'R28',
					kind: fr.kind,
					setting: 'firstResponse',
					why: `replies that count: ${fr.value.join(', ')}; an automatic message never counts (taken from: ${r.stop_origin ?? 'no response yet'})`
				});
			const ps = policy.settings.pauseStatuses as Setting<string[]>;
			decisions.push({
				what: 'pauses',
				value: hours(Number(r.paused_s ?? 0)),
				rule: 'R17',
				kind: ps.kind,
				setting: 'pauseStatuses',
				why: `time in ${ps.value.join(', ')} does not count`
			});
		}
		if (r.stop_origin === 'helpdesk minutes')
			notes.push(
				'first response taken from the helpdesk\'s own field (its "first reply time in minutes")'
			);
		if (r.pauses_available === false)
			notes.push('pauses not available: the export has no status history for this ticket');

		const startedAt = r.started_at === null ? null : String(r.started_at);
		const end = r.stopped_at ?? r.as_of;
		const days: DayCount[] = [];
		const pauses: ClockExplanation['pauses'] = [];
		if (cal && startedAt && end) {
			const from = new Date(startedAt);
			const to = new Date(String(end));
			const byDay = new Map<string, DayCount>();
			for (const w of openWindows(cal, from, to)) {
				const a = Math.max(w.start.getTime(), from.getTime());
				const b = Math.min(w.end.getTime(), to.getTime());
				if (b <= a) continue;
				const d = byDay.get(w.localDate) ?? { date: w.localDate, windows: [], seconds: 0 };
				d.windows.push({
					from: local(new Date(a).toISOString(), cal),
					to: local(new Date(b).toISOString(), cal),
					seconds: (b - a) / 1000
				});
				d.seconds += (b - a) / 1000;
				byDay.set(w.localDate, d);
			}
			const fromDate = local(startedAt, cal).slice(0, 10);
			const toDate = local(String(end), cal).slice(0, 10);
			for (const c of closedDays(cal, fromDate, toDate))
				byDay.set(c.date, {
					date: c.date,
					windows: [],
					seconds: 0,
					closed: `${c.reason}${c.name ? `: ${c.name}` : ''}`
				});
			days.push(...[...byDay.values()].sort((a, b) => a.date.localeCompare(b.date)));
			const states = allStates;
			const pauseStatuses = (policy?.settings.pauseStatuses.value as string[] | undefined) ?? [];
			for (const s of states) {
				const isPause =
					s.kind === 'pause_start' ||
					(s.kind === 'status' && pauseStatuses.includes(String(s.state))) ||
					(r.clock === 'resolution' && (s.kind === 'resolved' || s.state === 'solved'));
				if (!isPause) continue;
				const a = Math.max(Date.parse(String(s.at)), from.getTime());
				const b = Math.min(
					s.next_at === null ? Infinity : Date.parse(String(s.next_at)),
					to.getTime()
				);
				if (b <= a) continue;
				pauses.push({
					from: new Date(a).toISOString(),
					to: new Date(b).toISOString(),
					seconds: businessSecondsBetween(cal, new Date(a), new Date(b))
				});
			}
		}
		const gross = days.reduce((n, d) => n + d.seconds, 0);
		const paused = Number(r.paused_s ?? 0);
		const business = r.business_s === null ? null : Number(r.business_s);
		const target = r.target_s === null ? null : Number(r.target_s);
		const arithmetic: string[] = [];
		if (r.verdict === 'excluded') arithmetic.push(`excluded: ${r.excluded_reason}`);
		else if (business !== null && target !== null) {
			arithmetic.push(
				`open time from creation to ${r.stopped_at ? 'the stop' : `the as-of instant ${r.as_of}`}: ${gross} s (${hours(gross)})`
			);
			arithmetic.push(`minus paused: ${paused} s (${hours(paused)})`);
			arithmetic.push(
				`= ${business} s (${hours(business)}) against a target of ${target} s (${hours(target)})`
			);
			arithmetic.push(
				r.verdict === 'met'
					? `${business} <= ${target}: met`
					: r.verdict === 'missed'
						? `${business} > ${target}: missed`
						: r.verdict === 'open_missed'
							? `still open, and ${business} >= ${target} at the as-of instant: open and missed (due ${r.due_at})`
							: `still open, ${target - business} s left: open within target (due ${r.due_at})`
			);
		}
		clocks.push({
			clock: String(r.clock),
			verdict: String(r.verdict),
			excludedReason: r.excluded_reason === null ? null : String(r.excluded_reason),
			decisions,
			startedAt,
			stoppedAt: r.stopped_at === null ? null : String(r.stopped_at),
			stopOrigin: r.stop_origin === null ? null : String(r.stop_origin),
			asOf: r.as_of === null ? null : String(r.as_of),
			dueAt: r.due_at === null ? null : String(r.due_at),
			targetSeconds: target,
			businessSeconds: business,
			pausedSeconds: paused,
			pauses,
			days,
			arithmetic
		});
	}
	return {
		ticket: {
			source,
			id,
			account: t.account_name === null ? null : String(t.account_name),
			subject: t.subject === null ? null : String(t.subject),
			createdAt: String(t.created_at),
			status: t.status === null ? null : String(t.status),
			priority: t.final_priority === null ? null : String(t.final_priority),
			type: t.type === null ? null : String(t.type),
			language: t.language === null ? null : String(t.language)
		},
		corrections,
		priorityChanges: priorityRows.map((r) => ({
			at: String(r.at),
			from: r.from_value === null ? null : String(r.from_value),
			to: r.to_value === null ? null : String(r.to_value)
		})),
		notInExport: Array.isArray(t.missing_fields) ? t.missing_fields.map(String) : [],
		notes: [...new Set(notes)],
		clocks
	};
}
