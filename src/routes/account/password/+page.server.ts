import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { credentials, setPassword, UserError } from '$lib/server/auth/users';
import { verifyPassword } from '$lib/server/auth/passwords';

export const load = (({ locals }) => ({
	who: locals.user?.actor ?? '',
	isToken: locals.user?.kind === 'token'
})) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, locals }) => {
		if (!locals.user || locals.user.kind !== 'user')
			return fail(400, { message: 'Only a signed-in person can change their password.' });
		const f = await request.formData();
		const current = String(f.get('current') ?? '');
		const next = String(f.get('password') ?? '');
		const again = String(f.get('again') ?? '');
		const store = await getStore();
		const me = await credentials(store, locals.user.actor);
		if (!me?.hash || !(await verifyPassword(me.hash, current)))
			return fail(400, { message: 'The current password is not right.' });
		if (next !== again) return fail(400, { message: 'The two new passwords differ.' });
		try {
			await setPassword(store, locals.user.actor, next);
		} catch (e) {
			if (e instanceof UserError) return fail(400, { message: e.message });
			throw e;
		}
		// every session ended with the change, this one too: sign in with the new password
		redirect(303, '/login');
	}
} satisfies Actions;
