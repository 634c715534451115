/**
 * The engine: recompute every verdict (or those of one import's tickets) in bulk SQL.
 *
 * For each ticket and each clock its policy has (first response, resolution):
 *  1. the policy version in force at creation, and the account's tier in force at creation
 *     (R2: a downgrade takes effect at the next month when the policy says so);
 *  2. the calendar: the first of the policy's calendar rules that matches tier, language and
 *     priority (R12, R13, R15; the "dutch-hours" reading skips the language rules);
 *  3. the target: a written per-account agreement in force, else the policy's for tier and
 *     priority, else — for a Dutch Enhanced/Premium ticket created outside Dutch opening hours —
 *     the Standard target (R13);
 *  4. the stop: the first reply that counts (R28) from the status history, else the export's
 *     first-response time (and where it came from); the resolution time for resolution;
 *  5. pauses: the spans in a pausing status (R17) from the status history, clipped to the
 *     clock; "pauses not available" when the export has no history; for the resolution clock a
 *     reopened ticket's solved spans pause it too (reopen: resume);
 *  6. business seconds = open seconds of the calendar from creation to the stop (or the as-of
 *     instant of the import the ticket came from) minus the paused ones; the due instant is where
 *     target + paused seconds of open time have passed (ASOF joins on the calendar's intervals);
 *  7. the verdict: excluded (with the reason), met, missed, open and missed (due at or before
 *     the as-of instant), or open within target.
 * Work tables are temporary and built before the transaction; the verdicts of the tickets in
 * scope are replaced in one transaction.
 */
import type { Queryable, Store, Tx } from '../db/index.ts';
import { parsePolicy } from '../../domain/policy.ts';
import { parseCalendar, type Calendar } from '../../domain/calendar.ts';
import { wallClockToInstant } from '../../domain/wall-clock.ts';
import { loadPolicyTables, POLICY_TEMP_TABLES, type PolicyVersion } from './policy-tables.ts';
import {
	buildCalendarIntervals,
	CALENDAR_INTERVALS_TABLE,
	loadCalendarIntervals,
	type CalendarIntervalRow
} from './build-calendar-intervals.ts';
import {
	buildBusinessTimeLookups,
	instantLookup,
	positionLookup,
	validLookups,
	type BusinessTimeLookups
} from './business-time-sql.ts';
import { effectiveTicketsSql } from './corrections.ts';
import { localDateSql, primeLocalDateZones } from './local-date-sql.ts';

export interface RecomputeOptions {
	/** only the tickets this import wrote or added events to (the incremental path after an import) */
	importId?: number;
	/** only these tickets (after a correction) */
	tickets?: { source: string; externalId: string }[];
	/**
	 * only the tickets created on or after this date (a change from that date), of accounts on
	 * this policy or of this account when given
	 */
	policyScope?: { policyId?: string; accountId?: string; createdFrom: string };
	/** judge with these policy versions instead of the stored ones (a preview) */
	policies?: PolicyVersion[];
	/** judge with these calendar versions instead of the stored ones (a preview) */
	calendars?: Map<string, CalendarVersion[]>;
	/** judge as if this target agreement were stored too (a preview) */
	extraAgreement?: {
		accountId: string;
		effectiveFrom: string;
		targets: Record<string, Record<string, number>>;
	};
	/** compute, compare with the stored verdicts, write nothing */
	dryRun?: boolean;
}

export interface VerdictChange {
	source: string;
	externalId: string;
	clock: string;
	before: { verdict: string | null; targetS: number | null; businessS: number | null };
	after: { verdict: string; targetS: number | null; businessS: number | null };
}

export interface RecomputeResult {
	tickets: number;
	rows: number;
	ms: number;
	/** with dryRun: the verdicts that would change */
	changes?: VerdictChange[];
}

const WORK_TABLES = [
	'sla_scope',
	'sla_tier_periods',
	'sla_t',
	'sla_states',
	'sla_h',
	'sla_facts',
	'sla_k',
	'sla_agreements',
	'sla_pauses',
	...POLICY_TEMP_TABLES
];

/**
 * SQL: the aggregates of a ticket's status-history events (`e`, ticket_events) that the operational
 * review lists: its reassessment requests (R10) and changes of line (R8) in time order, as JSON
 * lists with instants in epoch milliseconds, NULL when there are none. The engine stores them with
 * the verdicts; the review computes them the same way for verdicts written before it did.
 */
export const HISTORY_LISTS = {
	reassessments: `to_json(list({'at': epoch_ms(e."at"), 'actor': e.actor} ORDER BY e."at", e.event_key) FILTER (e.kind = 'reassessment'))`,
	lineChanges: `to_json(list({'at': epoch_ms(e."at"), 'from': e.from_value, 'to': e.to_value, 'actor': e.actor} ORDER BY e."at", e.event_key) FILTER (e.kind = 'line'))`
};

/** The kinds of status-history event that sla_states reads (sla_h reads the others). */
const STATE_KINDS = [
	'status',
	'pause_start',
	'pause_end',
	'created',
	'resolved',
	'closed',
	'first_response',
	'activity'
]
	.map((k) => `'${k}'`)
	.join(', ');

