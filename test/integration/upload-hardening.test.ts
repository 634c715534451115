/**
 * Hostile and mistaken uploads through the real import endpoints of the built server: too large
 * (declared and streamed), XLSX zip bombs (sizes declared honestly, and a directory that lies),
 * a workbook with too many cells, a CSV with 100k columns, path-traversal names, and files that
 * are not what their names say. Each gets a clear error naming the file, and afterwards the
 * imports list and every row of the store are exactly as before (compared through a backup made
 * first and the store read after the server stopped); no temporary upload is left behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/lib/server/db/index.ts';
import { FIXTURES, storeContents, tempDir } from '../helpers/fresh-store.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const MB = 1024 * 1024;

interface ZipEntry {
	name: string;
	/** the bytes as they inflate */
	data?: Buffer;
	/** already deflated bytes, with the size they inflate to */
	deflated?: Buffer;
	size?: number;
	/** the uncompressed size to write in the directory, when it should lie */
	declare?: number;
}

/** A ZIP archive (deflate), written by hand so that sizes can be made to lie. */
function zip(entries: ZipEntry[]): Buffer {
	const locals: Buffer[] = [];
	const central: Buffer[] = [];
	let offset = 0;
	for (const e of entries) {
		const body = e.deflated ?? zlib.deflateRawSync(e.data!);
		const size = e.declare ?? e.size ?? e.data!.length;
		const crc = e.data ? zlib.crc32(e.data) : 0;
		const name = Buffer.from(e.name);
		const local = Buffer.alloc(30);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(20, 4);
		local.writeUInt16LE(8, 8);
		local.writeUInt32LE(crc, 14);
		local.writeUInt32LE(body.length, 18);
		local.writeUInt32LE(size, 22);
		local.writeUInt16LE(name.length, 26);
		const dir = Buffer.alloc(46);
		dir.writeUInt32LE(0x02014b50, 0);
		dir.writeUInt16LE(20, 4);
		dir.writeUInt16LE(20, 6);
		dir.writeUInt16LE(8, 10);
		dir.writeUInt32LE(crc, 16);
		dir.writeUInt32LE(body.length, 20);
		dir.writeUInt32LE(size, 24);
		dir.writeUInt16LE(name.length, 28);
		dir.writeUInt32LE(offset, 42);
		locals.push(local, name, body);
		central.push(dir, name);
		offset += local.length + name.length + body.length;
	}
	const dirBytes = Buffer.concat(central);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(entries.length, 8);
	end.writeUInt16LE(entries.length, 10);
	end.writeUInt32LE(dirBytes.length, 12);
	end.writeUInt32LE(offset, 16);
	return Buffer.concat([...locals, dirBytes, end]);
}

const WORKBOOK_PARTS: ZipEntry[] = [
	{
		name: '[Content_Types].xml',
		data: Buffer.from(
			'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
		)
	},
	{
		name: 'xl/workbook.xml',
		data: Buffer.from(
			'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Tickets" sheetId="1"/></sheets></workbook>'
		)
	}
];

/** 100 MB of worksheet rows, deflated once (about 100 KB) and reused for every sheet. */
function sheetOf100Mb(): { deflated: Buffer; size: number } {
	const row = Buffer.from('<row><c t="s"><v>0</v></c></row>');
	const data = Buffer.alloc(100 * MB);
	for (let i = 0; i + row.length <= data.length; i += row.length) row.copy(data, i);
	return { deflated: zlib.deflateRawSync(data, { level: 9 }), size: data.length };
}

let server: RunningServer;
let pid: number;
const dir = tempDir();
const db = path.join(dir, 'peil.duckdb');
const backup = path.join(dir, 'before.duckdb');
let importsBefore: unknown;

async function upload(
	route: string,
	name: string | null,
	body: Buffer,
	type = 'application/octet-stream'
): Promise<{ status: number; error: string }> {
	const q = new URLSearchParams({ source: 'zendesk' });
	if (name !== null) q.set('name', name);
	let res: Response;
	try {
		res = await server.fetch(`${server.base}${route}?${q}`, {
			method: 'POST',
			headers: { 'content-type': type },
			body: new Uint8Array(body)
		});
	} catch (e) {
		throw new Error(`${route} ${name}: ${(e as Error).message}\nserver log:\n${server.log()}`, {
			cause: e
		});
	}
	const text = await res.text();
	let error = text;
	try {
		error = (JSON.parse(text) as { error?: string }).error ?? text;
	} catch {
		// not JSON
	}
	return { status: res.status, error };
}

