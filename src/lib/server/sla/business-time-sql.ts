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
import { ident, type Param, type Queryable } from '../db/index.ts';

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

/*
 * The same three functions by hash joins instead of ASOF joins. An ASOF join sorts every input
 * row (about a second per million spans on two cores); these look the row up by an integer key:
 *
 *  - day table (one row per calendar and UTC day over the intervals' range): the position at the
 *    day's start, computed by the formula above, and the day's open pieces (each interval cut at
 *    midnight UTC) as columns s1, l1, c1 … sK, lK, cK: start, length and the position at the
 *    piece's start, all in microseconds. position(t) = for the last piece starting at or before t,
 *    c + least(t - s, l); with none, the day's start position. An instant after the last day
 *    reads the last day (every piece is behind it); one before the first day finds no row: 0.
 *    This is the formula above exactly: the last piece starting at or before t belongs to the
 *    last interval starting at or before t when that interval is still open on t's day, and when
 *    it is not, no open time passes between the day's start and t.
 *  - running-total buckets (one row per calendar and four hours of open time): the intervals whose
 *    [total before, total after] range touches the bucket, as columns c1, t1, l1 … cK, tK, lK.
 *    The interval with the largest total before < target is in the target's bucket (it either
 *    reaches the target, so it touches the bucket, or it is the last interval of the table and
 *    the deadline is beyond it: NULL either way), and it is the last of the bucket's with
 *    total before < target.
 */

const DAY_US = 86_400_000_000;
/** running-total bucket: four hours of open time */
const BUCKET_US = 14_400_000_000;

export interface BusinessTimeLookups {
	day: string;
	cum: string;
	/** the last day of the day table (days after it read it) */
	lastDay: string;
	/** pieces per day and intervals per bucket at most: the columns of the two tables */
	k: number;
	k2: number;
}

/** Whether `l` (as kept in the meta table) is what buildBusinessTimeLookups returns for `prefix`. */
export function validLookups(l: unknown, prefix: string): l is BusinessTimeLookups {
	const x = l as BusinessTimeLookups | null;
	const count = (n: unknown) =>
		Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= 1000;
	return (
		!!x &&
		x.day === `${prefix}_day` &&
		x.cum === `${prefix}_cum` &&
		typeof x.lastDay === 'string' &&
		/^-?\d{1,12}$/.test(x.lastDay) &&
		count(x.k) &&
		count(x.k2)
	);
}

/** floor(x / DAY_US) for any sign (DuckDB's // truncates toward zero) */
function dayOf(x: string): string {
	return `((${x}) // ${DAY_US} - CASE WHEN (${x}) % ${DAY_US} < 0 THEN 1 ELSE 0 END)`;
}

/**
 * Build the two lookup tables `<prefix>_day` and `<prefix>_cum` (replaced if they exist; TEMP
 * unless `persistent`) from the intervals table: a few thousand rows per calendar per year.
 */
export async function buildBusinessTimeLookups(
	q: Queryable,
	prefix: string,
	intervals = CALENDAR_INTERVALS_TABLE,
	persistent = false
): Promise<BusinessTimeLookups> {
	if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`bad lookup table prefix ${prefix}`);
	const day = `${prefix}_day`;
	const cum = `${prefix}_cum`;
	const kind = persistent ? 'TABLE' : 'TEMP TABLE';
	const iv = `SELECT calendar_id, start_utc, epoch_us(start_utc) AS s, epoch_us(end_utc) AS e, cum_before_s::BIGINT * 1000000 AS c FROM ${ident(intervals)}`;
	await q.run(`CREATE OR REPLACE TEMP TABLE ${day}_l AS
		WITH iv AS (${iv}),
		bounds AS (SELECT ${dayOf('min(s)')} AS d0, ${dayOf('max(e)')} AS d1 FROM iv),
		days AS (
		  SELECT c.calendar_id, d.day, d.day * ${DAY_US} AS ds
		  FROM (SELECT DISTINCT calendar_id FROM iv) c, (SELECT unnest(range(d0, d1 + 1)) AS day FROM bounds) d),
		start_pos AS (
		  SELECT days.calendar_id, days.day, coalesce(x.c + least(days.ds - x.s, x.e - x.s), 0) AS cum
		  FROM days ASOF LEFT JOIN iv x ON x.calendar_id = days.calendar_id AND days.ds >= x.s),
		cut AS (
		  SELECT calendar_id, s, e, c, unnest(range(${dayOf('s')}, ${dayOf('e - 1')} + 1)) AS day FROM iv WHERE e > s),
		pieces AS (
		  SELECT calendar_id, day, list_sort(list({'s': ps, 'l': least(e, (day + 1) * ${DAY_US}) - ps, 'c': c + (ps - s)})) AS p
		  FROM (SELECT *, greatest(s, day * ${DAY_US}) AS ps FROM cut)
		  GROUP BY calendar_id, day)
		SELECT sp.calendar_id, sp.day, sp.cum, COALESCE(pieces.p, []) AS p
		FROM start_pos sp LEFT JOIN pieces ON pieces.calendar_id = sp.calendar_id AND pieces.day = sp.day`);
	await q.run(`CREATE OR REPLACE TEMP TABLE ${cum}_l AS
		WITH iv AS (${iv})
		SELECT calendar_id, b, list_sort(list({'c': c, 't': start_utc, 'l': e - s})) AS p
		FROM (SELECT *, unnest(range(c // ${BUCKET_US}, (c + (e - s)) // ${BUCKET_US} + 1)) AS b FROM iv WHERE e > s)
		GROUP BY calendar_id, b`);
	const stats = await q.one(
		`SELECT (SELECT COALESCE(max(len(p)), 0) FROM ${day}_l) AS k, (SELECT COALESCE(max(len(p)), 0) FROM ${cum}_l) AS k2,
		   (SELECT COALESCE(max(day), 0) FROM ${day}_l)::VARCHAR AS last_day`
	);
	const k = Math.max(1, Number(stats?.k ?? 0));
	const k2 = Math.max(1, Number(stats?.k2 ?? 0));
	const lastDay = String(stats?.last_day ?? '0');
	if (!/^-?\d+$/.test(lastDay)) throw new Error(`business-time lookups: bad last day ${lastDay}`);
	const cols = (n: number, f: (i: number) => string) =>
		Array.from({ length: n }, (_, i) => f(i + 1)).join(', ');
	await q.run(
		`CREATE OR REPLACE ${kind} ${day} AS SELECT calendar_id, day, cum, ${cols(k, (i) => `p[${i}].s AS s${i}, p[${i}].l AS l${i}, p[${i}].c AS c${i}`)} FROM ${day}_l`
	);
	await q.run(
		`CREATE OR REPLACE ${kind} ${cum} AS SELECT calendar_id, b, ${cols(k2, (i) => `p[${i}].c AS c${i}, p[${i}].t AS t${i}, p[${i}].l AS l${i}`)} FROM ${cum}_l`
	);
	await q.run(`DROP TABLE ${day}_l; DROP TABLE ${cum}_l`);
	return { day, cum, lastDay, k, k2 };
}

