import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { createToken, listTokens } from '$lib/server/auth/sessions';
import { answer, jsonBody, list, text } from '$lib/server/auth/api';

export const GET: RequestHandler = async () => answer(async () => listTokens(await getStore()));

/** A new token; the answer carries its secret, once. */
export const POST: RequestHandler = async ({ request, locals }) => {
	const body = await jsonBody(request);
	return answer(async () =>
		createToken(await getStore(), {
			name: text(body, 'name'),
			role: text(body, 'role'),
			accounts: list(body, 'accounts'),
			createdBy: locals.user?.actor ?? 'unknown'
		})
	);
};