beforeAll(async () => {
	server = await startServer({
		PEIL_SAMPLE: '0',
		PEIL_DB: db,
		PEIL_UPLOAD_LIMIT: String(8 * MB),
		PEIL_XLSX_INFLATED_LIMIT: String(64 * MB),
		PEIL_XLSX_CELL_LIMIT: '100000'
	});
	pid = ((await (await server.fetch(`${server.base}/api/health`)).json()) as { pid: number }).pid;
	const good = await upload(
		'/api/imports',
		'zendesk-small.csv',
		fs.readFileSync(path.join(FIXTURES, 'zendesk-small.csv')),
		'text/csv'
	);
	expect(good.status).toBe(200);
	importsBefore = await (await server.fetch(`${server.base}/api/imports`)).json();
	const b = await server.fetch(`${server.base}/api/backup`);
	expect(b.status).toBe(200);
	fs.writeFileSync(backup, Buffer.from(await b.arrayBuffer()));
}, 300_000);

afterAll(async () => {
	await server?.stop();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('uploads that must be refused', () => {
	it('refuses an upload over the limit, declared or streamed, naming the file', async () => {
		const big = await upload('/api/imports', 'big.csv', Buffer.alloc(9 * MB, 'a'), 'text/csv');
		expect(big).toEqual({
			status: 413,
			error: `big.csv: the file is ${9 * MB} bytes; the limit is ${8 * MB} bytes (PEIL_UPLOAD_LIMIT). Nothing was imported.`
		});
		// without a Content-Length: counted while it streams
		let sent = 0;
		const stream = new ReadableStream<Uint8Array>({
			pull(c) {
				if (sent >= 9 * MB) return c.close();
				sent += MB;
				c.enqueue(new Uint8Array(MB).fill(97));
			}
		});
		const res = await server.fetch(`${server.base}/api/imports?source=zendesk&name=streamed.csv`, {
			method: 'POST',
			headers: { 'content-type': 'text/csv' },
			body: stream,
			duplex: 'half'
		} as RequestInit & { duplex: 'half' });
		expect(res.status).toBe(413);
		expect(((await res.json()) as { error: string }).error).toBe(
			`streamed.csv: the file is larger than allowed: the limit is ${8 * MB} bytes (PEIL_UPLOAD_LIMIT). Nothing was imported.`
		);
	});

	it('refuses a zip bomb that declares 2 GB, without inflating it', async () => {
		const sheet = sheetOf100Mb();
		const bomb = zip([
			...WORKBOOK_PARTS,
			...Array.from({ length: 21 }, (_, i) => ({
				name: `xl/worksheets/sheet${i + 1}.xml`,
				...sheet
			}))
		]);
		expect(bomb.length).toBeLessThan(6 * MB);
		const started = performance.now();
		const r = await upload('/api/imports', 'bomb.xlsx', bomb);
		expect(r).toEqual({
			status: 422,
			error:
				'bomb.xlsx: inflates to 2.1 GB, more than the 64.0 MB Peil reads from a workbook (PEIL_XLSX_INFLATED_LIMIT); send the data as CSV'
		});
		expect(performance.now() - started).toBeLessThan(10_000);
	});

	it('refuses a zip bomb whose directory lies about its size, stopping as soon as it shows', async () => {
		const sheet = sheetOf100Mb();
		const liar = zip([
			...WORKBOOK_PARTS,
			{ name: 'xl/worksheets/sheet1.xml', ...sheet, declare: 4096 }
		]);
		const r = await upload('/api/imports', 'liar.xlsx', liar);
		expect(r).toEqual({
			status: 422,
			error:
				'liar.xlsx: is not a safe XLSX workbook: xl/worksheets/sheet1.xml inflates to more than the 4096 bytes its ZIP directory declares'
		});
		// and the accounts import reads workbooks through the same guard
		const accounts = await upload('/api/accounts/import', 'accounts.xlsx', liar);
		expect(accounts.status).toBe(422);
		expect(accounts.error).toMatch(/^accounts\.xlsx: is not a safe XLSX workbook: /);
	});

	it('stops reading a workbook at the cell limit, naming the row', async () => {
		const wb = new ExcelJS.Workbook();
		const ws = wb.addWorksheet('Tickets');
		ws.addRow(Array.from({ length: 60 }, (_, i) => `Column ${i}`));
		for (let r = 0; r < 2000; r++) ws.addRow(Array.from({ length: 60 }, (_, i) => r * 60 + i));
		const file = Buffer.from(await wb.xlsx.writeBuffer());
		const r = await upload('/api/imports', 'cells.xlsx', file);
		expect(r).toEqual({
			status: 422,
			error:
				'cells.xlsx: has more than 100000 cells (reached in row 1667 of the first sheet; PEIL_XLSX_CELL_LIMIT): send an export this large as CSV'
		});
	});

	it('refuses a CSV with 100,000 columns', async () => {
		const header = Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',');
		const row = Array.from({ length: 100_000 }, () => '1').join(',');
		const r = await upload('/api/imports', 'wide.csv', Buffer.from(`${header}\n${row}\n`));
		expect(r).toEqual({
			status: 422,
			error:
				'wide.csv: its header row has 100000 columns; Peil reads at most 2000 (PEIL_MAX_COLUMNS): is this the export you meant?'
		});
		const preview = await upload('/api/imports/preview', 'wide.csv', Buffer.from(header));
		expect(preview.status).toBe(422);
		expect(preview.error).toMatch(/^wide\.csv: its header row has 100000 columns/);
	});

	it('refuses file names with a path or control characters', async () => {
		const csv = fs.readFileSync(path.join(FIXTURES, 'zendesk-small.csv'));
		for (const [name, error] of [
			[
				'../../etc/passwd',
				'The file name "../../etc/passwd" holds a path: send the file\'s own name ("passwd"). Nothing was imported.'
			],
			[
				'C:\\Users\\jan\\export.csv',
				'The file name "C:\\\\Users\\\\jan\\\\export.csv" holds a path: send the file\'s own name ("export.csv"). Nothing was imported.'
			],
			['..', 'The file name ".." holds a path: send the file\'s own name. Nothing was imported.'],
			[
				'export\u0000.csv',
				'The file name "export\\u0000.csv" holds control characters: send the file\'s own name. Nothing was imported.'
			]
		])
			for (const route of ['/api/imports', '/api/imports/preview', '/api/accounts/import'])
				expect(await upload(route, name, csv, 'text/csv'), `${route} ${name}`).toEqual({
					status: 400,
					error
				});
	});

	it('refuses a file whose content is not what its name says', async () => {
		const csv = fs.readFileSync(path.join(FIXTURES, 'zendesk-small.csv'));
		const wb = new ExcelJS.Workbook();
		wb.addWorksheet('Tickets').addRow(['Id', 'Subject']);
		const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
		const png = Buffer.from(
			'89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf00000301010018dd8db00000000049454e44ae426082',
			'hex'
		);
		const docx = zip([
			WORKBOOK_PARTS[0],
			{ name: 'word/document.xml', data: Buffer.from('<w:document/>') }
		]);
		const xls = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
		const cases: [string, Buffer, string][] = [
			[
				'export.xlsx',
				csv,
				'export.xlsx: is named .xlsx but holds CSV text, not an XLSX workbook (a ZIP archive): was this the file you meant? Rename it or export it again'
			],
			[
				'tickets.csv',
				xlsx,
				'tickets.csv: is named .csv but holds an XLSX workbook (a ZIP archive), not CSV text: was this the file you meant? Rename it or export it again'
			],
			[
				'tickets.json',
				csv,
				'tickets.json: is named .json but holds CSV text, not JSON: was this the file you meant? Rename it or export it again'
			],
			['logo.csv', png, 'logo.csv: is a binary file, not a CSV or XLSX export'],
			['report.docx.xlsx', docx, 'report.docx.xlsx: is a Word document, not an XLSX workbook'],
			[
				'old.xls',
				xls,
				'old.xls: is an Excel 97-2003 workbook (.xls), which Peil does not read: save it as .xlsx or CSV'
			],
			[
				'old.csv',
				xls,
				'old.csv: is named .csv but is an Excel 97-2003 workbook (.xls), which Peil does not read: save it as .xlsx or CSV'
			],
			[
				'contract.pdf',
				Buffer.from('%PDF-1.7\n'),
				'contract.pdf: is a .pdf file, not a helpdesk export: Peil reads CSV, XLSX, JSON and Parquet'
			]
		];
		for (const [name, body, error] of cases)
			expect(await upload('/api/imports', name, body), name).toEqual({ status: 422, error });
	});

	it('left the store and its imports exactly as they were, and no temporary file behind', async () => {
		expect(await (await server.fetch(`${server.base}/api/imports`)).json()).toEqual(importsBefore);
		const leftovers = fs
			.readdirSync(os.tmpdir())
			.filter((f) => f.startsWith(`peil-upload-${pid}-`) || f.startsWith(`peil-${pid}-`));
		expect(leftovers).toEqual([]);
		await server.stop();
		const read = async (file: string) => {
			const store = await Store.open(file);
			try {
				return await storeContents(
					store,
					(t, row) =>
						(t === 'meta' && /^\{'key': '?backup'?, /.test(row)) ||
						// who signed in and what they were refused is recorded, not ticket data
						t === 'audit_log' ||
						t === 'sessions' ||
						t === 'api_tokens'
				);
			} finally {
				await store.close();
			}
		};
		const after = await read(db);
		expect(after).toMatch(/^tickets: /m);
		// every refusal is in the audit log
		const log = await Store.open(db);
		try {
			const refused = await log.one(
				`SELECT count(*) AS n FROM audit_log WHERE action = 'POST /api/imports' AND outcome LIKE 'refused (4%'`
			);
			expect(Number(refused?.n)).toBeGreaterThan(10);
		} finally {
			await log.close();
		}
		const was = await read(backup);
		const diff = (a: string, b: string) => {
			const bs = new Set(b.split('\n'));
			return a.split('\n').filter((l) => !bs.has(l));
		};
		expect([diff(after, was), diff(was, after)]).toEqual([[], []]);
		expect(crypto.createHash('sha256').update(after).digest('hex')).toBe(
			crypto
				.createHash('sha256')
				.update(await read(backup))
				.digest('hex')
		);
	});
});
