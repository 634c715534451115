import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import { listAccounts } from '$lib/server/reports/overview';
import { removeSample } from '$lib/server/sample/load-sample';

export const load = (async ({ url }) => {
	return {
		accounts: await listAccounts(await getStore(), requestScope()),
		erased: url.searchParams.get('erased') === '1'
	};
}) satisfies PageServerLoad;

export const actions = {
	removeSample: async () => {
		return { removed: await removeSample(await getStore()) };
	}
} satisfies Actions;
