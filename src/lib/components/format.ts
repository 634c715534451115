/**
 * How the pages show instants, dates and numbers: one place, so every page agrees.
 *
 * Instants arrive as ISO strings in UTC (the store's rule); they are shown in Dutch wall-clock
 * time (Europe/Amsterdam, R16) whatever the zone of the server or the browser, so the server's
 * render and the browser's hydration print the same text. Plain dates (`yyyy-mm-dd`, e.g. the
 * start of a tier period) have no zone: they are shown as written, never through a zone shift.
 */

export const DISPLAY_ZONE = 'Europe/Amsterdam';

const instantFormat = new Intl.DateTimeFormat('nl-NL', {
	timeZone: DISPLAY_ZONE,
	dateStyle: 'medium',
	timeStyle: 'short'
});
const dateOfInstantFormat = new Intl.DateTimeFormat('nl-NL', {
	timeZone: DISPLAY_ZONE,
	dateStyle: 'medium'
});
const plainDateFormat = new Intl.DateTimeFormat('nl-NL', { timeZone: 'UTC', dateStyle: 'medium' });
const numberFormat = new Intl.NumberFormat('nl-NL');

function parse(iso: string | null | undefined): Date | null {
	if (!iso) return null;
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? null : d;
}

/** An instant as Dutch date and time, e.g. "4 mrt 2024, 10:15"; "—" when there is none. */
export function formatInstant(iso: string | null | undefined): string {
	const d = parse(iso);
	return d ? instantFormat.format(d) : '—';
}

/** The calendar date (in Europe/Amsterdam) on which an instant falls, e.g. "4 mrt 2024". */
export function formatDateOfInstant(iso: string | null | undefined): string {
	const d = parse(iso);
	return d ? dateOfInstantFormat.format(d) : '—';
}

/** A plain date `yyyy-mm-dd`, e.g. "1 jan 2025"; shown as given when it is not one. */
export function formatDate(day: string | null | undefined): string {
	if (!day) return '—';
	if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return day;
	const d = parse(`${day}T00:00:00Z`);
	return d ? plainDateFormat.format(d) : day;
}

/** A count with Dutch digit grouping, e.g. "12.345". */
export function formatNumber(n: number | null | undefined): string {
	return n === null || n === undefined || Number.isNaN(n) ? '—' : numberFormat.format(n);
}

const percentFormat = new Intl.NumberFormat('nl-NL', {
	style: 'percent',
	minimumFractionDigits: 1,
	maximumFractionDigits: 1
});
const hoursFormat = new Intl.NumberFormat('nl-NL', {
	minimumFractionDigits: 0,
	maximumFractionDigits: 2
});

/** A fraction as a Dutch percentage with one decimal, e.g. 0.9151 → "91,5%"; "—" for none. */
export function formatPercent(fraction: number | null | undefined): string {
	return fraction === null || fraction === undefined || Number.isNaN(fraction)
		? '—'
		: percentFormat.format(fraction);
}

/** Business hours with at most two decimals, e.g. 2.5 → "2,5"; "—" for none. */
export function formatHours(h: number | null | undefined): string {
	return h === null || h === undefined || Number.isNaN(h) ? '—' : hoursFormat.format(h);
}

/** A month `yyyy-mm` as Dutch month and year, e.g. "okt 2026". */
export function formatMonth(month: string): string {
	const m = /^(\d{4})-(\d{2})$/.exec(month);
	if (!m) return month;
	return new Intl.DateTimeFormat('nl-NL', { month: 'short', year: 'numeric', timeZone: 'UTC' })
		.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)))
		.replace('.', '');
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant in a given zone (an account's), e.g. "4 mrt 2024, 09:15"; Amsterdam when the zone
 * is missing or unknown. Pages say which zone next to it.
 */
export function formatInstantIn(
	iso: string | null | undefined,
	zone: string | null | undefined
): string {
	const d = parse(iso);
	if (!d) return '—';
	const z = zone || DISPLAY_ZONE;
	let f = zoneFormats.get(z);
	if (!f) {
		try {
			f = new Intl.DateTimeFormat('nl-NL', {
				timeZone: z,
				dateStyle: 'medium',
				timeStyle: 'short'
			});
		} catch {
			f = instantFormat;
		}
		zoneFormats.set(z, f);
	}
	return f.format(d);
}
