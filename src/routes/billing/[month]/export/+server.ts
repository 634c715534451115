import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { exportResponse } from '$lib/server/export/table-export';
import { invoiceTables } from '$lib/server/billing/export';
import { loadMonth } from '../data.server';

/** `?format=csv|xlsx`: the month's invoice lines (XLSX: a sheet of lines and one per account). */
export const GET: RequestHandler = async ({ params, url }) => {
	const format = url.searchParams.get('format') ?? 'csv';
	if (format !== 'csv' && format !== 'xlsx') error(400, 'format: use csv or xlsx');
	const m = await loadMonth(params.month);
	return exportResponse(invoiceTables(m, format === 'xlsx'), format, `invoice-lines-${m.month}`);
};
