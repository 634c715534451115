import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';

/** Liveness, and which store this server holds (the command line checks it before handing over). */
export const GET: RequestHandler = async () => {
	const store = await getStore();
	return json({ ok: true, store: store.file, pid: process.pid });
};
