import { error, redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import { defaultMonth } from '$lib/server/reports/compliance';
import { isMonth } from '$lib/server/reports/review';

/** /reviews[?month=yyyy-mm&csm=…] leads to /reviews/yyyy-mm (default: the last complete month). */
export const load = (async ({ url }) => {
	let month = url.searchParams.get('month')?.trim() || '';
	if (month && !isMonth(month)) error(400, `month: "${month}" is not a month (yyyy-mm)`);
	if (!month) month = await defaultMonth(await getStore(), requestScope());
	const csm = url.searchParams.get('csm');
	redirect(303, `/reviews/${month}${csm ? `?csm=${encodeURIComponent(csm)}` : ''}`);
}) satisfies PageServerLoad;
