import type { PageServerLoad } from './$types';
import { loadReconciliation, reasonList } from './data.server';

export const load = (async ({ url }) => {
	const view = await loadReconciliation(url);
	return {
		filters: view.filters,
		months: view.months,
		accounts: view.accounts,
		sources: view.sources,
		summary: view.result.summary.map((s) => ({ ...s, reasonText: reasonList(s.reasons) })),
		compared: view.result.tickets.length,
		different: view.result.tickets
			.filter((t) => !t.equal)
			.map((t) => ({
				source: t.source,
				externalId: t.externalId,
				account: t.accountName ?? t.accountId ?? '(no account)',
				peilMinutes: t.peilMinutes,
				helpdeskMinutes: t.helpdeskMinutes,
				differenceMinutes: t.differenceMinutes,
				reasons: t.reasons.map((r) => r.text)
			}))
	};
}) satisfies PageServerLoad;
