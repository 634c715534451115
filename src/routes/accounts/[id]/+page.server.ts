import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import { getAccount } from '$lib/server/reports/overview';
import { saveAccount } from '$lib/server/accounts/accounts';
import { eraseAccount, EraseError } from '$lib/server/accounts/erase';

/** The form's fields; the list fields are textareas with one item per line. */
const TEXT_FIELDS = [
	'name',
	'policy',
	'csm',
	'account_manager',
	'time_zone',
	'default_language',
	'debtor_number'
] as const;
const LIST_FIELDS = ['tiers', 'aliases', 'contacts', 'arrears'] as const;
export type AccountFormValues = Record<
	(typeof TEXT_FIELDS)[number] | (typeof LIST_FIELDS)[number],
	string
>;

export const load = (async ({ params }) => {
	const account = await getAccount(await getStore(), requestScope(), params.id);
	if (!account) error(404, 'No such account');
	return { account };
}) satisfies PageServerLoad;

export const actions = {
	save: async ({ request, params }) => {
		const form = await request.formData();
		const values = Object.fromEntries(
			[...TEXT_FIELDS, ...LIST_FIELDS].map((k) => [k, String(form.get(k) ?? '')])
		) as AccountFormValues;
		// one item per line in the form, `;`-separated in the record (the accounts file's format)
		const lists = Object.fromEntries(
			LIST_FIELDS.map((k) => [
				k,
				values[k]
					.split(/\r?\n/)
					.map((l) => l.trim())
					.filter(Boolean)
					.join(';')
			])
		);
		const result = await saveAccount(
			await getStore(),
			{ ...values, ...lists, id: params.id },
			params.id
		);
		if (!result.ok) return fail(400, { problems: result.problems, values });
		return { saved: true };
	},
	/** Erase the account's data: only when its id is typed as confirmation, and with a name. */
	erase: async ({ request, params }) => {
		const form = await request.formData();
		const confirm = String(form.get('confirm') ?? '').trim();
		const by = String(form.get('by') ?? '').trim();
		if (confirm !== params.id)
			return fail(400, {
				erase: {
					problem: `Type the account's id "${params.id}" to confirm: nothing was erased.`,
					by
				}
			});
		try {
			await eraseAccount(await getStore(), params.id, by);
		} catch (e) {
			if (e instanceof EraseError) return fail(e.status, { erase: { problem: e.message, by } });
			throw e;
		}
		redirect(303, '/accounts?erased=1');
	}
} satisfies Actions;
