import { error, json } from '@sveltejs/kit';
import fs from 'node:fs';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { importFile } from '$lib/server/ingest/run-import';
import { ImportFileError } from '$lib/server/ingest/read-file';
import { receiveUpload, UploadError } from '$lib/server/upload';
import { listImports } from '$lib/server/reports/overview';

/** The import history. */
export const GET: RequestHandler = async () => json(await listImports(await getStore()));

/**
 * Import one export: the raw file is the body; ?source=…&profile=…&zone=…&asOf=…&name=… say
 * what it is. Answers with the import report (200), or 400/413/415/422 with { error }.
 */
export const POST: RequestHandler = async ({ request, url }) => {
	const source = url.searchParams.get('source');
	if (!source) error(400, 'Say which helpdesk the file comes from: ?source=zendesk');
	// a mapping file on the server's disk is the command line's to name, never a web request's
	const profile = url.searchParams.get('profile');
	if (profile && /[\\/]|\.json$/i.test(profile))
		return json(
			{ error: `profile: "${profile}" is a file path; name a built-in or saved profile` },
			{ status: 400 }
		);
	let upload: { file: string; size: number; name: string };
	try {
		upload = await receiveUpload(
			request,
			url.searchParams.get('name') ?? request.headers.get('x-file-name'),
			'upload'
		);
	} catch (e) {
		if (e instanceof UploadError) return json({ error: e.message }, { status: e.status });
		throw e;
	}
	try {
		const report = await importFile(await getStore(), {
			file: upload.file,
			name: upload.name,
			source,
			profile: url.searchParams.get('profile') || undefined,
			zone: url.searchParams.get('zone') || undefined,
			asOf: url.searchParams.get('asOf') || url.searchParams.get('as-of') || undefined
		});
		return json(report);
	} catch (e) {
		if (e instanceof ImportFileError) return json({ error: e.message }, { status: 422 });
		if (e instanceof Error && /^(--|No profile|--source)/.test(e.message))
			return json({ error: e.message }, { status: 400 });
		throw e;
	} finally {
		fs.rmSync(upload.file, { force: true });
	}
};
