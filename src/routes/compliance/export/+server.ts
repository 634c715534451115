import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { exportResponse } from '$lib/server/export/table-export';
import { complianceTables, loadCompliance } from '../data.server';

/** `?table=<name>&format=csv|xlsx` and the page's filters; `table=all` (XLSX) holds every table. */
export const GET: RequestHandler = async ({ url }) => {
	const format = url.searchParams.get('format') ?? 'csv';
	if (format !== 'csv' && format !== 'xlsx') error(400, 'format: use csv or xlsx');
	const name = url.searchParams.get('table') ?? 'all';
	const { view } = await loadCompliance(url);
	const tables = complianceTables(view);
	const period =
		view.filters.from === view.filters.to
			? view.filters.from
			: `${view.filters.from}_${view.filters.to}`;
	if (name === 'all') {
		if (format === 'csv') error(400, 'table: a CSV file holds one table; name one, or use xlsx');
		return exportResponse(Object.values(tables), 'xlsx', `compliance-${period}`);
	}
	const table = tables[name];
	if (!table) error(400, `table: "${name}" is not one of ${Object.keys(tables).join(', ')}, all`);
	return exportResponse(table, format, `compliance-${name}-${period}`);
};
