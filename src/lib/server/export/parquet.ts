/**
 * Lists as Parquet, written by DuckDB itself (COPY … TO … FORMAT parquet) into a temporary file
 * and sent as bytes: numbers stay numbers, instants are UTC timestamps, text is UTF-8. Parquet has
 * no delimiter or decimal mark, so the CSV settings of the export writer do not apply to it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { literal, type Param, type Store } from '../db/index.ts';
import { exportFileName } from './table-export.ts';

export async function parquetBytes(
	store: Store,
	selectSql: string,
	params: Param[]
): Promise<Uint8Array<ArrayBuffer>> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peil-parquet-'));
	const file = path.join(dir, 'export.parquet');
	try {
		await store.all(
			`COPY (${selectSql}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`,
			params
		);
		const buf = fs.readFileSync(file);
		return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

export async function parquetResponse(
	store: Store,
	selectSql: string,
	params: Param[],
	fileName: string
): Promise<Response> {
	const body = await parquetBytes(store, selectSql, params);
	const name = exportFileName(fileName.replace(/\.parquet$/i, '')) + '.parquet';
	return new Response(body, {
		headers: {
			'content-type': 'application/vnd.apache.parquet',
			'content-disposition': `attachment; filename="${name}"`,
			'content-length': String(body.byteLength),
			'x-content-type-options': 'nosniff',
			'cache-control': 'no-store'
		}
	});
}
