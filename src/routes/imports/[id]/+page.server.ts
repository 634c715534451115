import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { getImport } from '$lib/server/reports/overview';

export const load = (async ({ params }) => {
	const id = Number(params.id);
	const report = /^\d+$/.test(params.id) ? await getImport(await getStore(), id, 1000) : null;
	if (!report) error(404, 'No such import');
	return { report };
}) satisfies PageServerLoad;
