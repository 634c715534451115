import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { exportResponse } from '$lib/server/export/table-export';
import { loadTraining, trainingTables } from '../data.server';

/** `?table=accounts|repeat-askers|thresholds|all&format=csv|xlsx` and the page's period. */
export const GET: RequestHandler = async ({ url }) => {
	const format = url.searchParams.get('format') ?? 'csv';
	if (format !== 'csv' && format !== 'xlsx') error(400, 'format: use csv or xlsx');
	const name = url.searchParams.get('table') ?? (format === 'csv' ? 'accounts' : 'all');
	const view = await loadTraining(url);
	const tables = trainingTables(view);
	const p = view.period;
	const period = p.from === p.to ? p.from : `${p.from}_${p.to}`;
	if (name === 'all') {
		if (format === 'csv') error(400, 'table: a CSV file holds one table; name one, or use xlsx');
		return exportResponse(Object.values(tables), 'xlsx', `training-${period}`);
	}
	const table = tables[name];
	if (!table) error(400, `table: "${name}" is not one of ${Object.keys(tables).join(', ')}, all`);
	return exportResponse(table, format, `training-${name}-${period}`);
};
