import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { recomputeSla } from '$lib/server/sla/recompute';

/** Recompute every verdict (POST, no body). */
export const POST: RequestHandler = async () => json(await recomputeSla(await getStore()));
