import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';

/**
 * Liveness and the process id for anyone (a test tells its own server by it); which store this
 * server holds only for a signed-in caller (the command line checks it, with its hand-off token,
 * before handing over).
 */
export const GET: RequestHandler = async ({ locals }) => {
	const store = await getStore();
	return json(
		locals.user ? { ok: true, store: store.file, pid: process.pid } : { ok: true, pid: process.pid }
	);
};
