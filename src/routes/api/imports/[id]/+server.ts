import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { getImport } from '$lib/server/reports/overview';

export const GET: RequestHandler = async ({ params }) => {
	const report = await getImport(await getStore(), Number(params.id));
	if (!report) error(404, `No import ${params.id}`);
	return json(report);
};
