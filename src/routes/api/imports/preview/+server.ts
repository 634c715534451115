import { json } from '@sveltejs/kit';
import fs from 'node:fs';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { previewFile } from '$lib/server/ingest/profiles-store';
import { ImportFileError } from '$lib/server/ingest/read-file';
import { receiveUpload, UploadError } from '$lib/server/upload';

/**
 * Preview an export before importing it: the raw file is the body, ?name=… its file name.
 * Answers the header, the first rows and which profile detection picks; writes nothing.
 * 400/413/415/422 with { error }.
 */
export const POST: RequestHandler = async ({ request, url }) => {
	let upload: { file: string; size: number; name: string };
	try {
		upload = await receiveUpload(request, url.searchParams.get('name'), 'upload');
	} catch (e) {
		if (e instanceof UploadError) return json({ error: e.message }, { status: e.status });
		throw e;
	}
	try {
		return json(await previewFile(await getStore(), upload.file, upload.name));
	} catch (e) {
		if (e instanceof ImportFileError) return json({ error: e.message }, { status: 422 });
		throw e;
	} finally {
		fs.rmSync(upload.file, { force: true });
	}
};
