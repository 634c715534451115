/**
 * What the ticket list's two tables share (the server-rendered page and the virtualised table):
 * how a cell reads, which columns the server can sort by, and the words of the list's heading.
 * Instants arrive as ISO text in the page data and as epoch milliseconds in the Arrow stream;
 * both read the same, in the account's zone (the list's Zone column names it).
 */
import { formatInstantIn } from '$lib/components/format';
import { LIST_SORT_DEFAULTS, VERDICT_LABELS, type ListColumn } from '$lib/shared/list-columns';

/** The columns the server sorts the list by, each with its default direction. */
export const SERVER_SORTS: Readonly<Record<string, 'asc' | 'desc'>> = LIST_SORT_DEFAULTS;

const hoursFormat = new Intl.NumberFormat('nl-NL', {
	minimumFractionDigits: 1,
	maximumFractionDigits: 2
});
const percentFormat = new Intl.NumberFormat('nl-NL', {
	minimumFractionDigits: 1,
	maximumFractionDigits: 1
});

/** Business hours, e.g. "3,25". */
export function formatHours(n: number): string {
	return hoursFormat.format(n);
}

/** A fraction of the target as a percentage, e.g. 0.931 → "93,1 %" (no-break space). */
export function formatPercent(fraction: number): string {
	return `${percentFormat.format(fraction * 100)}\u00a0%`;
}

/** One cell of the list as text; "—" for a missing value. */
export function formatCell(
	column: Pick<ListColumn, 'key' | 'type'>,
	value: string | number | null | undefined,
	/** the account's zone: instants are shown in it (the list has a Zone column) */
	zone?: string | null
): string {
	if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value)))
		return '—';
	switch (column.type) {
		case 'instant':
			return formatInstantIn(
				typeof value === 'number' ? new Date(value).toISOString() : value,
				zone
			);
		case 'hours':
			return formatHours(Number(value));
		case 'percent':
			return formatPercent(Number(value));
		default:
			if (column.key === 'verdict') return VERDICT_LABELS[String(value)] ?? String(value);
			return String(value) || '—';
	}
}

/** The link to a ticket's own page (both parts encoded: an id may hold a slash). */
export function ticketPath(source: string, id: string): `/tickets/${string}/${string}` {
	return `/tickets/${encodeURIComponent(source)}/${encodeURIComponent(id)}`;
}

const VERDICT_HEADINGS: Record<string, string> = {
	all: 'Tickets',
	met: 'Tickets that met the target',
	missed: 'Missed tickets',
	open_within: 'Open tickets within target',
	open_missed: 'Open tickets past their target',
	excluded: 'Excluded tickets'
};

const CLOCK_NAMES: Record<string, string> = {
	first_response: 'first response',
	resolution: 'resolution'
};

const monthFormat = new Intl.DateTimeFormat('en-GB', {
	month: 'short',
	year: 'numeric',
	timeZone: 'UTC'
});

/** A month yyyy-mm as words, e.g. "Oct 2026". */
export function monthName(month: string): string {
	const d = new Date(`${month}-01T00:00:00Z`);
	return Number.isNaN(d.getTime()) ? month : monthFormat.format(d);
}

/** The histogram bin as the compliance page labels it: business time in tenths of its target. */
export function binText(bin: number): string {
	return bin >= 30 ? '≥ 300 % of target' : `${bin * 10}–${bin * 10 + 10} % of target`;
}

export interface ListHeadingFilters {
	verdict: string;
	clock: string;
	from: string;
	to: string;
	bin: number | null;
	accounts: string[];
	tiers: string[];
	priorities: string[];
	types: string[];
	languages: string[];
	channels: string[];
	csms: string[];
}

/** The list's title, e.g. "Missed tickets, first response, Oct 2026". */
export function listTitle(f: ListHeadingFilters): string {
	const period = f.from === f.to ? monthName(f.from) : `${monthName(f.from)} – ${monthName(f.to)}`;
	return `${VERDICT_HEADINGS[f.verdict] ?? 'Tickets'}, ${CLOCK_NAMES[f.clock] ?? f.clock}, ${period}`;
}

/** The other active filters as label and values, in the order of the compliance page. */
export function otherFilters(
	f: ListHeadingFilters,
	accountName: (id: string) => string
): { label: string; values: string }[] {
	const out: { label: string; values: string }[] = [];
	const add = (label: string, values: string[]) => {
		if (values.length) out.push({ label, values: values.join(', ') });
	};
	add(f.accounts.length === 1 ? 'Account' : 'Accounts', f.accounts.map(accountName));
	add(f.tiers.length === 1 ? 'Tier' : 'Tiers', f.tiers);
	add(f.priorities.length === 1 ? 'Priority' : 'Priorities', f.priorities);
	add(f.types.length === 1 ? 'Type' : 'Types', f.types);
	add(f.languages.length === 1 ? 'Language' : 'Languages', f.languages);
	add(f.channels.length === 1 ? 'Channel' : 'Channels', f.channels);
	add(f.csms.length === 1 ? 'CSM' : 'CSMs', f.csms);
	if (f.bin !== null) out.push({ label: 'Business time', values: binText(f.bin) });
	return out;
}

/** A query string with some parameters changed (null removes one), the others kept in order. */
export function changeParams(params: string, change: Record<string, string | null>): string {
	const p = new URLSearchParams(params);
	for (const [name, value] of Object.entries(change)) {
		p.delete(name);
		if (value !== null) p.set(name, value);
	}
	return p.toString();
}

/** A query string as name/value pairs (a name may repeat), e.g. for a form's hidden inputs. */
export function paramEntries(params: string): [string, string][] {
	return [...new URLSearchParams(params)];
}

const collator = new Intl.Collator('nl');

/**
 * Sort keys of the first `n` texts of a column: each text's rank in Dutch order (as
 * localeCompare 'nl'), NaN for none. Numbers compare faster than texts when many rows sort.
 */
export function textRanks(texts: readonly (string | null)[], n: number): Float64Array {
	const ranks = new Map<string, number>();
	for (let r = 0; r < n; r++) {
		const v = texts[r];
		if (v !== null) ranks.set(v, 0);
	}
	[...ranks.keys()].sort(collator.compare).forEach((v, rank) => ranks.set(v, rank));
	const keys = new Float64Array(n);
	for (let r = 0; r < n; r++) {
		const v = texts[r];
		keys[r] = v === null ? NaN : ranks.get(v)!;
	}
	return keys;
}
