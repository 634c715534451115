/**
 * Business time in bulk: pure builders of SQL text (no I/O), following ARCHITECTURE.md
 * "Business time, fast". They read the table of open intervals that build-calendar-intervals.ts
 * loads (calendar_id, start_utc, end_utc, cum_before_s) and agree with the TypeScript reference
 * ($lib/domain/calendar) to the second; business-time-sql.test.ts checks it on random calendars.
 *
 *   position(t) = cum_before_s of the last interval starting at or before t
 *                 + the open part of that interval up to t          (one ASOF JOIN; 0 before any)
 *   elapsed     = position(b) - position(a), 0 when b <= a           (= businessSecondsBetween)
 *   deadline    = the instant whose position is position(a) + d     (= addBusinessSeconds):
 *                 the interval with the largest cum_before_s < target (an ASOF JOIN on the
 *                 running total), at start_utc + (target - cum_before_s). The strict "<" makes a
 *                 deadline that ends exactly at an interval's end that end, and from a closed
 *                 instant the count starts at the next opening; d = 0 is `a` itself.
 * Positions are computed in whole microseconds (BIGINT), so no float rounding enters.
 *
 * The input relation is a table or view name, or a parenthesised subquery; its columns:
 *   elapsed:  key, calendar_id, a TIMESTAMPTZ, b TIMESTAMPTZ
 *   deadline: key, calendar_id, a TIMESTAMPTZ, seconds (any number type, >= 0)
 * A NULL input gives a NULL result; so do negative seconds and a deadline beyond the last
 * interval loaded. A calendar_id with no intervals counts no open time (elapsed 0).
 * Everything is a handful of vectorised joins: no per-row subqueries.
 */
import { CALENDAR_INTERVALS_TABLE } from './build-calendar-intervals.ts';
import { ident, type Param } from '../db/index.ts';

export interface BusinessTimeSql {
	sql: string;
	params: Param[];
}

/** position(t) in microseconds, for the interval row `c` an ASOF JOIN found for `t`. */
function positionUs(t: string, c: string): string {
	return `coalesce(${c}.cum_before_s::BIGINT * 1000000 + least(epoch_us(${t}) - epoch_us(${c}.start_utc), epoch_us(${c}.end_utc) - epoch_us(${c}.start_utc)), 0)`;
}

function asofAt(t: string, c: string, intervals: string): string {
	return `ASOF LEFT JOIN ${ident(intervals)} ${c} ON ${c}.calendar_id = i.calendar_id AND ${t} >= ${c}.start_utc`;
}

/**
 * For each row of `input(key, calendar_id, a, b)`: `key, business_s` — the open seconds in
 * [a, b) as DOUBLE (whole for whole-second inputs).
 */
export function buildElapsedSql(
	input: string,
	intervals = CALENDAR_INTERVALS_TABLE
): BusinessTimeSql {
	const sql = `SELECT i.key,
	CASE
		WHEN i.a IS NULL OR i.b IS NULL THEN NULL
		WHEN i.b <= i.a THEN 0::DOUBLE
		ELSE (${positionUs('i.b', 'cb')} - ${positionUs('i.a', 'ca')})::DOUBLE / 1000000
	END AS business_s
FROM ${input} i
${asofAt('i.a', 'ca', intervals)}
${asofAt('i.b', 'cb', intervals)}`;
	return { sql, params: [] };
}

/**
 * For each row of `input(key, calendar_id, a, seconds)`: `key, deadline` — the earliest instant
 * at which `seconds` of open time have passed since `a` (TIMESTAMPTZ).
 */
export function buildDeadlineSql(
	input: string,
	intervals = CALENDAR_INTERVALS_TABLE
): BusinessTimeSql {
	const t = ident(intervals);
	const sql = `WITH target AS (
	SELECT i.key, i.calendar_id, i.a, i.seconds,
		${positionUs('i.a', 'ca')} + CAST(round(i.seconds::DOUBLE * 1000000) AS BIGINT) AS target_us
	FROM ${input} i
	${asofAt('i.a', 'ca', intervals)}
), running AS (
	SELECT calendar_id, start_utc,
		cum_before_s::BIGINT * 1000000 AS cum_us,
		epoch_us(end_utc) - epoch_us(start_utc) AS len_us
	FROM ${t}
)
SELECT p.key,
	CASE
		WHEN p.a IS NULL OR p.seconds IS NULL OR p.seconds < 0 THEN NULL
		WHEN p.seconds = 0 THEN p.a
		WHEN c.start_utc IS NULL OR p.target_us - c.cum_us > c.len_us THEN NULL
		ELSE c.start_utc + to_microseconds(p.target_us - c.cum_us)
	END AS deadline
FROM target p
ASOF LEFT JOIN running c ON c.calendar_id = p.calendar_id AND p.target_us > c.cum_us`;
	return { sql, params: [] };
}
