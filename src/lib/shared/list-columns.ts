/**
 * The columns of the list of tickets behind a figure: one definition for the server-rendered
 * page, the Arrow stream (same keys, same order), the virtualised table and the downloads.
 * `instant` values are ISO text in the page data and epoch milliseconds (UTC) in the stream;
 * `hours` are business hours; `percent` is a fraction (1 = 100 % of the target).
 */
export const LIST_COLUMNS = [
	{ key: 'source', header: 'Source', type: 'text' },
	{ key: 'ticket', header: 'Ticket', type: 'text' },
	{ key: 'account', header: 'Account', type: 'text' },
	{ key: 'created', header: 'Created', type: 'instant' },
	{ key: 'priority', header: 'Priority', type: 'text' },
	{ key: 'tier', header: 'Tier', type: 'text' },
	{ key: 'language', header: 'Language', type: 'text' },
	{ key: 'channel', header: 'Channel', type: 'text' },
	{ key: 'type', header: 'Type', type: 'text' },
	{ key: 'business', header: 'Business hours', type: 'hours' },
	{ key: 'target', header: 'Target (hours)', type: 'hours' },
	{ key: 'ratio', header: '% of target', type: 'percent' },
	{ key: 'due', header: 'Due', type: 'instant' },
	{ key: 'stopped', header: 'Stopped', type: 'instant' },
	{ key: 'verdict', header: 'Verdict', type: 'text' },
	{ key: 'reason', header: 'Excluded because', type: 'text' },
	{ key: 'zone', header: 'Zone', type: 'text' }
] as const;

export type ListColumn = (typeof LIST_COLUMNS)[number];
export type ListColumnKey = ListColumn['key'];
export type ListRow = Record<ListColumnKey, string | number | null>;

/** How a verdict reads on a page: words, never only a colour. */
export const VERDICT_LABELS: Record<string, string> = {
	met: 'met',
	missed: 'missed',
	open_within: 'open, within target',
	open_missed: 'open and missed',
	excluded: 'excluded'
};

/** The columns the server sorts the list by, each with its default direction. */
export const LIST_SORT_DEFAULTS = {
	created: 'asc',
	account: 'asc',
	priority: 'desc',
	tier: 'desc',
	business: 'desc',
	ratio: 'desc',
	due: 'desc',
	verdict: 'desc'
} as const satisfies Partial<Record<ListColumnKey, 'asc' | 'desc'>>;

export type ListSort = keyof typeof LIST_SORT_DEFAULTS;
export const LIST_SORTS = Object.keys(LIST_SORT_DEFAULTS) as ListSort[];