/** One round trip for all of them: a 10k-ticket incremental run is mostly such fixed costs. */
async function dropWork(tx: Tx, then = ''): Promise<void> {
	await tx.run(
		[
			'DROP VIEW IF EXISTS sla_out_v;',
			...WORK_TABLES.map((t) => `DROP TABLE IF EXISTS ${t};`),
			then
		].join('\n')
	);
}

export async function loadPolicies(q: Queryable): Promise<PolicyVersion[]> {
	const rows = await q.all(
		'SELECT id, version, effective_from, body FROM policies ORDER BY id, version'
	);
	return rows.map((r) => ({
		id: String(r.id),
		version: Number(r.version),
		effectiveFrom: String(r.effective_from),
		policy: parsePolicy(JSON.parse(String(r.body)))
	}));
}

export interface CalendarVersion {
	version: number;
	effectiveFrom: string;
	calendar: Calendar;
}

/** Every version of every calendar, oldest first. */
export async function loadCalendarVersions(q: Queryable): Promise<Map<string, CalendarVersion[]>> {
	const rows = await q.all(
		'SELECT id, version, effective_from, body FROM calendars ORDER BY id, effective_from, version'
	);
	const out = new Map<string, CalendarVersion[]>();
	for (const r of rows) {
		const list = out.get(String(r.id)) ?? [];
		list.push({
			version: Number(r.version),
			effectiveFrom: String(r.effective_from),
			calendar: parseCalendar(JSON.parse(String(r.body)))
		});
		out.set(String(r.id), list);
	}
	return out;
}

/**
 * A calendar's open intervals over [from, to) when it has versions: each version applies from its
 * effective date (local midnight in its zone) until the next one's, and the running total runs on
 * across versions, so business time spanning a change counts each part under its own version.
 */
export function versionedIntervals(
	id: string,
	versions: CalendarVersion[],
	from: Date,
	to: Date
): CalendarIntervalRow[] {
	const rows: CalendarIntervalRow[] = [];
	let cum = 0;
	versions.forEach((v, i) => {
		const startOf = (x: CalendarVersion) =>
			new Date(
				wallClockToInstant(Date.parse(x.effectiveFrom + 'T00:00:00Z'), x.calendar.zone).epochMs
			);
		const a = i === 0 ? from : new Date(Math.max(from.getTime(), startOf(v).getTime()));
		const b =
			i + 1 < versions.length
				? new Date(Math.min(to.getTime(), startOf(versions[i + 1]).getTime()))
				: to;
		if (b <= a) return;
		for (const r of buildCalendarIntervals(v.calendar, id, a, b)) {
			rows.push({ ...r, cum_before_s: r.cum_before_s + cum });
		}
		const last = rows[rows.length - 1];
		if (last) cum = last.cum_before_s + (last.end_utc.getTime() - last.start_utc.getTime()) / 1000;
	});
	return rows;
}

export async function loadCalendars(q: Queryable): Promise<Map<string, Calendar>> {
	const rows = await q.all(
		`SELECT c.id, c.body FROM calendars c WHERE c.version = (SELECT max(version) FROM calendars x WHERE x.id = c.id)`
	);
	return new Map(rows.map((r) => [String(r.id), parseCalendar(JSON.parse(String(r.body)))]));
}

/**
 * The calendar versions a run may need: their ids, versions and dates (what the kept intervals
 * are fingerprinted by) at once, the parsed documents only when the intervals are built again.
 */
interface CalendarSource {
	keys: Map<string, { version: number; effectiveFrom: string }[]>;
	load(): Promise<Map<string, CalendarVersion[]>>;
}

function calendarSource(calendars: Map<string, CalendarVersion[]>): CalendarSource {
	const keys = new Map(
		[...calendars].map(([id, vs]) => [
			id,
			vs.map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom }))
		])
	);
	return { keys, load: async () => calendars };
}

async function storedCalendarSource(q: Queryable): Promise<CalendarSource> {
	// the same order and text as loadCalendarVersions
	const rows = await q.all(
		'SELECT id, version, effective_from FROM calendars ORDER BY id, effective_from, version'
	);
	const keys = new Map<string, { version: number; effectiveFrom: string }[]>();
	for (const r of rows) {
		const list = keys.get(String(r.id)) ?? [];
		list.push({ version: Number(r.version), effectiveFrom: String(r.effective_from) });
		keys.set(String(r.id), list);
	}
	let loaded: Promise<Map<string, CalendarVersion[]>> | null = null;
	return { keys, load: () => (loaded ??= loadCalendarVersions(q)) };
}

/** the lookup tables the engine reads business time from, kept beside calendar_intervals */
const LOOKUP_PREFIX = 'calendar_lookup';

/**
 * The calendars' open intervals (the table the business-time SQL joins) are kept between runs:
 * building them walks every day of the range through the wall-clock rule, which costs more than
 * judging ten thousand tickets. They are rebuilt only when a calendar version changed or the range
 * needed grows past what was built (built with a year to spare); a preview with unsaved calendar
 * versions builds its own and leaves the kept ones marked stale. The lookup tables derived from
 * them (business-time-sql.ts) are kept and rebuilt with them.
 */
