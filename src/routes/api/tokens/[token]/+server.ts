import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { revokeToken } from '$lib/server/auth/sessions';
import { answer } from '$lib/server/auth/api';

export const DELETE: RequestHandler = async ({ params }) =>
	answer(async () => revokeToken(await getStore(), params.token));
