import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { defaultMonth } from '$lib/server/reports/compliance';
import { requestScope } from '$lib/server/auth/request';

/** /billing opens the last complete month in the data. */
export const load = (async () => {
	const month = await defaultMonth(await getStore(), requestScope());
	redirect(307, `/billing/${month}`);
}) satisfies PageServerLoad;
