/**
 * The reconciliation page and its downloads share this: the filters read from the URL, the
 * default month (the last complete month in the data) and the result narrowed to that month.
 */
import { error } from '@sveltejs/kit';
import { getStore } from '$lib/server/store';
import {
	reconcile,
	type ReconcileResult,
	type ReconcileSummary,
	type ReconcileTicket
} from '$lib/server/sla/reconcile';
import type { ExportTable } from '$lib/server/export/table-export';
import { requestScope } from '$lib/server/auth/request';
import { inScope } from '$lib/server/scope';

export interface ReconcileFilters {
	month: string;
	account: string;
	source: string;
}

export interface ReconcileView {
	filters: ReconcileFilters;
	months: string[];
	accounts: { id: string; name: string }[];
	sources: string[];
	result: ReconcileResult;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function currentMonth(now = new Date()): string {
	return now.toISOString().slice(0, 7);
}

export async function loadReconciliation(url: URL): Promise<ReconcileView> {
	const month = url.searchParams.get('month')?.trim() ?? '';
	const account = url.searchParams.get('account')?.trim() ?? '';
	const source = url.searchParams.get('source')?.trim() ?? '';
	if (month && !MONTH.test(month)) error(400, `month: "${month}" is not a month (yyyy-mm)`);

	const store = await getStore();
	// all months, accounts and sources for the choices; the month is narrowed below
	const scope = requestScope();
	const visible = (x: { accountId: string | null }) => inScope(scope, x.accountId);
	const everything = await reconcile(store, {});
	const all = {
		tickets: everything.tickets.filter(visible),
		summary: everything.summary.filter(visible)
	};
	const months = [...new Set(all.summary.map((s) => s.month))].sort().reverse();
	const accountMap = new Map<string, string>();
	for (const s of all.summary)
		if (s.accountId) accountMap.set(s.accountId, s.accountName ?? s.accountId);
	const sources = [...new Set(all.tickets.map((t) => t.source))].sort();
	const now = currentMonth();
	const chosen = month || months.find((m) => m < now) || months[0] || '';

	const keep = (t: ReconcileTicket | ReconcileSummary) =>
		visible(t) && (!chosen || t.month === chosen) && (!account || t.accountId === account);
	const tickets = all.tickets.filter((t) => keep(t) && (!source || t.source === source));
	// with a source the summary is counted again over that source's tickets only
	const summary = source
		? (await reconcile(store, { source, month: chosen || undefined })).summary.filter(keep)
		: all.summary.filter(keep);

	return {
		filters: { month: chosen, account, source },
		months: chosen && !months.includes(chosen) ? [chosen, ...months] : months,
		accounts: [...accountMap].map(([id, name]) => ({ id, name })),
		sources,
		result: { tickets, summary }
	};
}

export const reasonList = (r: ReconcileSummary['reasons']): string =>
	Object.entries(r)
		.map(([code, n]) => `${code} ${n}`)
		.join(', ');

export function exportTables(view: ReconcileView): { summary: ExportTable; tickets: ExportTable } {
	return {
		summary: {
			name: 'Summary',
			columns: [
				{ key: 'account', header: 'Account', type: 'text' },
				{ key: 'month', header: 'Month', type: 'text' },
				{ key: 'compared', header: 'Tickets compared', type: 'integer' },
				{ key: 'equal', header: 'Equal', type: 'integer' },
				{ key: 'different', header: 'Different', type: 'integer' },
				{ key: 'peilMet', header: 'Peil met', type: 'integer' },
				{ key: 'helpdeskMet', header: 'Helpdesk met', type: 'integer' },
				{ key: 'reasons', header: 'Reasons', type: 'text' }
			],
			rows: view.result.summary.map((s) => ({
				account: s.accountName ?? s.accountId ?? '(no account)',
				month: s.month,
				compared: s.compared,
				equal: s.equal,
				different: s.different,
				peilMet: s.peilMet,
				helpdeskMet: s.helpdeskMet,
				reasons: reasonList(s.reasons)
			}))
		},
		tickets: {
			name: 'Tickets',
			columns: [
				{ key: 'source', header: 'Source', type: 'text' },
				{ key: 'ticket', header: 'Ticket', type: 'text' },
				{ key: 'account', header: 'Account', type: 'text' },
				{ key: 'month', header: 'Month', type: 'text' },
				{ key: 'peil', header: 'Peil minutes', type: 'number' },
				{ key: 'helpdesk', header: 'Helpdesk minutes', type: 'number' },
				{ key: 'difference', header: 'Difference (minutes)', type: 'number' },
				{ key: 'reasons', header: 'Reasons', type: 'text' }
			],
			rows: view.result.tickets
				.filter((t) => !t.equal)
				.map((t) => ({
					source: t.source,
					ticket: t.externalId,
					account: t.accountName ?? t.accountId ?? '(no account)',
					month: t.month,
					peil: Math.round(t.peilMinutes * 10) / 10,
					helpdesk: t.helpdeskMinutes,
					difference: Math.round(t.differenceMinutes * 10) / 10,
					reasons: t.reasons.map((r) => r.text).join('; ')
				}))
		}
	};
}