async function ensureCalendarIntervals(
	tx: Tx,
	calendars: CalendarSource,
	used: Set<string>,
	from: Date,
	to: Date,
	preview: boolean
): Promise<BusinessTimeLookups> {
	const ids = [...used].filter((id) => calendars.keys.has(id)).sort();
	const fingerprint = JSON.stringify(
		ids.map((id) => [id, calendars.keys.get(id)!.map((v) => [v.version, v.effectiveFrom])])
	);
	const found = await tx.one(
		`SELECT (SELECT value FROM meta WHERE key = 'calendar_intervals') AS value,
		   (SELECT list(table_name) FROM information_schema.tables WHERE table_schema = 'main' AND table_name IN ($1, $2, $3)) AS tables`,
		['calendar_intervals', `${LOOKUP_PREFIX}_day`, `${LOOKUP_PREFIX}_cum`]
	);
	const kept = found?.value === null || found?.value === undefined ? null : found;
	const tables = Array.isArray(found?.tables) ? found.tables.map(String) : [];
	if (!preview && kept && tables.includes('calendar_intervals')) {
		const k = JSON.parse(String(kept.value)) as {
			fingerprint: string;
			from: string;
			to: string;
			lookups?: unknown;
		};
		if (
			k.fingerprint === fingerprint &&
			Date.parse(k.from) <= from.getTime() &&
			Date.parse(k.to) >= to.getTime()
		) {
			if (validLookups(k.lookups, LOOKUP_PREFIX) && tables.length === 3) return k.lookups;
			const lookups = await buildBusinessTimeLookups(
				tx,
				LOOKUP_PREFIX,
				CALENDAR_INTERVALS_TABLE,
				true
			);
			await tx.run(`INSERT OR REPLACE INTO meta VALUES ('calendar_intervals', $1)`, [
				JSON.stringify({ ...k, lookups })
			]);
			return lookups;
		}
	}
	const buildFrom = new Date(from.getTime() - 365 * 86400_000);
	const buildTo = new Date(to.getTime() + 365 * 86400_000);
	const rows: CalendarIntervalRow[] = [];
	const versions = await calendars.load();
	for (const id of ids) rows.push(...versionedIntervals(id, versions.get(id)!, buildFrom, buildTo));
	await loadCalendarIntervals(tx, rows);
	const lookups = await buildBusinessTimeLookups(tx, LOOKUP_PREFIX, CALENDAR_INTERVALS_TABLE, true);
	if (preview) await tx.run(`DELETE FROM meta WHERE key = 'calendar_intervals'`);
	else
		await tx.run(`INSERT OR REPLACE INTO meta VALUES ('calendar_intervals', $1)`, [
			JSON.stringify({
				fingerprint,
				from: buildFrom.toISOString(),
				to: buildTo.toISOString(),
				lookups
			})
		]);
	return lookups;
}

