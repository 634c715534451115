/**
 * What the compliance page, its list and their downloads share: filters read from the URL (a
 * wrong value is a 400 naming the parameter), the default period, and the export tables.
 */
import { error } from '@sveltejs/kit';
import { getStore } from '$lib/server/store';
import type { Scope } from '$lib/server/scope';
import { requestScope } from '$lib/server/auth/request';
import {
	sharedComplianceView,
	defaultMonth,
	filterOptions,
	FilterError,
	parseFilters,
	parseListFilters,
	LIST_COLUMNS,
	type ComplianceFilters,
	type ComplianceView,
	type ListFilters,
	type SplitRow
} from '$lib/server/reports/compliance';
import type { ExportColumn, ExportTable } from '$lib/server/export/table-export';

/** The accounts the signed-in person (or API token) may see: their role's scope. */
export const viewerScope = (): Scope => requestScope();

function badRequest(e: unknown): never {
	if (e instanceof FilterError) error(400, e.message);
	throw e;
}

export async function readFilters(url: URL): Promise<ComplianceFilters> {
	const store = await getStore();
	const month = await defaultMonth(store, viewerScope());
	try {
		return parseFilters(url.searchParams, month);
	} catch (e) {
		badRequest(e);
	}
}

export async function readListFilters(url: URL): Promise<ListFilters> {
	const store = await getStore();
	const month = await defaultMonth(store, viewerScope());
	try {
		return parseListFilters(url.searchParams, month);
	} catch (e) {
		badRequest(e);
	}
}

export async function loadCompliance(url: URL) {
	const store = await getStore();
	const filters = await readFilters(url);
	const [view, options] = await Promise.all([
		sharedComplianceView(store, viewerScope(), filters),
		filterOptions(store, viewerScope())
	]);
	return { view, options };
}

const COUNT_COLUMNS: ExportColumn[] = [
	{ key: 'attainment', header: 'Attainment', type: 'percent' },
	{ key: 'goal', header: 'Goal', type: 'percent' },
	{ key: 'met', header: 'Met', type: 'integer' },
	{ key: 'missed', header: 'Missed', type: 'integer' },
	{ key: 'openMissed', header: 'of which open and missed', type: 'integer' },
	{ key: 'openWithin', header: 'Open within target (not counted)', type: 'integer' },
	{ key: 'excluded', header: 'Excluded (not counted)', type: 'integer' }
];

const TARGET_COLUMNS: ExportColumn[] = [
	{ key: 'targetMin', header: 'Target from (business hours)', type: 'hours' },
	{ key: 'targetMax', header: 'Target to (business hours)', type: 'hours' }
];

function splitTable(name: string, first: ExportColumn[], rows: SplitRow[]): ExportTable {
	return {
		name,
		columns: [...first, ...COUNT_COLUMNS, ...TARGET_COLUMNS],
		rows: rows.map((r) => ({
			...r.key,
			label: r.label,
			attainment: r.attainment,
			goal: r.goal,
			met: r.met,
			missed: r.missed,
			openMissed: r.openMissed,
			openWithin: r.openWithin,
			excluded: r.excluded,
			targetMin: r.target.min,
			targetMax: r.target.max
		}))
	};
}

/** Every table of the page, by the name its download link uses. */
export function complianceTables(view: ComplianceView): Record<string, ExportTable> {
	return {
		months: splitTable('Months', [{ key: 'month', header: 'Month', type: 'text' }], view.months),
		'priority-tier': splitTable(
			'Priority x tier',
			[
				{ key: 'priority', header: 'Priority', type: 'text' },
				{ key: 'tier', header: 'Tier', type: 'text' }
			],
			view.priorityTier
		),
		accounts: splitTable(
			'Accounts',
			[
				{ key: 'account', header: 'Account id', type: 'text' },
				{ key: 'label', header: 'Account', type: 'text' }
			],
			view.accounts
		),
		languages: splitTable(
			'Languages',
			[{ key: 'label', header: 'Language', type: 'text' }],
			view.languages
		),
		channels: splitTable(
			'Channels',
			[{ key: 'label', header: 'Channel', type: 'text' }],
			view.channels
		),
		histogram: {
			name: 'Business time vs target',
			columns: [
				{ key: 'label', header: 'Business time as % of target', type: 'text' },
				{ key: 'from', header: 'From (fraction of target)', type: 'number' },
				{ key: 'met', header: 'Met', type: 'integer' },
				{ key: 'missed', header: 'Missed', type: 'integer' }
			],
			rows: view.histogram.map((h) => ({
				label: h.label,
				from: h.bin / 10,
				met: h.met,
				missed: h.missed
			}))
		},
		'at-risk': {
			name: 'At risk',
			columns: [
				{ key: 'source', header: 'Source', type: 'text' },
				{ key: 'externalId', header: 'Ticket', type: 'text' },
				{ key: 'accountName', header: 'Account', type: 'text' },
				{ key: 'priority', header: 'Priority', type: 'text' },
				{ key: 'tier', header: 'Tier', type: 'text' },
				{ key: 'createdAt', header: 'Created', type: 'instant' },
				{ key: 'dueAt', header: 'Due', type: 'instant' },
				{ key: 'hoursLeft', header: 'Business hours left', type: 'hours' }
			],
			rows: view.atRisk.map((t) => ({ ...t }))
		}
	};
}

/** The list behind a figure, as an export table (the same columns as on screen). */
export const LIST_EXPORT_COLUMNS: ExportColumn[] = LIST_COLUMNS.map((c) => ({
	key: c.key,
	header: c.header,
	type: c.type
}));
