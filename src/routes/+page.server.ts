import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { ALL_ACCOUNTS } from '$lib/server/scope';
import { getOverview } from '$lib/server/reports/overview';
import { removeSample } from '$lib/server/sample/load-sample';

export const load = (async () => {
	return { overview: await getOverview(await getStore(), ALL_ACCOUNTS) };
}) satisfies PageServerLoad;

export const actions = {
	removeSample: async () => {
		const removed = await removeSample(await getStore());
		return { removed };
	}
} satisfies Actions;
