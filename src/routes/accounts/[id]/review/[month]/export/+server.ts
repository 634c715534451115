import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import { exportResponse } from '$lib/server/export/table-export';
import { getReview, isMonth, reviewData, reviewTables } from '$lib/server/reports/review';

/** The review as one XLSX workbook, one sheet per section: the snapshot once finalised. */
export const GET: RequestHandler = async ({ params }) => {
	if (!isMonth(params.month))
		error(400, `month: "${params.month}" is not a month (yyyy-mm), e.g. 2026-03`);
	const store = await getStore();
	const record = await getReview(store, params.id, params.month);
	const snapshot = record?.snapshot ?? null;
	const data = snapshot?.data ?? (await reviewData(store, requestScope(), params.id, params.month));
	if (!data) error(404, `There is no account "${params.id}".`);
	const tables = reviewTables(data, snapshot?.agreements ?? record?.agreements ?? '', record);
	return exportResponse(tables, 'xlsx', `review-${data.account.id}-${data.month}`);
};
