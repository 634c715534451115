import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { addUser, listUsers } from '$lib/server/auth/users';
import { answer, jsonBody, text } from '$lib/server/auth/api';

export const GET: RequestHandler = async () => answer(async () => listUsers(await getStore()));

export const POST: RequestHandler = async ({ request }) => {
	const body = await jsonBody(request);
	return answer(async () =>
		addUser(await getStore(), {
			email: text(body, 'email'),
			name: text(body, 'name'),
			role: text(body, 'role'),
			password: text(body, 'password')
		})
	);
};
