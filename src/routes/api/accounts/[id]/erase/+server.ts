import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { eraseAccount, EraseError } from '$lib/server/accounts/erase';

/**
 * Erase one account's data (POST). A deliberate act: the JSON body repeats the account's id as
 * `confirm` and names who erases it as `by`: `{ "confirm": "<id>", "by": "<name>" }`.
 * Answers with what was erased (200), 400 without the confirmation, 404 for an unknown account.
 */
export const POST: RequestHandler = async ({ params, request }) => {
	let body: { confirm?: unknown; by?: unknown };
	try {
		body = (await request.json()) as typeof body;
	} catch {
		return json(
			{ error: 'Send { "confirm": "<the account id>", "by": "<your name>" } as JSON.' },
			{ status: 400 }
		);
	}
	if (body?.confirm !== params.id)
		return json(
			{
				error: `To erase account "${params.id}", repeat its id as "confirm": nothing was erased.`
			},
			{ status: 400 }
		);
	try {
		return json(await eraseAccount(await getStore(), params.id, String(body.by ?? '')));
	} catch (e) {
		if (e instanceof EraseError) return json({ error: e.message }, { status: e.status });
		throw e;
	}
};
