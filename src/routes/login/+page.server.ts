import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { SESSION_COOKIE } from '$lib/server/auth/sessions';
import { signIn } from '$lib/server/auth/sign-in';

const BASE = 'http://peil.invalid';

/** Only a path on this site: `next` never sends anyone elsewhere (nor a control character). */
function safeNext(next: string | null): string {
	if (!next || !next.startsWith('/') || next.includes('\\')) return '/';
	// browsers drop tabs and newlines from addresses: "/\t/evil.example" would become "//evil.example"
	if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return '/';
	try {
		const u = new URL(next, BASE);
		return u.origin === BASE ? u.pathname + u.search : '/';
	} catch {
		return '/';
	}
}

export const load = (async ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	return { next: safeNext(url.searchParams.get('next')) };
}) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, cookies, url, getClientAddress }) => {
		const form = await request.formData();
		const name = String(form.get('name') ?? '');
		const password = String(form.get('password') ?? '');
		const next = safeNext(String(form.get('next') ?? ''));
		const result = await signIn(await getStore(), name, password, getClientAddress());
		if (!result.ok) return fail(result.status, { name, next, message: result.message });
		cookies.set(SESSION_COOKIE, result.secret, {
			path: '/',
			httpOnly: true,
			sameSite: 'lax',
			secure: url.protocol === 'https:',
			expires: result.expiresAt
		});
		redirect(303, next);
	}
} satisfies Actions;
