import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { exportResponse } from '$lib/server/export/table-export';
import { parquetResponse } from '$lib/server/export/parquet';
import { listQuery, listSelect } from '$lib/server/reports/compliance';
import { LIST_EXPORT_COLUMNS, readListFilters, viewerScope } from '../../data.server';

const XLSX_MAX_ROWS = 1_048_575;

/** The whole list behind a figure as CSV, XLSX (through the one export writer) or Parquet. */
export const GET: RequestHandler = async ({ url }) => {
	const format = url.searchParams.get('format') ?? 'csv';
	if (format !== 'csv' && format !== 'xlsx' && format !== 'parquet')
		error(400, 'format: use csv, xlsx or parquet');
	const store = await getStore();
	const f = await readListFilters(url);
	const q = listQuery(f, viewerScope());
	const sql = `SELECT ${listSelect('iso')} FROM ${q.from} WHERE ${q.where} ORDER BY ${q.order}`;
	const period = f.from === f.to ? f.from : `${f.from}_${f.to}`;
	const name = `tickets-${f.verdict}-${period}`;
	if (format === 'parquet') return parquetResponse(store, sql, q.params, name);
	if (format === 'xlsx') {
		const n = Number(
			(await store.one(`SELECT count(*) AS n FROM ${q.from} WHERE ${q.where}`, q.params))?.n ?? 0
		);
		// a worksheet holds 1,048,576 rows, the header included
		if (n > XLSX_MAX_ROWS)
			error(
				413,
				`This list has ${n.toLocaleString('nl-NL')} tickets; an Excel sheet holds at most ${XLSX_MAX_ROWS.toLocaleString('nl-NL')}. Download it as CSV or Parquet, or narrow the filters.`
			);
	}
	const rows = await store.all(sql, q.params);
	return exportResponse({ name: 'Tickets', columns: LIST_EXPORT_COLUMNS, rows }, format, name);
};
