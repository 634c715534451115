import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { rollbackImport, RollbackError } from '$lib/server/ingest/rollback';

/** Undo an import (POST, no body). */
export const POST: RequestHandler = async ({ params }) => {
	try {
		return json(await rollbackImport(await getStore(), Number(params.id)));
	} catch (e) {
		if (e instanceof RollbackError) error(409, e.message);
		throw e;
	}
};
