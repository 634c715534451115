import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { ALL_ACCOUNTS } from '$lib/server/scope';
import { listAccounts } from '$lib/server/reports/overview';
import { removeSample } from '$lib/server/sample/load-sample';

export const load = (async ({ url }) => {
	return {
		accounts: await listAccounts(await getStore(), ALL_ACCOUNTS),
		erased: url.searchParams.get('erased') === '1'
	};
}) satisfies PageServerLoad;

export const actions = {
	removeSample: async () => {
		return { removed: await removeSample(await getStore()) };
	}
} satisfies Actions;
