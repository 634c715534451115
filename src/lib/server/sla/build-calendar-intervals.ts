/**
 * A calendar as a table of open intervals in UTC, for the bulk business-time SQL
 * (ARCHITECTURE.md "Business time, fast"; business-time-sql.ts).
 *
 * The intervals come from the TypeScript reference (`openWindows` of $lib/domain/calendar), so
 * the SQL never resolves a wall-clock time itself and cannot disagree with the reference on the
 * daylight-saving rule (DuckDB's ICU takes the later instant for an ambiguous time; the reference
 * takes the earlier, as Temporal's "compatible" does). One row per open window per local day over
 * the range, with the running total of open seconds before it: a few thousand rows per calendar
 * per year at most.
 *
 * The range must cover every instant the SQL will be asked about, deadlines included: outside it
 * the table knows no open time (an elapsed figure stops counting at its end, a deadline beyond it
 * is NULL).
 */
import { openWindows, type Calendar } from '../../domain/calendar.ts';
import { ident, type Queryable } from '../db/index.ts';

export const CALENDAR_INTERVALS_TABLE = 'calendar_intervals';

export interface CalendarIntervalRow {
	calendar_id: string;
	/** the interval [start_utc, end_utc), whole seconds */
	start_utc: Date;
	end_utc: Date;
	/** open seconds of this calendar from the range's start up to start_utc */
	cum_before_s: number;
}

/**
 * The open intervals of `cal` in [from, to) (widened to whole seconds), in time order, with the
 * running total of open seconds before each.
 */
export function buildCalendarIntervals(
	cal: Calendar,
	calendarId: string,
	from: Date,
	to: Date
): CalendarIntervalRow[] {
	const f = new Date(Math.floor(from.getTime() / 1000) * 1000);
	const t = new Date(Math.ceil(to.getTime() / 1000) * 1000);
	let cum = 0;
	return openWindows(cal, f, t).map((w) => {
		const row = { calendar_id: calendarId, start_utc: w.start, end_utc: w.end, cum_before_s: cum };
		cum += (w.end.getTime() - w.start.getTime()) / 1000;
		return row;
	});
}

/** Rows per INSERT: numbers only in the text, so a batch is a few hundred kilobytes at most. */
const BATCH = 5000;

/**
 * (Re)create the intervals table and load `rows` into it (every calendar at once: the table
 * holds exactly these rows afterwards). Each batch is one INSERT of a VALUES list of numbers
 * (epoch seconds and totals, checked to be whole) with the calendar id as the only parameter.
 */
export async function loadCalendarIntervals(
	tx: Queryable,
	rows: readonly CalendarIntervalRow[],
	table = CALENDAR_INTERVALS_TABLE
): Promise<void> {
	const t = ident(table);
	await tx.run(
		`CREATE OR REPLACE TABLE ${t} (calendar_id VARCHAR NOT NULL, start_utc TIMESTAMPTZ NOT NULL, end_utc TIMESTAMPTZ NOT NULL, cum_before_s BIGINT NOT NULL)`
	);
	const whole = (n: number, what: string) => {
		if (!Number.isSafeInteger(n)) throw new Error(`calendar interval ${what}: ${n} is not whole`);
		return n;
	};
	let i = 0;
	while (i < rows.length) {
		const id = rows[i].calendar_id;
		const values: string[] = [];
		for (; i < rows.length && rows[i].calendar_id === id && values.length < BATCH; i++) {
			const r = rows[i];
			values.push(
				`(${whole(r.start_utc.getTime() / 1000, 'start')},${whole(r.end_utc.getTime() / 1000, 'end')},${whole(r.cum_before_s, 'total')})`
			);
		}
		await tx.run(
			`INSERT INTO ${t} SELECT $1, to_timestamp(s), to_timestamp(e), c FROM (VALUES ${values.join(',')}) v(s, e, c)`,
			[id]
		);
	}
}