export async function recomputeSla(
	store: Store,
	opts: RecomputeOptions = {}
): Promise<RecomputeResult> {
	const started = performance.now();
	const policies = opts.policies ?? (await loadPolicies(store));
	const calendars = opts.calendars
		? calendarSource(opts.calendars)
		: await storedCalendarSource(store);
	return store.withWriter(async (_conn, tx) => {
		// the work tables' row order means nothing (every join is by key): DuckDB may then write
		// them from both threads. A global setting, put back as it was at the end.
		const order = await tx.one(`SELECT current_setting('preserve_insertion_order') AS v`);
		await dropWork(tx, 'SET preserve_insertion_order = false;');
		try {
			if (opts.policyScope) {
				await tx.run(
					`CREATE TEMP TABLE sla_scope AS SELECT t.source, t.external_id FROM tickets t JOIN accounts a ON a.id = t.account_id
					 WHERE ($1::VARCHAR IS NULL OR a.policy_id = $1) AND ($2::VARCHAR IS NULL OR a.id = $2)
					   AND CAST(timezone(a.time_zone, t.created_at) AS DATE) >= $3::DATE`,
					[
						opts.policyScope.policyId ?? null,
						opts.policyScope.accountId ?? null,
						opts.policyScope.createdFrom
					]
				);
			} else if (opts.tickets) {
				await tx.run(`CREATE TEMP TABLE sla_scope (source VARCHAR, external_id VARCHAR)`);
				for (const t of opts.tickets)
					await tx.run(`INSERT INTO sla_scope VALUES ($1, $2)`, [t.source, t.externalId]);
			} else if (opts.importId !== undefined) {
				await tx.run(
					// what the import wrote, what it added events to, and the still-open tickets of
					// its source: a newer export moves the as-of instant they are judged at
					`CREATE TEMP TABLE sla_scope AS
					 SELECT source, external_id FROM tickets WHERE import_id = $1
					 UNION SELECT source, ticket_id FROM ticket_events WHERE import_id = $1
					 UNION SELECT s.source, s.external_id FROM ticket_sla s
					   WHERE s.verdict IN ('open_within', 'open_missed') AND s.source = (SELECT source FROM imports WHERE id = $1)`,
					[opts.importId]
				);
			} else {
				await tx.run(`CREATE TEMP TABLE sla_scope AS SELECT source, external_id FROM tickets`);
			}
			// every ticket: the work tables read the tickets table itself instead of joining the scope
			const everyTicket = !opts.policyScope && !opts.tickets && opts.importId === undefined;
			const range = await tx.one(
				`SELECT min(t.created_at) AS lo, greatest(max(t.created_at), max(t.resolved_at), max(t.first_response_at), (SELECT max(as_of) FROM imports)) AS hi,
				   (SELECT count(*) FROM sla_scope) AS n
				 FROM tickets t SEMI JOIN sla_scope s ON s.source = t.source AND s.external_id = t.external_id`
			);
			const n = Number(range?.n ?? 0);
			if (!n || !range?.lo) {
				await tx.run(
					`DELETE FROM ticket_sla s WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.source = s.source AND t.external_id = s.external_id);
					 INSERT OR REPLACE INTO meta VALUES ('verdicts_written', CAST(now() AS VARCHAR) || ' ' || CAST(random() AS VARCHAR));`
				);
				return { tickets: 0, rows: 0, ms: performance.now() - started };
			}
			// the calendars' open intervals over the data's range, with room for deadlines after it
			const from = new Date(Date.parse(String(range.lo)) - 7 * 86400_000);
			const to = new Date(Date.parse(String(range.hi)) + 400 * 86400_000);
			const used = new Set(
				policies.flatMap((p) => p.policy.calendars.choose.map((c) => c.calendar))
			);
			for (const p of policies) {
				const oh = p.policy.settings.dutchOutsideHoursGetsStandardTarget as unknown as
					{ calendar?: string } | undefined;
				if (oh?.calendar) used.add(oh.calendar);
			}
			const lookups = await ensureCalendarIntervals(
				tx,
				calendars,
				used,
				from,
				to,
				!!opts.calendars
			);
			await loadPolicyTables(tx, policies);
			await tx.run(
				`CREATE TEMP TABLE sla_agreements AS SELECT account_id, version, effective_from, body FROM target_agreements`
			);
			if (opts.extraAgreement)
				await tx.run(
					`INSERT INTO sla_agreements VALUES ($1, (SELECT COALESCE(max(version), 0) + 1 FROM target_agreements WHERE account_id = $1), $2::DATE, $3::JSON)`,
					[
						opts.extraAgreement.accountId,
						opts.extraAgreement.effectiveFrom,
						JSON.stringify(opts.extraAgreement.targets)
					]
				);
			const outRows = await buildWorkTables(tx, everyTicket, lookups, {
				from: new Date(Date.parse(String(range.lo))).getUTCFullYear(),
				to: new Date(Date.parse(String(range.hi))).getUTCFullYear()
			});
			if (opts.dryRun) {
				const changes = await tx.all(
					`SELECT o.source, o.external_id, o.clock, s.verdict AS before_verdict, s.target_s AS before_target, s.business_s AS before_business,
					   o.verdict AS after_verdict, o.target_s AS after_target, o.business_s AS after_business
					 FROM sla_out_v o LEFT JOIN ticket_sla s ON s.source = o.source AND s.external_id = o.external_id AND s.clock = o.clock
					 WHERE s.verdict IS DISTINCT FROM o.verdict OR s.target_s IS DISTINCT FROM o.target_s OR s.business_s IS DISTINCT FROM o.business_s
					 ORDER BY o.source, o.external_id, o.clock`
				);
				const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
				return {
					tickets: n,
					rows: outRows,
					ms: performance.now() - started,
					changes: changes.map((c) => ({
						source: String(c.source),
						externalId: String(c.external_id),
						clock: String(c.clock),
						before: {
							verdict: c.before_verdict === null ? null : String(c.before_verdict),
							targetS: num(c.before_target),
							businessS: num(c.before_business)
						},
						after: {
							verdict: String(c.after_verdict),
							targetS: num(c.after_target),
							businessS: num(c.after_business)
						}
					}))
				};
			}
			await tx.run('BEGIN TRANSACTION');
			try {
				// the delete and the insert in one round trip: a failure in either stops it, rolled back below
				await tx.run(
					`DELETE FROM ticket_sla WHERE (source, external_id) IN (SELECT source, external_id FROM sla_scope);
					 INSERT INTO ticket_sla BY NAME SELECT * FROM sla_out_v;
					 INSERT OR REPLACE INTO meta VALUES ('verdicts_written', CAST(now() AS VARCHAR) || ' ' || CAST(random() AS VARCHAR));`
				);
				await tx.run('COMMIT');
			} catch (e) {
				await tx.run('ROLLBACK');
				throw e;
			}
			return { tickets: n, rows: outRows, ms: performance.now() - started };
		} finally {
			await dropWork(
				tx,
				`SET preserve_insertion_order = ${order?.v === false ? 'false' : 'true'};`
			);
		}
	});
}

