import { json } from '@sveltejs/kit';
import fs from 'node:fs';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { importAccounts } from '$lib/server/accounts/accounts';
import { ImportFileError } from '$lib/server/ingest/read-file';
import { receiveUpload, UploadError } from '$lib/server/upload';

/** Import an accounts file (CSV, XLSX or JSON) sent as the raw body. */
export const POST: RequestHandler = async ({ request, url }) => {
	let upload: { file: string; size: number; name: string };
	try {
		upload = await receiveUpload(
			request,
			url.searchParams.get('name') ?? request.headers.get('x-file-name'),
			'accounts'
		);
	} catch (e) {
		if (e instanceof UploadError) return json({ error: e.message }, { status: e.status });
		throw e;
	}
	try {
		return json(await importAccounts(await getStore(), upload.file, { name: upload.name }));
	} catch (e) {
		if (e instanceof ImportFileError) return json({ error: e.message }, { status: 422 });
		throw e;
	} finally {
		fs.rmSync(upload.file, { force: true });
	}
};
