import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { listPage } from '$lib/server/reports/compliance';
import { loadCompliance, viewerScope } from './data.server';

export const load = (async ({ url }) => {
	const { view, options } = await loadCompliance(url);
	const missed = await listPage(
		await getStore(),
		viewerScope(),
		{ ...view.filters, verdict: 'missed', bin: null, sort: 'ratio', dir: 'desc' },
		1
	);
	return {
		view,
		options,
		missed: { total: missed.total, rows: missed.rows.slice(0, 10) }
	};
}) satisfies PageServerLoad;