/**
 * The join that finds the day row `alias` for the instant `t` (a TIMESTAMPTZ expression) on the
 * calendar `calendarId`, and position(t) in microseconds from it (0 with no row).
 */
export function positionLookup(
	l: BusinessTimeLookups,
	t: string,
	calendarId: string,
	alias: string
): { join: string; us: string } {
	const x = `epoch_us(${t})`;
	const join = `LEFT JOIN ${l.day} ${alias} ON ${alias}.calendar_id = ${calendarId} AND ${alias}.day = least(${dayOf(x)}, ${l.lastDay})`;
	const branches: string[] = [];
	for (let i = l.k; i >= 1; i--)
		branches.push(
			`WHEN ${x} >= ${alias}.s${i} THEN ${alias}.c${i} + least(${x} - ${alias}.s${i}, ${alias}.l${i})`
		);
	return { join, us: `COALESCE(CASE ${branches.join(' ')} ELSE ${alias}.cum END, 0)` };
}

/**
 * The join that finds the bucket row `alias` for a target position `targetUs` (BIGINT
 * microseconds) on `calendarId`, and the instant it is reached (NULL beyond the table).
 */
export function instantLookup(
	l: BusinessTimeLookups,
	targetUs: string,
	calendarId: string,
	alias: string
): { join: string; at: string } {
	const join = `LEFT JOIN ${l.cum} ${alias} ON ${alias}.calendar_id = ${calendarId} AND ${alias}.b = (${targetUs}) // ${BUCKET_US}`;
	const branches: string[] = [];
	for (let i = l.k2; i >= 1; i--)
		branches.push(
			`WHEN ${targetUs} > ${alias}.c${i} THEN CASE WHEN ${targetUs} - ${alias}.c${i} > ${alias}.l${i} THEN NULL ELSE ${alias}.t${i} + to_microseconds(${targetUs} - ${alias}.c${i}) END`
		);
	return { join, at: `CASE ${branches.join(' ')} END` };
}

/** buildElapsedSql by the lookup tables: the same rows, the same values. */
export function buildElapsedLookupSql(input: string, l: BusinessTimeLookups): BusinessTimeSql {
	const pa = positionLookup(l, 'i.a', 'i.calendar_id', 'da');
	const pb = positionLookup(l, 'i.b', 'i.calendar_id', 'db');
	const sql = `SELECT i.key,
	CASE
		WHEN i.a IS NULL OR i.b IS NULL THEN NULL
		WHEN i.b <= i.a THEN 0::DOUBLE
		ELSE (${pb.us} - ${pa.us})::DOUBLE / 1000000
	END AS business_s
FROM ${input} i
${pa.join}
${pb.join}`;
	return { sql, params: [] };
}

/** buildDeadlineSql by the lookup tables: the same rows, the same values. */
export function buildDeadlineLookupSql(input: string, l: BusinessTimeLookups): BusinessTimeSql {
	const pa = positionLookup(l, 'i.a', 'i.calendar_id', 'da');
	const at = instantLookup(l, 'p.target_us', 'p.calendar_id', 'q');
	const sql = `WITH target AS (
	SELECT i.key, i.calendar_id, i.a, i.seconds,
		${pa.us} + CAST(round(i.seconds::DOUBLE * 1000000) AS BIGINT) AS target_us
	FROM ${input} i
	${pa.join}
)
SELECT p.key,
	CASE
		WHEN p.a IS NULL OR p.seconds IS NULL OR p.seconds < 0 THEN NULL
		WHEN p.seconds = 0 THEN p.a
		ELSE ${at.at}
	END AS deadline
FROM target p
${at.join}`;
	return { sql, params: [] };
}
