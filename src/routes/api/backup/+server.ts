import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { writeBackup } from '$lib/server/backup';

/**
 * A consistent backup of the store, made while the server runs (GET): a DuckDB file, written to
 * a temporary file by the server (which holds the store) and sent as the body. `peil backup <file>`
 * saves it; `peil restore <file>` puts it back with the server stopped.
 */
export const GET: RequestHandler = async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peil-backup-'));
	const file = path.join(dir, 'backup.duckdb');
	try {
		const info = await writeBackup(await getStore(), file);
		const stream = fs.createReadStream(file);
		const done = () => fs.rmSync(dir, { recursive: true, force: true });
		stream.once('close', done);
		stream.once('error', done);
		return new Response(Readable.toWeb(stream) as ReadableStream, {
			headers: {
				'content-type': 'application/vnd.duckdb',
				'content-length': String(info.bytes),
				'content-disposition': `attachment; filename="peil-backup-${info.createdAt.slice(0, 19).replaceAll(':', '')}.duckdb"`,
				'x-peil-backup': JSON.stringify({
					createdAt: info.createdAt,
					migrations: info.migrations.length,
					tables: info.tables
				})
			}
		});
	} catch (e) {
		fs.rmSync(dir, { recursive: true, force: true });
		throw e;
	}
};
