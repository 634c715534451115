/**
 * Reconciliation with the helpdesk (issue 4): where an import kept the helpdesk's own
 * first-response business minutes (`tickets.helpdesk_sla->>'first_reply_business_minutes'`, e.g.
 * Zendesk's "First reply time in minutes within business hours") and the engine has a
 * first-response verdict, Peil's figure beside the helpdesk's, the difference, and — where they
 * differ by more than a minute — the reasons, derived from what the engine stored:
 *  - holiday / substitute-day: a day Peil's calendar closes (calendar.ts `closedDays`) between the
 *    start and the stop, on a weekday the calendar is otherwise open;
 *  - pause: paused_s > 0 (R17: time in a pausing status does not count);
 *  - tier-change: the account's tier history has a change from the ticket's creation month on
 *    (the tier in force at creation decides, R2; a helpdesk applies the tier it has now);
 *  - reclassification: the submitted priority is not the one measured (R5: the final priority,
 *    measured from creation);
 *  - calendar: Peil used another calendar than the policy's catch-all one (English hours, 24/7 …)
 *    while the helpdesk counts one schedule: its office hours;
 *  - start-outside-hours: created while Peil's calendar was closed, so the clock starts at the next
 *    opening (R14);
 *  - start-moved: the engine started the clock later than creation (ticket_sla.started_at, e.g.
 *    measuredPriority "restart-at-change": the clock restarts at a priority change);
 *  - other: "a different calendar or clock rule" when none of the above applies.
 * Peil's minutes are ticket_sla.business_s / 60; a ticket is "equal" when the two are at most one
 * minute apart (the helpdesk rounds to whole minutes). Peil met = the verdict is met; helpdesk met =
 * its minutes within the same target (target_s). The summary counts per account and creation month
 * (in the account's zone, as attainment does).
 */
import type { Param, Queryable } from '../db/index.ts';
import {
	businessSecondsBetween,
	closedDays,
	WEEKDAYS,
	type Calendar
} from '../../domain/calendar.ts';
import { instantToWallClock } from '../../domain/wall-clock.ts';
import { loadCalendars, loadPolicies } from './recompute.ts';

export interface ReconcileFilter {
	source?: string;
	accountId?: string;
	/** creation month in the account's zone, 'yyyy-mm' */
	month?: string;
}

export type ReasonCode =
	| 'holiday'
	| 'substitute-day'
	| 'pause'
	| 'tier-change'
	| 'reclassification'
	| 'calendar'
	| 'start-outside-hours'
	| 'start-moved'
	| 'other';

export interface Reason {
	code: ReasonCode;
	text: string;
}

export interface ReconcileTicket {
	source: string;
	externalId: string;
	accountId: string | null;
	accountName: string | null;
	/** creation month in the account's zone */
	month: string;
	createdAt: string;
	/** when Peil's clock started (creation, unless a setting moved it) */
	startedAt: string;
	stoppedAt: string | null;
	verdict: string;
	tier: string | null;
	priority: string | null;
	submittedPriority: string | null;
	calendarId: string | null;
	/** the schedule the helpdesk is taken to count: the policy's catch-all calendar */
	helpdeskCalendarId: string | null;
	targetMinutes: number | null;
	peilMinutes: number;
	helpdeskMinutes: number;
	/** Peil − helpdesk, in minutes */
	differenceMinutes: number;
	/** at most one minute apart */
	equal: boolean;
	pausedMinutes: number;
	peilMet: boolean;
	helpdeskMet: boolean;
	/** empty when equal */
	reasons: Reason[];
}

export interface ReconcileSummary {
	accountId: string | null;
	accountName: string | null;
	month: string;
	compared: number;
	equal: number;
	different: number;
	peilMet: number;
	helpdeskMet: number;
	/** different tickets per reason (a ticket can have several) */
	reasons: Partial<Record<ReasonCode, number>>;
}

