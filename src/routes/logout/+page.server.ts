import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { getStore } from '$lib/server/store';
import { endSession, SESSION_COOKIE } from '$lib/server/auth/sessions';
import { audit } from '$lib/server/auth/audit';

export const actions = {
	default: async ({ cookies, locals, getClientAddress }) => {
		const secret = cookies.get(SESSION_COOKIE);
		const store = await getStore();
		if (secret) await endSession(store, secret);
		if (locals.user)
			await audit(store, {
				actor: locals.user.actor,
				role: locals.user.role,
				action: 'sign-out',
				outcome: 'ok',
				ip: getClientAddress()
			});
		cookies.delete(SESSION_COOKIE, { path: '/' });
		redirect(303, '/login');
	}
} satisfies Actions;
