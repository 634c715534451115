import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { deleteProfile, ProfileError, saveProfile } from '$lib/server/ingest/profiles-store';

/** Save (or replace) a mapping: the JSON body is the profile, its "name" the URL's. */
export const PUT: RequestHandler = async ({ params, request }) => {
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return json({ error: 'The body must be the mapping as JSON.' }, { status: 400 });
	}
	const named = body && typeof body === 'object' ? (body as { name?: unknown }).name : undefined;
	if (named !== params.name)
		return json(
			{ error: `The mapping's "name" must be "${params.name}", the name in the URL.` },
			{ status: 400 }
		);
	try {
		return json(await saveProfile(await getStore(), body));
	} catch (e) {
		if (e instanceof ProfileError) return json({ error: e.message }, { status: 400 });
		throw e;
	}
};

/** Remove a saved mapping: 204, or 404 when there is none of that name. */
export const DELETE: RequestHandler = async ({ params }) => {
	if (!(await deleteProfile(await getStore(), params.name)))
		return json({ error: `No saved mapping "${params.name}".` }, { status: 404 });
	return new Response(null, { status: 204 });
};