export interface ReconcileResult {
	tickets: ReconcileTicket[];
	summary: ReconcileSummary[];
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The local date (YYYY-MM-DD) and time (HH:MM) of an instant in the calendar's zone. */
function localOf(iso: string, cal: Calendar): { date: string; time: string } {
	const s = new Date(instantToWallClock(Date.parse(iso), cal.zone)).toISOString();
	return { date: s.slice(0, 10), time: s.slice(11, 16) };
}

function weekdayOpen(cal: Calendar, date: string): boolean {
	const wd = new Date(date + 'T00:00:00Z').getUTCDay(); // 0 = Sunday
	return cal.week[WEEKDAYS[(wd + 6) % 7]].length > 0;
}

const minutes = (s: number) => Math.round((s / 60) * 100) / 100;

export async function reconcile(
	q: Queryable,
	filter: ReconcileFilter = {}
): Promise<ReconcileResult> {
	const params: Param[] = [];
	const where: string[] = [];
	if (filter.source !== undefined) {
		params.push(filter.source);
		where.push(`c.source = $${params.length}`);
	}
	if (filter.accountId !== undefined) {
		params.push(filter.accountId);
		where.push(`c.account_id = $${params.length}`);
	}
	if (filter.month !== undefined) {
		if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(filter.month))
			throw new RangeError(`month: "${filter.month}" is not a month (yyyy-mm)`);
		params.push(filter.month);
		where.push(`c.month = $${params.length}`);
	}
	const rows = await q.all(
		`WITH c AS (
		   SELECT s.source, s.external_id, t.account_id, a.name AS account_name,
		     strftime(timezone(COALESCE(a.time_zone, 'Europe/Amsterdam'), t.created_at), '%Y-%m') AS month,
		     CAST(date_trunc('month', timezone(COALESCE(a.time_zone, 'Europe/Amsterdam'), t.created_at)) AS DATE) AS month_start,
		     t.created_at, s.started_at, s.stopped_at, s.as_of, s.verdict, s.tier, s.priority, t.submitted_priority,
		     s.policy_id, s.policy_version, s.calendar_id, s.calendar_rule, s.target_s, s.business_s, COALESCE(s.paused_s, 0) AS paused_s,
		     TRY_CAST(t.helpdesk_sla->>'first_reply_business_minutes' AS DOUBLE) AS helpdesk_min
		   FROM ticket_sla s
		   JOIN tickets t ON t.source = s.source AND t.external_id = s.external_id
		   LEFT JOIN accounts a ON a.id = t.account_id
		   WHERE s.clock = 'first_response' AND s.verdict <> 'excluded' AND s.business_s IS NOT NULL)
		 SELECT c.*,
		   (SELECT string_agg(CAST(th.effective_from AS VARCHAR) || ' ' || th.tier, ', ' ORDER BY th.effective_from)
		    FROM tier_history th WHERE th.account_id = c.account_id AND th.effective_from >= c.month_start
		      AND th.effective_from <= current_date) AS tier_changes
		 FROM c WHERE c.helpdesk_min IS NOT NULL${where.length ? ' AND ' + where.join(' AND ') : ''}
		 ORDER BY c.account_id NULLS LAST, c.month, c.created_at, c.source, c.external_id`,
		params
	);

	const policies = await loadPolicies(q);
	const calendars = await loadCalendars(q);
	const catchAll = (policyId: unknown, version: unknown): string | null => {
		const p = policies.find((x) => x.id === policyId && x.version === Number(version));
		return p?.policy.calendars.choose.at(-1)?.calendar ?? null;
	};

