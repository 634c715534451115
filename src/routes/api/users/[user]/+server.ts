import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { setAssignments, setDisabled, setPassword, setRole } from '$lib/server/auth/users';
import { answer, jsonBody, list, text } from '$lib/server/auth/api';

/** Change one thing of a user: { password } | { role } | { accounts } | { disabled }. */
export const PATCH: RequestHandler = async ({ request, params }) => {
	const body = await jsonBody(request);
	return answer(async () => {
		const store = await getStore();
		if ('password' in body) await setPassword(store, params.user, text(body, 'password'));
		if ('role' in body) await setRole(store, params.user, text(body, 'role'));
		if ('accounts' in body) await setAssignments(store, params.user, list(body, 'accounts'));
		if ('disabled' in body) await setDisabled(store, params.user, body.disabled === true);
		return { ok: true };
	});
};
