/**
 * The data the compliance charts draw. The page computes these; the charts only draw them.
 *
 * Every `href` must already be a resolved path (made with `resolve()` from `$app/paths`, search
 * string included): the charts put it on their links as given.
 */

/** One month of the attainment trend. */
export interface TrendPoint {
	/** The month, `yyyy-mm`; also the key of the bar. */
	month: string;
	/** The month as shown, e.g. `okt 2026`. */
	label: string;
	/** Share of tickets that met their target, 0..1; null when the month has no tickets to judge. */
	attainment: number | null;
	met: number;
	missed: number;
	/** Link to the tickets behind this month. */
	href: string;
}

/** One bin of the distribution of business time as a share of the target. */
export interface HistogramBin {
	/** The bin as shown, e.g. `90–100 %` or `≥ 300 %`. */
	label: string;
	met: number;
	missed: number;
	/** Link to the tickets in this bin. */
	href: string;
}
