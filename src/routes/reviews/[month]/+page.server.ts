import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import {
	isMonth,
	portfolio,
	RECLASSIFICATION_MIN,
	RECLASSIFICATION_SHARE
} from '$lib/server/reports/review';

/** The month's reviews of a CSM's accounts (?csm=, default every account). */
export const load = (async ({ params, url }) => {
	if (!isMonth(params.month))
		error(400, `month: "${params.month}" is not a month (yyyy-mm), e.g. 2026-03`);
	const csm = url.searchParams.get('csm')?.trim() || null;
	const p = await portfolio(await getStore(), requestScope(), params.month, csm);
	if (csm && !p.csms.includes(csm))
		error(400, `csm: "${csm}" is not the CSM of any account (${p.csms.join(', ') || 'none'})`);
	return {
		portfolio: p,
		thresholds: { share: RECLASSIFICATION_SHARE, min: RECLASSIFICATION_MIN }
	};
}) satisfies PageServerLoad;