/** Builds the work tables and the view `sla_out_v` of the verdicts; returns how many rows it has. */
async function buildWorkTables(
	tx: Tx,
	everyTicket: boolean,
	lk: BusinessTimeLookups,
	/** the UTC years the tickets' creation instants lie in */
	years: { from: number; to: number }
): Promise<number> {
	// the creation date in each account's zone, by a lookup instead of ICU (local-date-sql.ts)
	const zones = (await tx.all(`SELECT DISTINCT time_zone FROM accounts`)).map((r) =>
		String(r.time_zone)
	);
	zones.push('Europe/Amsterdam');
	await primeLocalDateZones(tx, zones);
	const tzAt = localDateSql(
		't.created_at',
		"COALESCE(a.time_zone, 'Europe/Amsterdam')",
		zones,
		years
	);
	const tzLocal = localDateSql(
		'created_at',
		"COALESCE(time_zone, 'Europe/Amsterdam')",
		zones,
		years
	);
	// R2: a tier change takes effect on its date, a downgrade at the next month if the policy says so
	await tx.run(`CREATE TEMP TABLE sla_tier_periods AS
		WITH th AS (
		  SELECT th.account_id, th.effective_from, th.tier, a.policy_id,
		    (SELECT max(version) FROM sla_policies p WHERE p.policy_id = a.policy_id) AS pv
		  FROM tier_history th JOIN accounts a ON a.id = th.account_id),
		r AS (
		  SELECT th.*, tr.rank, lag(tr.rank) OVER (PARTITION BY th.account_id ORDER BY th.effective_from) AS prev_rank, s.downgrade
		  FROM th LEFT JOIN sla_tiers tr ON tr.policy_id = th.policy_id AND tr.version = th.pv AND tr.tier = th.tier
		  LEFT JOIN sla_settings s ON s.policy_id = th.policy_id AND s.version = th.pv)
		SELECT account_id, tier, effective_from AS changed_on,
		  (downgrade = 'next-month' AND prev_rank IS NOT NULL AND rank < prev_rank) AS postponed,
		  CASE WHEN downgrade = 'next-month' AND prev_rank IS NOT NULL AND rank < prev_rank
		       THEN CAST(date_trunc('month', effective_from) + INTERVAL 1 MONTH AS DATE) ELSE effective_from END AS effective_on
		FROM r`);

	// One row per ticket in scope, numbered by its row in the tickets table (tk): the work tables
	// below join on that integer and on ck = tk * 2 + clock (0 first response, 1 resolution), not
	// on text keys.
	await tx.run(`CREATE TEMP TABLE sla_t AS
		WITH eff AS (${effectiveTicketsSql()}),
		base AS (SELECT t.tk, t.source, t.external_id, t.account_id, t.created_at, t.first_response_at, t.first_response_origin,
		  t.resolved_at, t.status, t.type, t.final_priority AS priority, t.language, t.channel,
		  t.external_flag, a.policy_id, a.time_zone,
		  ${tzAt.offsets} AS tz_o,
		  -- "now" for an open ticket: the as-of instant of the newest export of its source
		  ao.as_of
		FROM ${everyTicket ? 'eff t' : 'sla_scope sc JOIN eff t ON t.source = sc.source AND t.external_id = sc.external_id'}
		LEFT JOIN accounts a ON a.id = t.account_id
		LEFT JOIN (SELECT source, max(as_of) AS as_of FROM imports WHERE status = 'committed' GROUP BY source) ao ON ao.source = t.source),
		-- the version in force at a date as [from, to) ranges, so a plain hash join finds it (an
		-- ASOF join sorts every ticket); of versions from the same date the first stored wins, as
		-- it did in the ASOF join
		pv AS (SELECT policy_id, version, effective_from AS r_from,
		  COALESCE(lead(effective_from) OVER (PARTITION BY policy_id ORDER BY effective_from, rowid DESC), 'infinity'::DATE) AS r_to FROM sla_policies),
		tp AS (SELECT account_id, tier, effective_on AS r_from,
		  COALESCE(lead(effective_on) OVER (PARTITION BY account_id ORDER BY effective_on, changed_on DESC, rowid DESC), 'infinity'::DATE) AS r_to FROM sla_tier_periods)
		SELECT b.*, p.version AS policy_version, tp.tier
		FROM (SELECT * EXCLUDE (tz_o, time_zone), ${tzLocal.localDate('tz_o')} AS created_local_date FROM base) b
		LEFT JOIN pv p ON p.policy_id = b.policy_id AND b.created_local_date >= p.r_from AND b.created_local_date < p.r_to
		LEFT JOIN tp ON tp.account_id = b.account_id AND b.created_local_date >= tp.r_from AND b.created_local_date < tp.r_to`);

	// the status history read once, straight from ticket_events: each state with the next one's
	// time (a pause lasts until the next state) and the previous state (a reopen leaves solved).
	// Kept: the states that can pause a clock under the ticket's policy, the reopens, and each
	// ticket's first state (that it has any: "pauses available").
	await tx.run(`CREATE TEMP TABLE sla_states AS
		SELECT tk, p_from, kind, state, p_to, prev_state, rn = 1 AS first_state, can_pause FROM (
		  SELECT tk, "at" AS p_from, kind, state, can_pause,
		    lead("at") OVER w AS p_to, lag(state) OVER w AS prev_state, row_number() OVER w AS rn
		  FROM (
		    SELECT b.tk, e."at", e.event_key, e.kind, lower(e.to_value) AS state,
		      COALESCE(e.kind = 'pause_start' OR (e.kind = 'status' AND list_contains(s.pause_statuses, lower(e.to_value)))
		        OR (s.reopen = 'resume' AND (e.kind = 'resolved' OR (e.kind = 'status' AND lower(e.to_value) IN ('solved', 'resolved')))), false) AS can_pause
		    FROM ticket_events e JOIN sla_t b ON b.source = e.source AND b.external_id = e.ticket_id
		    LEFT JOIN sla_settings s ON s.policy_id = b.policy_id AND s.version = b.policy_version
		    WHERE e.kind IN (${STATE_KINDS}))
		  WINDOW w AS (PARTITION BY tk ORDER BY "at", event_key))
		WHERE rn = 1 OR can_pause
		   OR (kind = 'status' AND prev_state IN ('solved', 'resolved') AND state NOT IN ('solved', 'resolved', 'closed'))`);

	// per ticket, from its replies: the first that counts (R28), whether it has any; and the last
	// priority change. It reads every event that sla_states does not (so a ticket has a status
	// history when either has a row for it): line changes, reassessments and any other kind are a
	// few rows more.
	await tx.run(`CREATE TEMP TABLE sla_h AS
		SELECT b.tk,
		  min(CASE WHEN e.kind = 'first_response' OR (e.kind = 'reply' AND list_contains(s.first_response_kinds, lower(e.to_value))) THEN e."at" END) AS first_at,
		  count(CASE WHEN e.kind IN ('reply', 'first_response') THEN 1 END) AS n_replies,
		  max(CASE WHEN e.kind = 'priority' THEN e."at" END) AS last_priority_change
		FROM ticket_events e JOIN sla_t b ON b.source = e.source AND b.external_id = e.ticket_id
		LEFT JOIN sla_settings s ON s.policy_id = b.policy_id AND s.version = b.policy_version
		WHERE e.kind = 'first_response' OR e.kind NOT IN (${STATE_KINDS})
		GROUP BY b.tk`);

	// what the operational review lists from the history: reassessment requests (R10) and changes
	// of line (R8), in time order, as JSON beside the verdicts (few tickets have any)
	await tx.run(`CREATE TEMP TABLE sla_facts AS
		SELECT b.tk, ${HISTORY_LISTS.reassessments} AS reassessments, ${HISTORY_LISTS.lineChanges} AS line_changes
		FROM ticket_events e JOIN sla_t b ON b.source = e.source AND b.external_id = e.ticket_id
		WHERE e.kind IN ('reassessment', 'line')
		GROUP BY b.tk`);

	// per clock: the calendar rule, the R13 outside-hours check, the target (agreement > outside
	// hours > policy); where the clock starts (creation, or the last priority change when the
	// policy restarts the clock at a change, or the last reopen for resolution when a reopen starts
	// a new cycle) and stops (the first reply that counts, else the export's time). Only what the
	// later steps read: the ticket's own columns stay in sla_t.
	await tx.run(`CREATE TEMP TABLE sla_k AS
		WITH rule AS (
		  SELECT t.tk, min(r.idx) AS idx
		  FROM sla_t t JOIN sla_rules r ON r.policy_id = t.policy_id AND r.version = t.policy_version
		    AND (len(r.tiers) = 0 OR list_contains(r.tiers, t.tier))
		    AND (r.language IS NULL OR r.language = t.language)
		    AND (len(r.priorities) = 0 OR list_contains(r.priorities, t.priority))
		  GROUP BY ALL),
		oh AS (
		  SELECT t.tk, t.created_at, s.oh_calendar, s.oh_target_tier
		  FROM sla_t t JOIN sla_settings s ON s.policy_id = t.policy_id AND s.version = t.policy_version
		  WHERE s.oh_enabled AND t.language = s.oh_language AND list_contains(s.oh_tiers, t.tier)),
		inside AS (
		  SELECT o.tk, o.oh_target_tier, (ci.end_utc IS NOT NULL AND o.created_at < ci.end_utc) AS is_inside
		  FROM oh o ASOF LEFT JOIN calendar_intervals ci ON ci.calendar_id = o.oh_calendar AND o.created_at >= ci.start_utc),
		clocks AS (SELECT DISTINCT policy_id, version, clock FROM sla_targets),
		ag AS (SELECT account_id, body, effective_from AS r_from,
		  COALESCE(lead(effective_from) OVER (PARTITION BY account_id ORDER BY effective_from, version DESC, rowid DESC), 'infinity'::DATE) AS r_to FROM sla_agreements),
		c AS (
		  SELECT t.tk, k.clock, t.tk * 2 + CASE k.clock WHEN 'resolution' THEN 1 ELSE 0 END AS ck, r.idx AS calendar_rule, rr.calendar_id,
		    TRY_CAST(json_extract_string(ag.body, '$.' || k.clock || '.' || t.priority) AS DOUBLE) AS agreement_h,
		    i.is_inside IS NOT DISTINCT FROM false AS outside_hours,
		    tg.target_s AS policy_target_s, CASE WHEN k.clock = 'first_response' THEN st.target_s END AS outside_target_s,
		    t.created_at, t.first_response_at, t.first_response_origin, t.resolved_at, t.as_of, t.policy_id, t.policy_version
		  FROM sla_t t
		  JOIN clocks k ON k.policy_id = t.policy_id AND k.version = t.policy_version
		  LEFT JOIN rule r ON r.tk = t.tk
		  LEFT JOIN sla_rules rr ON rr.policy_id = t.policy_id AND rr.version = t.policy_version AND rr.idx = r.idx
		  LEFT JOIN inside i ON i.tk = t.tk
		  LEFT JOIN sla_targets tg ON tg.policy_id = t.policy_id AND tg.version = t.policy_version AND tg.clock = k.clock AND tg.tier = t.tier AND tg.priority = t.priority
		  LEFT JOIN sla_targets st ON st.policy_id = t.policy_id AND st.version = t.policy_version AND st.clock = k.clock AND st.tier = i.oh_target_tier AND st.priority = t.priority
		  LEFT JOIN ag ON ag.account_id = t.account_id AND t.created_local_date >= ag.r_from AND t.created_local_date < ag.r_to)
		SELECT c.ck, c.tk, c.clock, c.calendar_id,
		  greatest(c.created_at,
		    CASE WHEN s.measured_priority = 'restart-at-change' THEN h.last_priority_change END,
		    CASE WHEN c.clock = 'resolution' AND s.reopen = 'new-cycle' THEN hs.last_reopen END) AS started_at,
		  CASE WHEN c.clock = 'first_response' THEN (CASE WHEN h.n_replies > 0 THEN h.first_at ELSE c.first_response_at END) ELSE c.resolved_at END AS stopped_at,
		  CASE WHEN c.clock = 'first_response' THEN (CASE WHEN h.n_replies > 0 THEN (CASE WHEN h.first_at IS NOT NULL THEN 'events' END) ELSE c.first_response_origin END)
		       ELSE (CASE WHEN c.resolved_at IS NOT NULL THEN 'export' END) END AS stop_origin,
		  hs.tk IS NOT NULL AS pauses_available,
		  COALESCE(c.agreement_h * 3600, CASE WHEN c.outside_hours THEN c.outside_target_s END, c.policy_target_s) AS target_s,
		  CASE WHEN c.agreement_h IS NOT NULL THEN 'agreement' WHEN c.outside_hours AND c.outside_target_s IS NOT NULL THEN 'standard-outside-hours' WHEN c.policy_target_s IS NOT NULL THEN 'policy' END AS target_origin,
		  c.calendar_rule, c.as_of
		FROM c
		JOIN sla_settings s ON s.policy_id = c.policy_id AND s.version = c.policy_version
		LEFT JOIN sla_h h ON h.tk = c.tk
		LEFT JOIN (
		  SELECT tk, max(p_from) FILTER (kind = 'status' AND prev_state IN ('solved', 'resolved') AND state NOT IN ('solved', 'resolved', 'closed')) AS last_reopen
		  FROM sla_states
		  WHERE first_state OR (kind = 'status' AND prev_state IN ('solved', 'resolved') AND state NOT IN ('solved', 'resolved', 'closed'))
		  GROUP BY tk) hs ON hs.tk = c.tk`);

	// pauses (R17) from the status history, clipped to the clock; a reopened ticket's solved spans
	// pause resolution
	await tx.run(`CREATE TEMP TABLE sla_pauses AS
		SELECT k.ck, k.calendar_id, greatest(st.p_from, k.started_at) AS a,
		  least(COALESCE(st.p_to, 'infinity'::TIMESTAMPTZ), COALESCE(k.stopped_at, k.as_of)) AS b
		FROM sla_k k
		JOIN sla_t t ON t.tk = k.tk
		JOIN sla_settings s ON s.policy_id = t.policy_id AND s.version = t.policy_version
		JOIN (SELECT * FROM sla_states WHERE can_pause) st ON st.tk = k.tk
		WHERE (st.kind = 'pause_start' OR (st.kind = 'status' AND list_contains(s.pause_statuses, st.state))
		       OR (k.clock = 'resolution' AND s.reopen = 'resume' AND (st.kind = 'resolved' OR (st.kind = 'status' AND st.state IN ('solved', 'resolved')))))
		  AND greatest(st.p_from, k.started_at) < least(COALESCE(st.p_to, 'infinity'::TIMESTAMPTZ), COALESCE(k.stopped_at, k.as_of))`);

	// business seconds (open seconds of the calendar) by the lookup tables (business-time-sql.ts):
	// position(b) - position(a), 0 when b <= a; the pauses' summed per clock here, the clock's own
	// span in the view below
	const span = (a: string, b: string, calendarId: string) => {
		const pa = positionLookup(lk, a, calendarId, 'da');
		const pb = positionLookup(lk, b, calendarId, 'db');
		return {
			pa,
			pb,
			elapsed: `CASE WHEN ${a} IS NULL OR ${b} IS NULL THEN NULL WHEN ${b} <= ${a} THEN 0::DOUBLE ELSE (${pb.us} - ${pa.us})::DOUBLE / 1000000 END`
		};
	};
	const pause = span('x.a', 'x.b', 'x.calendar_id');
	const main = span('k.started_at', 'COALESCE(k.stopped_at, k.as_of)', 'k.calendar_id');

	// the due instant: where target + paused seconds of open time have passed since the start;
	// then the verdict
	const due = instantLookup(lk, 'x.target_us', 'x.calendar_id', 'q');
	await tx.run(`CREATE TEMP VIEW sla_out_v AS
		WITH x AS (
		  SELECT t.source, t.external_id, k.clock, t.policy_id, t.policy_version, t.tier, t.priority, t.language, k.calendar_id, k.calendar_rule,
		    k.target_s, k.target_origin, k.started_at, k.stopped_at, k.stop_origin, k.pauses_available, t.as_of, t.created_local_date,
		    t.status, t.type, t.external_flag, s.excluded_types, s.closed_without_response,
		    t.account_id, t.channel, t.created_at,
		    -- a status history: a state (the first one makes the pauses available) or another event
		    k.pauses_available OR h.tk IS NOT NULL AS has_events, f.reassessments, f.line_changes,
		    ${main.elapsed} AS gross_s, COALESCE(p.s, 0) AS paused_s,
		    k.target_s + COALESCE(p.s, 0) AS due_seconds,
		    ${main.pa.us} + CAST(round((k.target_s + COALESCE(p.s, 0))::DOUBLE * 1000000) AS BIGINT) AS target_us
		  FROM sla_k k
		  JOIN sla_t t ON t.tk = k.tk
		  JOIN sla_settings s ON s.policy_id = t.policy_id AND s.version = t.policy_version
		  LEFT JOIN (
		    SELECT x.ck, sum(${pause.elapsed}) AS s
		    FROM sla_pauses x
		    ${pause.pa.join}
		    ${pause.pb.join}
		    GROUP BY x.ck) p ON p.ck = k.ck
		  LEFT JOIN sla_h h ON h.tk = k.tk
		  LEFT JOIN sla_facts f ON f.tk = k.tk
		  ${main.pa.join}
		  ${main.pb.join}),
		v AS (
		  SELECT x.*, greatest(gross_s - paused_s, 0) AS business_s,
		    CASE
		      WHEN x.started_at IS NULL OR x.due_seconds IS NULL OR x.due_seconds < 0 THEN NULL
		      WHEN x.due_seconds = 0 THEN x.started_at
		      ELSE ${due.at}
		    END AS due_at,
		    CASE
		      WHEN tier IS NULL THEN 'no tier in force at creation'
		      WHEN priority IS NULL THEN 'no priority'
		      WHEN list_contains(excluded_types, type) THEN 'type ' || type || ' is excluded by the policy (' || CASE type WHEN 'feature_request' THEN 'R6' WHEN 'external' THEN 'R7' ELSE 'settings.excludedTypes' END || ')'
		      WHEN external_flag THEN 'marked as an external problem (R7)'
		      WHEN target_s IS NULL THEN 'no target for tier ' || tier || ' and priority ' || priority
		      WHEN clock = 'first_response' AND stopped_at IS NULL AND status IN ('solved', 'closed') AND closed_without_response = 'exclude' THEN 'closed without any response'
		    END AS excluded_reason
		  FROM x ${due.join})
		SELECT source, external_id, clock, policy_id, policy_version, tier, priority, language, calendar_id, calendar_rule,
		  target_s, target_origin, started_at, stopped_at, stop_origin, business_s, paused_s, pauses_available, due_at,
		  CASE WHEN excluded_reason IS NOT NULL THEN 'excluded'
		       WHEN stopped_at IS NOT NULL THEN CASE WHEN business_s <= target_s THEN 'met' ELSE 'missed' END
		       WHEN clock = 'first_response' AND status IN ('solved', 'closed') AND closed_without_response = 'missed' THEN 'missed'
		       WHEN business_s >= target_s THEN 'open_missed'
		       ELSE 'open_within' END AS verdict,
		  excluded_reason, as_of, now() AS computed_at, created_local_date, account_id, channel, type, created_at,
		  has_events, reassessments, line_changes
		FROM v
		UNION ALL
		SELECT source, external_id, 'first_response', NULL, NULL, NULL, priority, language, NULL, NULL, NULL, NULL, created_at, NULL, NULL,
		  NULL, NULL, NULL, NULL, 'excluded',
		  CASE WHEN account_id IS NULL THEN 'no account: the export names no organisation' WHEN policy_id IS NULL THEN 'the account has no policy yet (complete it on /accounts)' ELSE 'no version of policy ' || policy_id || ' was in force at creation' END,
		  as_of, now(), created_local_date, account_id, channel, type, created_at,
		  EXISTS (SELECT 1 FROM sla_states st WHERE st.tk = t.tk) OR EXISTS (SELECT 1 FROM sla_h h WHERE h.tk = t.tk),
		  f.reassessments, f.line_changes
		FROM sla_t t LEFT JOIN sla_facts f ON f.tk = t.tk WHERE t.policy_version IS NULL`);
	const rows = await tx.one(
		`SELECT (SELECT count(*) FROM sla_k) + (SELECT count(*) FROM sla_t WHERE policy_version IS NULL) AS n`
	);
	return Number(rows?.n ?? 0);
}
