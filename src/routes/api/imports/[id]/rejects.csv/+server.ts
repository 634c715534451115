import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { importRejects } from '$lib/server/reports/overview';
import { csvResponse } from '$lib/server/export/csv';

/** Every rejected row of an import, as CSV for Excel. */
export const GET: RequestHandler = async ({ params }) => {
	const store = await getStore();
	const id = Number(params.id);
	const imp = Number.isInteger(id)
		? await store.one('SELECT file_name FROM imports WHERE id = $1', [id])
		: undefined;
	if (!imp) error(404, `No import ${params.id}`);
	const rows = await importRejects(store, id);
	return csvResponse(
		`import-${id}-rejected-rows.csv`,
		['row', 'column', 'value', 'reason'],
		rows.map((r) => [r.row, r.column, r.value, r.reason])
	);
};
