import { error, redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { defaultMonth } from '$lib/server/reports/compliance';
import { isMonth } from '$lib/server/reports/review';

/**
 * /accounts/<id>/review?month=yyyy-mm (the month picker's GET form, no JavaScript needed) leads to
 * /accounts/<id>/review/yyyy-mm; without a month, to the account's last complete month.
 */
export const load = (async ({ params, url }) => {
	let month = url.searchParams.get('month')?.trim() || '';
	if (month && !isMonth(month)) error(400, `month: "${month}" is not a month (yyyy-mm)`);
	if (!month) month = await defaultMonth(await getStore(), { kind: 'accounts', ids: [params.id] });
	redirect(303, `/accounts/${encodeURIComponent(params.id)}/review/${month}`);
}) satisfies PageServerLoad;