	const tickets: ReconcileTicket[] = rows.map((r) => {
		const business = Number(r.business_s);
		const paused = Number(r.paused_s);
		const helpdesk = Number(r.helpdesk_min);
		const peil = business / 60;
		const diff = peil - helpdesk;
		const equal = Math.abs(diff) <= 1;
		const target = r.target_s === null ? null : Number(r.target_s);
		const calendarId = str(r.calendar_id);
		const helpdeskCalendarId = catchAll(r.policy_id, r.policy_version);
		const reasons: Reason[] = [];
		if (!equal) {
			const cal = calendarId ? calendars.get(calendarId) : undefined;
			const start = String(r.started_at);
			const end = str(r.stopped_at) ?? str(r.as_of);
			if (cal && end) {
				for (const d of closedDays(cal, localOf(start, cal).date, localOf(end, cal).date)) {
					if (!weekdayOpen(cal, d.date)) continue; // closed anyway: costs no open time
					const substitute = d.reason === 'substitute';
					reasons.push({
						code: substitute ? 'substitute-day' : 'holiday',
						text: `${substitute ? 'substitute day' : d.reason === 'override' ? 'closed by an override' : 'holiday'} ${d.date}${d.name ? ` (${d.name})` : ''}: closed in ${calendarId}, a working day on a schedule without holidays`
					});
				}
			}
			if (paused > 0)
				reasons.push({
					code: 'pause',
					text: `paused ${minutes(paused)} min in a pausing status (R17): not counted by Peil`
				});
			if (r.tier_changes !== null)
				reasons.push({
					code: 'tier-change',
					text: `the tier changed from the creation month on (${String(r.tier_changes)}): Peil uses the tier in force at creation, ${str(r.tier) ?? 'none'} (R2)`
				});
			if (
				r.submitted_priority !== null &&
				r.priority !== null &&
				r.submitted_priority !== r.priority
			)
				reasons.push({
					code: 'reclassification',
					text: `reclassified from ${String(r.submitted_priority)} to ${String(r.priority)}: Peil measures the final priority from creation (R5)`
				});
			if (calendarId && helpdeskCalendarId && calendarId !== helpdeskCalendarId)
				reasons.push({
					code: 'calendar',
					text: `Peil used the calendar ${calendarId} (calendar rule ${r.calendar_rule === null ? '—' : String(r.calendar_rule)}); the helpdesk counts its office hours (${helpdeskCalendarId})`
				});
			if (
				cal &&
				businessSecondsBetween(cal, new Date(start), new Date(Date.parse(start) + 1000)) === 0
			) {
				const l = localOf(start, cal);
				reasons.push({
					code: 'start-outside-hours',
					text: `created outside opening hours (${l.date} ${l.time}): Peil's clock starts at the next opening of ${calendarId} (R14)`
				});
			}
			if (Date.parse(start) > Date.parse(String(r.created_at)))
				reasons.push({
					code: 'start-moved',
					text: `Peil's clock starts at ${start}, not at creation (${String(r.created_at)}): a priority change restarts it (policy setting measuredPriority)`
				});
			if (!reasons.length)
				reasons.push({ code: 'other', text: 'a different calendar or clock rule' });
		}
		return {
			source: String(r.source),
			externalId: String(r.external_id),
			accountId: str(r.account_id),
			accountName: str(r.account_name),
			month: String(r.month),
			createdAt: String(r.created_at),
			startedAt: String(r.started_at),
			stoppedAt: str(r.stopped_at),
			verdict: String(r.verdict),
			tier: str(r.tier),
			priority: str(r.priority),
			submittedPriority: str(r.submitted_priority),
			calendarId,
			helpdeskCalendarId,
			targetMinutes: target === null ? null : target / 60,
			peilMinutes: peil,
			helpdeskMinutes: helpdesk,
			differenceMinutes: diff,
			equal,
			pausedMinutes: paused / 60,
			peilMet: r.verdict === 'met',
			helpdeskMet: target !== null && helpdesk * 60 <= target,
			reasons
		};
	});

	const groups = new Map<string, ReconcileSummary>();
	for (const t of tickets) {
		const key = `${t.accountId ?? ''}\u001f${t.month}`;
		let g = groups.get(key);
		if (!g) {
			g = {
				accountId: t.accountId,
				accountName: t.accountName,
				month: t.month,
				compared: 0,
				equal: 0,
				different: 0,
				peilMet: 0,
				helpdeskMet: 0,
				reasons: {}
			};
			groups.set(key, g);
		}
		g.compared++;
		if (t.equal) g.equal++;
		else g.different++;
		if (t.peilMet) g.peilMet++;
		if (t.helpdeskMet) g.helpdeskMet++;
		for (const code of new Set(t.reasons.map((x) => x.code)))
			g.reasons[code] = (g.reasons[code] ?? 0) + 1;
	}
	return { tickets, summary: [...groups.values()] };
}

/** The reconciliation as plain text: the per-account-and-month summary, then the differences. */
export function formatReconcile(result: ReconcileResult): string {
	const lines: string[] = [];
	lines.push('account\tmonth\tcompared\tequal\tdifferent\tPeil met\thelpdesk met\treasons');
	for (const s of result.summary)
		lines.push(
			[
				s.accountName ?? s.accountId ?? '(no account)',
				s.month,
				s.compared,
				s.equal,
				s.different,
				s.peilMet,
				s.helpdeskMet,
				Object.entries(s.reasons)
					.map(([k, n]) => `${k} ${n}`)
					.join(', ')
			].join('\t')
		);
	const different = result.tickets.filter((t) => !t.equal);
	if (different.length) {
		lines.push('', 'ticket\tPeil min\thelpdesk min\tdifference\twhy');
		for (const t of different)
			lines.push(
				[
					`${t.source}/${t.externalId}`,
					t.peilMinutes.toFixed(1),
					t.helpdeskMinutes.toFixed(0),
					(t.differenceMinutes > 0 ? '+' : '') + t.differenceMinutes.toFixed(1),
					t.reasons.map((r) => r.text).join('; ')
				].join('\t')
			);
	}
	return lines.join('\n');
}
