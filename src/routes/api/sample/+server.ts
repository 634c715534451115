import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { removeSample } from '$lib/server/sample/load-sample';

/** Remove the sample accounts and everything loaded for them (DELETE). */
export const DELETE: RequestHandler = async () => json(await removeSample(await getStore()));
