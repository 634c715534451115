import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { exportResponse } from '$lib/server/export/table-export';
import { exportTables, loadReconciliation } from '../data.server';

export const GET: RequestHandler = async ({ url }) => {
	const format = url.searchParams.get('format') ?? 'csv';
	if (format !== 'csv' && format !== 'xlsx') error(400, 'format: use csv or xlsx');
	const view = await loadReconciliation(url);
	const { summary, tickets } = exportTables(view);
	const name = `reconciliation-${view.filters.month || 'all'}`;
	return exportResponse(format === 'csv' ? tickets : [summary, tickets], format, name);
};
