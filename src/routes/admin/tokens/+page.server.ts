import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { createToken, listTokens, revokeToken } from '$lib/server/auth/sessions';
import { UserError } from '$lib/server/auth/users';
import { adminChoices } from '$lib/server/auth/choices';

export const load = (async () => {
	const store = await getStore();
	return { tokens: await listTokens(store), ...(await adminChoices(store)) };
}) satisfies PageServerLoad;

export const actions = {
	create: async ({ request, locals }) => {
		const f = await request.formData();
		try {
			const made = await createToken(await getStore(), {
				name: String(f.get('name') ?? ''),
				role: String(f.get('role') ?? ''),
				accounts: f.getAll('accounts').map(String),
				createdBy: locals.user?.actor ?? 'unknown'
			});
			return { made: made.token.name, secret: made.secret };
		} catch (e) {
			if (e instanceof UserError) return fail(400, { message: e.message });
			throw e;
		}
	},
	revoke: async ({ request }) => {
		const f = await request.formData();
		try {
			const t = await revokeToken(await getStore(), String(f.get('id') ?? ''));
			return { revoked: t.name };
		} catch (e) {
			if (e instanceof UserError) return fail(400, { message: e.message });
			throw e;
		}
	}
} satisfies Actions;
