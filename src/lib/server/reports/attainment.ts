/**
 * Attainment: one formula for every page (compliance, review, training).
 *
 * For a clock and a period: the tickets created in the period — months and days in the
 * account's own zone — that are not excluded. Met: stopped within target. Missed: stopped after
 * target, or not stopped and due at or before the as-of instant (open and missed). Open within
 * target: neither, and not counted. Attainment = met / (met + missed); null when both are 0.
 *
 * Worked example (the README's and the tests'): nine tickets created in March 2026 —
 * 5 met, 1 missed, 1 open and missed, 1 open within target, 1 excluded (a feature request) —
 * give met 5, missed 1 + 1 = 2, attainment 5 / 7 = 71.4 %; the open-within ticket and the
 * excluded one are shown apart and not counted. A ticket created at 23:30 UTC on 28 February
 * is 00:30 on 1 March in Amsterdam: it belongs to March.
 */
import type { Param, Queryable } from '../db/index.ts';
import { scopeFilter, type Scope } from '../scope.ts';

export interface AttainmentFilter {
	clock: 'first_response' | 'resolution';
	/** first day of the period, local date in each account's zone (inclusive) */
	from: string;
	/** day after the period (exclusive) */
	to: string;
	accountIds?: string[];
	tiers?: string[];
	priorities?: string[];
}

export interface AttainmentResult {
	met: number;
	missed: number;
	openWithin: number;
	openMissed: number;
	excluded: number;
	attainment: number | null;
}

export function buildAttainmentSql(
	f: AttainmentFilter,
	scope: Scope
): { sql: string; params: Param[] } {
	const params: Param[] = [f.clock, f.from, f.to];
	const s = scopeFilter(scope, 't.account_id', params.length + 1);
	params.push(...s.params);
	const extra: string[] = [];
	const inList = (col: string, values: string[] | undefined) => {
		if (!values?.length) return;
		const marks = values.map((v) => {
			params.push(v);
			return `$${params.length}`;
		});
		extra.push(`${col} IN (${marks.join(', ')})`);
	};
	inList('t.account_id', f.accountIds);
	inList('s.tier', f.tiers);
	inList('s.priority', f.priorities);
	const sql = `SELECT
	  count(*) FILTER (s.verdict = 'met') AS met,
	  count(*) FILTER (s.verdict IN ('missed', 'open_missed')) AS missed,
	  count(*) FILTER (s.verdict = 'open_within') AS open_within,
	  count(*) FILTER (s.verdict = 'open_missed') AS open_missed,
	  count(*) FILTER (s.verdict = 'excluded') AS excluded
	FROM ticket_sla s
	JOIN tickets t ON t.source = s.source AND t.external_id = s.external_id
	WHERE s.clock = $1
	  AND s.created_local_date >= $2::DATE AND s.created_local_date < $3::DATE
	  AND ${s.sql}${extra.length ? ' AND ' + extra.join(' AND ') : ''}`;
	return { sql, params };
}

export async function attainment(
	q: Queryable,
	scope: Scope,
	f: AttainmentFilter
): Promise<AttainmentResult> {
	const { sql, params } = buildAttainmentSql(f, scope);
	const r = await q.one(sql, params);
	const met = Number(r?.met ?? 0);
	const missed = Number(r?.missed ?? 0);
	return {
		met,
		missed,
		openWithin: Number(r?.open_within ?? 0),
		openMissed: Number(r?.open_missed ?? 0),
		excluded: Number(r?.excluded ?? 0),
		attainment: met + missed ? met / (met + missed) : null
	};
}
