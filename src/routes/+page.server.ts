import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import { getOverview } from '$lib/server/reports/overview';
import { removeSample } from '$lib/server/sample/load-sample';

export const load = (async () => {
	return { overview: await getOverview(await getStore(), requestScope()) };
}) satisfies PageServerLoad;

export const actions = {
	removeSample: async () => {
		const removed = await removeSample(await getStore());
		return { removed };
	}
} satisfies Actions;
