import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { defaultMonth, filterOptions } from '$lib/server/reports/compliance';
import {
	DEFAULT_THRESHOLDS,
	previewThresholds,
	saveThresholds,
	THRESHOLD_INFO,
	THRESHOLD_KEYS,
	thresholdVersions,
	TrainingError
} from '$lib/server/reports/training';
import { viewerScope } from '../data.server';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const LISTS = ['howTo.types', 'howTo.categories', 'howTo.referredTags'] as const;

const today = () =>
	new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());

export const load = (async () => {
	const store = await getStore();
	const [versions, options, month] = await Promise.all([
		thresholdVersions(store),
		filterOptions(store, viewerScope()),
		defaultMonth(store, viewerScope())
	]);
	return {
		versions,
		info: THRESHOLD_INFO,
		keys: THRESHOLD_KEYS,
		defaults: DEFAULT_THRESHOLDS,
		months: options.months,
		defaultMonth: month,
		today: today()
	};
}) satisfies PageServerLoad;

/** The form as a document; Preview and Save read it the same way, so Save stores what was shown. */
async function readForm(request: Request, action: 'preview' | 'save') {
	const form = await request.formData();
	const values: Record<string, string> = {};
	for (const [k, v] of form) values[k] = String(v).trim();
	const body: Record<string, unknown> = {};
	for (const k of THRESHOLD_KEYS) {
		const raw = (values[k] ?? '').replace(',', '.');
		body[k] = raw === '' ? undefined : Number(raw);
		if (raw !== '' && !Number.isFinite(body[k])) body[k] = values[k];
	}
	const howTo: Record<string, string[]> = {};
	for (const k of LISTS)
		howTo[k.slice(6)] = (values[k] ?? '')
			.split(/[,;\n]/)
			.map((x) => x.trim())
			.filter(Boolean);
	body.howTo = howTo;
	const month = values.month || '';
	const refuse = (e: TrainingError | string) =>
		fail(400, {
			action,
			error: typeof e === 'string' ? e : e.message,
			field: typeof e === 'string' ? null : e.field,
			values
		});
	return { body, values, month, refuse };
}

export const actions = {
	preview: async ({ request }) => {
		const r = await readForm(request, 'preview');
		if (!MONTH.test(r.month)) return r.refuse('month: choose the month to preview on');
		try {
			const preview = await previewThresholds(
				await getStore(),
				viewerScope(),
				{ body: r.body, effectiveFrom: r.values.effectiveFrom ?? '' },
				{ from: r.month, to: r.month }
			);
			return { preview, values: r.values };
		} catch (e) {
			if (e instanceof TrainingError) return r.refuse(e);
			throw e;
		}
	},
	save: async ({ request }) => {
		const r = await readForm(request, 'save');
		try {
			const saved = await saveThresholds(await getStore(), {
				body: r.body,
				effectiveFrom: r.values.effectiveFrom ?? '',
				reason: r.values.reason ?? '',
				by: r.values.by ?? ''
			});
			return { saved, by: r.values.by };
		} catch (e) {
			if (e instanceof TrainingError) return r.refuse(e);
			throw e;
		}
	}
} satisfies Actions;
