import type { HandleServerError, ServerInit } from '@sveltejs/kit';
import { getStore } from '$lib/server/store';

/** Open, migrate and (on a first start) fill the store before the first request is served. */
export const init: ServerInit = async () => {
	await getStore();
};

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	const id = crypto.randomUUID().slice(0, 8);
	if (status !== 404)
		console.error(`[${id}] ${event.request.method} ${event.url.pathname}:`, error);
	return {
		message: status === 404 ? message : `Something went wrong on our side (reference ${id}).`
	};
};
