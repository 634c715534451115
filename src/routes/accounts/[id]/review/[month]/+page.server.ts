import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import {
	compareReviews,
	finaliseReview,
	getReview,
	isMonth,
	ReviewError,
	reviewData,
	saveAgreements
} from '$lib/server/reports/review';

/** The accounts the signed-in person (or API token) may see: their role's scope. */
const scope = () => requestScope();

function checkMonth(month: string): void {
	if (!isMonth(month)) error(400, `month: "${month}" is not a month (yyyy-mm), e.g. 2026-03`);
}

export const load = (async ({ params }) => {
	checkMonth(params.month);
	const store = await getStore();
	const [live, record] = await Promise.all([
		reviewData(store, scope(), params.id, params.month),
		getReview(store, params.id, params.month)
	]);
	if (!live) error(404, `There is no account "${params.id}".`);
	const snapshot = record?.snapshot ?? null;
	return {
		review: snapshot ? snapshot.data : live,
		finalised: snapshot
			? { by: snapshot.finalisedBy, at: snapshot.finalisedAt, agreements: snapshot.agreements }
			: null,
		draft:
			record && !snapshot
				? { agreements: record.agreements, by: record.updatedBy, at: record.updatedAt }
				: null,
		liveAsOf: live.asOf,
		changes: snapshot ? compareReviews(snapshot.data, live) : []
	};
}) satisfies PageServerLoad;

function fields(form: FormData) {
	return { agreements: String(form.get('agreements') ?? ''), by: String(form.get('by') ?? '') };
}

export const actions = {
	save: async ({ request, params }) => {
		checkMonth(params.month);
		const f = fields(await request.formData());
		try {
			await saveAgreements(await getStore(), params.id, params.month, f.agreements, f.by);
		} catch (e) {
			if (e instanceof ReviewError) return fail(400, { ...f, problem: e.message });
			throw e;
		}
		return { ...f, saved: true };
	},
	finalise: async ({ request, params }) => {
		checkMonth(params.month);
		const f = fields(await request.formData());
		try {
			await finaliseReview(await getStore(), params.id, params.month, f.by, {
				agreements: f.agreements,
				scope: scope()
			});
		} catch (e) {
			if (e instanceof ReviewError) return fail(400, { ...f, problem: e.message });
			throw e;
		}
		return { ...f, finalisedNow: true };
	}
} satisfies Actions;
