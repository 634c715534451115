import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getStore } from '$lib/server/store';
import {
	currentPolicy,
	listPolicyVersions,
	previewPolicyChange,
	savePolicyVersion,
	SettingsError,
	withChange
} from '$lib/server/sla/settings';
import {
	fieldOfError,
	firstOfNextMonth,
	readPolicyForm
} from '$lib/components/settings/policy-form';

/** The preview lists at most this many changed tickets; the summary counts them all. */
const PREVIEW_ROWS = 200;

export const load = (async ({ params }) => {
	const store = await getStore();
	const [current, versions] = await Promise.all([
		currentPolicy(store, params.id),
		listPolicyVersions(store)
	]);
	if (!current) error(404, 'No such policy');
	return {
		current,
		versions: versions.filter((v) => v.id === params.id),
		defaultEffectiveFrom: firstOfNextMonth(new Date())
	};
}) satisfies PageServerLoad;

/**
 * The submitted form as a new document: each changed field applied with withChange. Both actions
 * read the same fields, so Save stores exactly what Preview showed.
 */
async function readChange({ request, params }: RequestEvent, action: 'preview' | 'save') {
	const store = await getStore();
	const cur = await currentPolicy(store, params.id);
	if (!cur) error(404, 'No such policy');
	const form = await request.formData();
	const effectiveFrom = String(form.get('effectiveFrom') ?? '').trim();
	const { values, changes } = readPolicyForm(cur.policy, form);
	const refuse = (message: string) =>
		fail(400, {
			action,
			error: message,
			field: fieldOfError(cur.policy, message),
			values,
			effectiveFrom
		});
	if (!changes.length)
		return {
			refused: refuse(
				`Nothing to save: every target and setting is as in version ${cur.version}. Change one first.`
			)
		};
	try {
		const body = changes.reduce((doc, c) => withChange(doc, c.path, c.after), cur.policy);
		return { store, change: { id: params.id, body, effectiveFrom }, values, changes, refuse };
	} catch (e) {
		if (e instanceof SettingsError) return { refused: refuse(e.message) };
		throw e;
	}
}

export const actions = {
	preview: async (event) => {
		const r = await readChange(event, 'preview');
		if ('refused' in r) return r.refused;
		try {
			const preview = await previewPolicyChange(r.store, r.change);
			return {
				preview: { ...preview, changes: preview.changes.slice(0, PREVIEW_ROWS) },
				changed: preview.changes.length,
				fields: r.changes,
				values: r.values,
				effectiveFrom: r.change.effectiveFrom
			};
		} catch (e) {
			if (e instanceof SettingsError) return r.refuse(e.message);
			throw e;
		}
	},
	save: async (event) => {
		const r = await readChange(event, 'save');
		if ('refused' in r) return r.refused;
		try {
			const saved = await savePolicyVersion(r.store, r.change);
			return { saved: { ...saved, effectiveFrom: r.change.effectiveFrom } };
		} catch (e) {
			if (e instanceof SettingsError) return r.refuse(e.message);
			throw e;
		}
	}
} satisfies Actions;
