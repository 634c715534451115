import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { explainTicket } from '$lib/server/sla/explain';

/** Why a ticket's verdicts are what they are (the pages and `peil explain` read this). */
export const GET: RequestHandler = async ({ params }) => {
	const e = await explainTicket(await getStore(), params.source, params.id);
	if (!e) error(404, `No ticket ${params.source}/${params.id}`);
	return json(e);
};
