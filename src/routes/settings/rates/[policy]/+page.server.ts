import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import { defaultMonth } from '$lib/server/reports/compliance';
import { BillingError } from '$lib/server/billing/billing';
import { RateCardError, rateCardVersions, saveRateCard } from '$lib/server/billing/rates';
import {
	previewRateCard,
	rateFormFields,
	rateFormValues,
	readRateForm,
	REASON_LABELS
} from '$lib/server/billing/rate-editor';
import { ALL_REASONS } from '$lib/server/billing/rates';
import { firstOfNextMonth } from '$lib/components/settings/policy-form';

async function versionsOf(policy: string) {
	const store = await getStore();
	const versions = (await rateCardVersions(store)).get(policy);
	if (!versions?.length) error(404, `No rate card for policy "${policy}"`);
	return { store, versions, latest: versions.at(-1)! };
}

export const load = (async ({ params }) => {
	const { store, versions, latest } = await versionsOf(params.policy);
	return {
		policyId: params.policy,
		latest: { version: latest.version, effectiveFrom: latest.effectiveFrom, card: latest.card },
		versions: versions.map((v) => ({
			version: v.version,
			effectiveFrom: v.effectiveFrom,
			reason: v.reason,
			by: v.by,
			builtin: v.builtin,
			createdAt: v.createdAt ?? null
		})),
		fields: rateFormFields(latest.card),
		stored: rateFormValues(latest.card),
		reasons: ALL_REASONS.map((r) => ({ id: r, label: REASON_LABELS[r] ?? r })),
		defaultEffectiveFrom: firstOfNextMonth(new Date()),
		defaultMonth: await defaultMonth(store, requestScope())
	};
}) satisfies PageServerLoad;

/** The submitted form read against the latest version: both actions read the same fields. */
async function readChange({ request, params }: RequestEvent, action: 'preview' | 'save') {
	const { store, latest } = await versionsOf(params.policy);
	const form = await request.formData();
	const text = (k: string) => String(form.get(k) ?? '').trim();
	const entered = {
		effectiveFrom: text('effectiveFrom'),
		month: text('month'),
		reason: text('reason'),
		by: text('by')
	};
	const r = readRateForm(latest.card, form);
	const refuse = (message: string, field?: string | null) =>
		fail(400, {
			action,
			error: message,
			field: field ?? (message.includes(':') ? message.slice(0, message.indexOf(':')) : null),
			values: r.values,
			...entered
		});
	if (r.error) return { refused: refuse(r.error.message, r.error.field) };
	if (!r.changes.length)
		return {
			refused: refuse(
				`Nothing to save: every rate and setting is as in version ${latest.version}. Change one first.`,
				null
			)
		};
	return { store, card: r.card!, changes: r.changes, values: r.values, entered, refuse };
}

export const actions = {
	preview: async (event) => {
		const r = await readChange(event, 'preview');
		if ('refused' in r) return r.refused;
		try {
			const preview = await previewRateCard(
				r.store,
				{ card: r.card, effectiveFrom: r.entered.effectiveFrom },
				r.entered.month
			);
			return { preview, changes: r.changes, values: r.values, ...r.entered };
		} catch (e) {
			if (e instanceof BillingError) return r.refuse(e.message, e.field);
			throw e;
		}
	},
	save: async (event) => {
		const r = await readChange(event, 'save');
		if ('refused' in r) return r.refused;
		try {
			const saved = await saveRateCard(r.store, {
				body: r.card,
				effectiveFrom: r.entered.effectiveFrom,
				reason: r.entered.reason,
				by: r.entered.by
			});
			return {
				saved: { ...saved, effectiveFrom: r.entered.effectiveFrom },
				month: r.entered.month
			};
		} catch (e) {
			if (e instanceof RateCardError) return r.refuse(e.message);
			throw e;
		}
	}
} satisfies Actions;
