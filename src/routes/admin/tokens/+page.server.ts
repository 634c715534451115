import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { createToken, listTokens, revokeToken } from '$lib/server/auth/sessions';
import { UserError } from '$lib/server/auth/users';
import { ROLE_LABELS, ROLES } from '$lib/server/auth/roles';

export const load = (async () => {
	const store = await getStore();
	const accounts = await store.all('SELECT id, name FROM accounts ORDER BY name');
	return {
		tokens: await listTokens(store),
		roles: ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
		accounts: accounts.map((a) => ({ id: String(a.id), name: String(a.name) }))
	};
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
