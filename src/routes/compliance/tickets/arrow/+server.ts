import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { arrowResponse } from '$lib/server/export/arrow';
import { LIST_COLUMNS, listChunks, listQuery } from '$lib/server/reports/compliance';
import { readListFilters, viewerScope } from '../../data.server';

/**
 * The whole list behind a figure as an Arrow IPC stream, in the list's order. Instants are epoch
 * milliseconds (UTC); the total is in `x-total-count` before the first byte, so the table can
 * size itself at once.
 */
export const GET: RequestHandler = async ({ url }) => {
	const store = await getStore();
	const filters = await readListFilters(url);
	const q = listQuery(filters, viewerScope());
	const total = await store.one(`SELECT count(*) AS n FROM ${q.from} WHERE ${q.where}`, q.params);
	return arrowResponse(
		listChunks(store, viewerScope(), filters),
		LIST_COLUMNS.map((c) => ({ key: c.key, type: c.type === 'text' ? 'text' : 'number' })),
		{ 'x-total-count': String(Number(total?.n ?? 0)) }
	);
};
