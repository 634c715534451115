import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { filterOptions } from '$lib/server/reports/compliance';
import {
	listTrainingRecords,
	recordTraining,
	TrainingError,
	TRAINING_STATUSES
} from '$lib/server/reports/training';
import { loadTraining, periodParams, viewerScope } from './data.server';
import { inScope } from '$lib/server/scope';

const FIELDS = ['accountId', 'status', 'onDate', 'note', 'by'] as const;

/** Today in Amsterdam: the date a new record defaults to. */
const today = () =>
	new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());

export const load = (async ({ url }) => {
	const store = await getStore();
	const [view, records, options] = await Promise.all([
		loadTraining(url),
		listTrainingRecords(store, viewerScope()),
		filterOptions(store, viewerScope())
	]);
	const chosen = url.searchParams.get('account') ?? '';
	return {
		view,
		params: periodParams(view.period),
		records,
		accounts: options.accounts,
		months: options.months,
		statuses: TRAINING_STATUSES,
		today: today(),
		chosenAccount: options.accounts.some((a) => a.id === chosen) ? chosen : ''
	};
}) satisfies PageServerLoad;

export const actions = {
	record: async ({ request }) => {
		const form = await request.formData();
		const values: Record<string, string> = {};
		for (const k of FIELDS) values[k] = String(form.get(k) ?? '').trim();
		// an account outside the person's scope is answered as one that does not exist
		if (values.accountId && !inScope(viewerScope(), values.accountId))
			return fail(400, {
				error: `there is no account "${values.accountId}"`,
				field: 'accountId',
				values
			});
		try {
			const record = await recordTraining(await getStore(), {
				accountId: values.accountId,
				status: values.status,
				onDate: values.onDate,
				note: values.note,
				by: values.by
			});
			return { recorded: record, by: values.by };
		} catch (e) {
			if (e instanceof TrainingError)
				return fail(400, { error: e.message, field: e.field, values });
			throw e;
		}
	}
} satisfies Actions;
