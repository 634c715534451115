import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { listImports } from '$lib/server/reports/overview';
import { rollbackImport, RollbackError } from '$lib/server/ingest/rollback';

export const load = (async () => {
	return { imports: await listImports(await getStore()) };
}) satisfies PageServerLoad;

export const actions = {
	rollback: async ({ request }) => {
		const id = Number((await request.formData()).get('id'));
		if (!Number.isInteger(id) || id <= 0)
			return fail(400, { message: 'Say which import to undo.' });
		try {
			return { rolledBack: await rollbackImport(await getStore(), id) };
		} catch (e) {
			if (e instanceof RollbackError) return fail(409, { message: e.message, id });
			throw e;
		}
	}
} satisfies Actions;
