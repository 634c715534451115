/**
 * First look at an uploaded or named file: is it readable at all, which format and encoding,
 * which delimiter, what header. Everything that makes a file unreadable is found here, before a
 * single row is written, and reported as one `ImportFileError` naming the file.
 *
 * DuckDB's read_csv reads UTF-8 only (strictly); Dutch Excel writes Windows-1252 with `;`, so such
 * files are transcoded here, in Node, into a temporary UTF-8 copy. XLSX is converted to CSV with
 * exceljs (DuckDB's excel extension cannot be loaded on these machines).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { jsonToCsv, JsonShapeError, looksLikeNdjson } from './readers/json-to-csv.ts';
import { parquetToCsv } from './readers/parquet-to-csv.ts';
import { guardXlsx, ZipGuardError } from './readers/zip-guard.ts';

export class ImportFileError extends Error {
	constructor(
		readonly file: string,
		message: string,
		options?: ErrorOptions
	) {
		super(`${file}: ${message}`, options);
		this.name = 'ImportFileError';
	}
}

export type FileFormat = 'csv' | 'xlsx' | 'json' | 'parquet';

export interface InspectedFile {
	/** the name a person knows the file by (upload name or path as given) */
	name: string;
	path: string;
	size: number;
	sha256: string;
	format: FileFormat;
	encoding: 'utf-8' | 'utf-8 with BOM' | 'windows-1252' | 'utf-16le' | 'utf-16be' | 'binary';
	/** a UTF-8 CSV DuckDB can read: the file itself, or a temporary converted copy */
	csvPath: string;
	delimiter: string;
	header: string[];
	/** temporary files to delete when the import ends */
	temporary: string[];
}

const CHUNK = 4 * 1024 * 1024;

/** Hash the file and check it is valid UTF-8, in one streaming pass. */
async function hashAndCheckUtf8(
	file: string,
	onBytes?: (n: number) => void
): Promise<{ sha256: string; utf8: boolean }> {
	const hash = crypto.createHash('sha256');
	let utf8 = true;
	let carry: Buffer = Buffer.alloc(0);
	let seen = 0;
	for await (const raw of fs.createReadStream(file, { highWaterMark: CHUNK })) {
		const chunk = raw as Buffer;
		hash.update(chunk);
		seen += chunk.length;
		onBytes?.(seen);
		if (!utf8) continue;
		const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
		// cut before a multi-byte sequence that may continue in the next chunk
		let cut = buf.length;
		for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
			if ((buf[i] & 0xc0) !== 0x80) {
				const lead = buf[i];
				const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
				if (buf.length - i < need) cut = i;
				break;
			}
		}
		if (!isUtf8(buf.subarray(0, cut))) utf8 = false;
		carry = Buffer.from(buf.subarray(cut));
	}
	if (carry.length && !isUtf8(carry)) utf8 = false;
	return { sha256: hash.digest('hex'), utf8 };
}

function readHead(file: string, bytes = 256 * 1024): Buffer {
	const fd = fs.openSync(file, 'r');
	try {
		const buf = Buffer.alloc(bytes);
		const n = fs.readSync(fd, buf, 0, bytes, 0);
		return buf.subarray(0, n);
	} finally {
		fs.closeSync(fd);
	}
}

function sniffFormat(head: Buffer): FileFormat | 'utf16le' | 'utf16be' | null {
	if (
		head.length >= 4 &&
		head[0] === 0x50 &&
		head[1] === 0x4b &&
		head[2] === 0x03 &&
		head[3] === 0x04
	)
		return 'xlsx';
	if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
	if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
	if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
	const text = head
		.subarray(0, 4096)
		.toString('utf8')
		.replace(/^\uFEFF/, '')
		.trimStart();
	if (text.startsWith('[') || text.startsWith('{')) return 'json';
	return null;
}

/** What a file's extension promises, for the extensions exports come with. */
const EXTENSIONS: Record<string, 'text' | 'xlsx' | 'json' | 'parquet'> = {
	'.csv': 'text',
	'.tsv': 'text',
	'.txt': 'text',
	'.xlsx': 'xlsx',
	'.xlsm': 'xlsx',
	'.json': 'json',
	'.ndjson': 'json',
	'.jsonl': 'json',
	'.parquet': 'parquet'
};

/** Extensions of files that are no export at all. */
const NOT_EXPORTS = new Set([
	'.pdf',
	'.doc',
	'.docx',
	'.ppt',
	'.pptx',
	'.odt',
	'.ods',
	'.png',
	'.jpg',
	'.jpeg',
	'.gif',
	'.zip',
	'.gz',
	'.7z',
	'.rar',
	'.exe',
	'.dll',
	'.html',
	'.htm',
	'.xml'
]);

const FORMAT_WORDS: Record<string, string> = {
	text: 'CSV text',
	xlsx: 'an XLSX workbook (a ZIP archive)',
	json: 'JSON',
	parquet: 'Parquet',
	xls: 'an Excel 97-2003 workbook (.xls)',
	binary: 'binary data'
};

/**
 * A file must be what its name says: an `export.xlsx` that holds CSV, or an `export.csv` that is
 * a workbook or a program, is refused before anything is read — most often the wrong file was
 * picked. Names without an extension, or with one exports do not use, go by their content.
 */
function checkExtension(name: string, head: Buffer, sniffed: ReturnType<typeof sniffFormat>): void {
	const ext = path.extname(name).toLowerCase();
	const isXls =
		head.length >= 8 && head.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'));
	if (ext === '.xls' || (isXls && ext !== '.xls' && EXTENSIONS[ext]))
		throw new ImportFileError(
			name,
			isXls
				? `is ${ext === '.xls' ? '' : `named ${ext} but is `}an Excel 97-2003 workbook (.xls), which Peil does not read: save it as .xlsx or CSV`
				: `is named .xls, the Excel 97-2003 format Peil does not read, but does not hold one: save it as .xlsx or CSV`
		);
	if (NOT_EXPORTS.has(ext))
		throw new ImportFileError(
			name,
			`is a ${ext} file, not a helpdesk export: Peil reads CSV, XLSX, JSON and Parquet`
		);
	const promised = EXTENSIONS[ext];
	if (!promised) return;
	const actual =
		sniffed === 'xlsx' || sniffed === 'json' || sniffed === 'parquet'
			? sniffed
			: isXls
				? 'xls'
				: sniffed === null && head.subarray(0, 65536).includes(0)
					? 'binary'
					: 'text';
	if (actual === 'binary' && promised === 'text') return; // said below, in the words for it
	if (actual !== promised)
		throw new ImportFileError(
			name,
			`is named ${ext} but holds ${FORMAT_WORDS[actual]}, not ${FORMAT_WORDS[promised]}: was this the file you meant? Rename it or export it again`
		);
}

/** Split one CSV record (the header) honouring quotes. */
export function parseCsvRecord(
	text: string,
	delimiter: string
): { fields: string[]; length: number } {
	const fields: string[] = [];
	let i = 0;
	let field = '';
	let quoted = false;
	while (i < text.length) {
		const ch = text[i];
		if (quoted) {
			if (ch === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i += 2;
					continue;
				}
				quoted = false;
				i++;
				continue;
			}
			field += ch;
			i++;
			continue;
		}
		if (ch === '"' && field === '') {
			quoted = true;
			i++;
			continue;
		}
		if (ch === delimiter) {
			fields.push(field);
			field = '';
			i++;
			continue;
		}
		if (ch === '\r' || ch === '\n') {
			fields.push(field);
			const len = ch === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
			return { fields, length: len };
		}
		field += ch;
		i++;
	}
	fields.push(field);
	return { fields, length: text.length };
}

/** The delimiter of the first line: the candidate seen most often outside quotes. */
export function sniffDelimiter(firstLine: string): string {
	const counts = new Map<string, number>([
		[',', 0],
		[';', 0],
		['\t', 0],
		['|', 0]
	]);
	let quoted = false;
	for (const ch of firstLine) {
		if (ch === '"') quoted = !quoted;
		else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
	}
	let best = ',';
	let max = 0;
	for (const [d, n] of counts) if (n > max) [best, max] = [d, n];
	return best;
}

function tempFile(ext: string): string {
	return path.join(
		os.tmpdir(),
		`peil-${process.pid}-${crypto.randomBytes(6).toString('hex')}${ext}`
	);
}

async function transcode(from: string, to: string, encoding: string): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		fs.createReadStream(from, { highWaterMark: CHUNK })
			.pipe(iconv.decodeStream(encoding))
			.pipe(iconv.encodeStream('utf8'))
			.pipe(fs.createWriteStream(to))
			.on('finish', () => resolve())
			.on('error', reject);
	});
}

function csvCell(v: string): string {
	return /[",\n\r]/.test(v) ? '"' + v.replaceAll('"', '""') + '"' : v;
}

/** A spreadsheet cell as text: dates as ISO wall-clock text (Excel stores no zone). */
function cellText(v: unknown): string {
	if (v === null || v === undefined) return '';
	if (v instanceof Date)
		return v
			.toISOString()
			.replace('T', ' ')
			.replace(/(\.000)?Z$/, '');
	if (typeof v === 'object') {
		const o = v as Record<string, unknown>;
		if ('result' in o) return cellText(o.result);
		if ('text' in o) return String(o.text);
		if ('richText' in o && Array.isArray(o.richText))
			return (o.richText as { text: string }[]).map((r) => r.text).join('');
		if ('error' in o) return '';
		return JSON.stringify(o);
	}
	return String(v);
}

/** The most columns a file may have (PEIL_MAX_COLUMNS, default 2000; exports have tens to hundreds). */
export function maxColumns(): number {
	return Number(process.env.PEIL_MAX_COLUMNS || 2000);
}

/** The most cells read from a workbook (PEIL_XLSX_CELL_LIMIT, default 20 million). */
export function maxCells(): number {
	return Number(process.env.PEIL_XLSX_CELL_LIMIT || 20_000_000);
}

function tooManyColumns(name: string, n: number, where: string): ImportFileError {
	return new ImportFileError(
		name,
		`${where} has ${n} columns; Peil reads at most ${maxColumns()} (PEIL_MAX_COLUMNS): is this the export you meant?`
	);
}

/**
 * The first sheet of a workbook as rows of text. Used for XLSX imports of every kind. The archive
 * is checked first (zip-guard.ts), and reading stops at the cell and column limits.
 */
export async function readXlsxRows(file: string, name: string): Promise<string[][]> {
	try {
		await guardXlsx(file);
	} catch (e) {
		if (e instanceof ZipGuardError) throw new ImportFileError(name, e.message, { cause: e });
		throw e;
	}
	const ExcelJS = (await import('exceljs')).default;
	const rows: string[][] = [];
	const cellLimit = maxCells();
	const columnLimit = maxColumns();
	let cells = 0;
	try {
		const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
			sharedStrings: 'cache',
			hyperlinks: 'ignore',
			styles: 'cache',
			worksheets: 'emit'
		});
		for await (const sheet of reader) {
			for await (const row of sheet) {
				const values = (row.values as unknown[]).slice(1);
				if (values.length > columnLimit)
					throw tooManyColumns(name, values.length, `row ${row.number} of the first sheet`);
				cells += values.length;
				if (cells > cellLimit)
					throw new ImportFileError(
						name,
						`has more than ${cellLimit} cells (reached in row ${row.number} of the first sheet; PEIL_XLSX_CELL_LIMIT): send an export this large as CSV`
					);
				rows.push(values.map(cellText));
			}
			break;
		}
	} catch (e) {
		if (e instanceof ImportFileError) throw e;
		throw new ImportFileError(name, `is not a readable XLSX workbook (${(e as Error).message})`);
	}
	return rows;
}

/**
 * Report workbooks often put a title above the header and a note below the data (Zammad: the
 * report name in row 1, the header in row 3, "Timezone: …" under the last ticket). The header is
 * the first of the first ten rows with the most filled cells; rows above it go, and so does a
 * trailing line that only says which time zone the report was written in.
 */
export function tableOfSheet(rows: string[][]): string[][] {
	const filled = (r: string[]) => r.filter((c) => c.trim() !== '').length;
	let header = 0;
	for (let i = 1; i < Math.min(rows.length, 10); i++)
		if (filled(rows[i]) > filled(rows[header])) header = i;
	let end = rows.length;
	while (
		end > header + 1 &&
		filled(rows[end - 1]) <= 1 &&
		(filled(rows[end - 1]) === 0 ||
			/^\s*(time ?zone|zeitzone|tijdzone)\b/i.test(rows[end - 1].find((c) => c.trim()) ?? ''))
	)
		end--;
	return rows.slice(header, end);
}

async function xlsxToCsv(file: string, name: string, to: string): Promise<void> {
	const rows = tableOfSheet(await readXlsxRows(file, name));
	if (!rows.length) throw new ImportFileError(name, 'the first sheet of the workbook is empty');
	const width = Math.max(...rows.map((r) => r.length));
	const out = fs.createWriteStream(to);
	for (const r of rows) {
		const cells = Array.from({ length: width }, (_, i) => csvCell(r[i] ?? ''));
		out.write(cells.join(',') + '\n');
	}
	await new Promise<void>((resolve, reject) => out.end(() => resolve()).on('error', reject));
}

/**
 * Look at a file and make it readable for DuckDB. Throws ImportFileError for a file that cannot
 * be read at all: missing, empty, binary, no header.
 */
export async function inspectFile(
	file: string,
	name = file,
	onBytes?: (done: number, total: number) => void
): Promise<InspectedFile> {
	let stat: fs.Stats;
	try {
		stat = fs.statSync(file);
	} catch {
		throw new ImportFileError(name, 'no such file');
	}
	if (!stat.isFile()) throw new ImportFileError(name, 'is not a file');
	if (stat.size === 0) throw new ImportFileError(name, 'is empty (0 bytes): nothing to import');

	const head = readHead(file);
	const sniffed = sniffFormat(head);
	checkExtension(name, head, sniffed);
	const { sha256, utf8 } = await hashAndCheckUtf8(file, (n) => onBytes?.(n, stat.size));
	const temporary: string[] = [];
	let csvPath = file;
	let encoding: InspectedFile['encoding'];
	let format: FileFormat = 'csv';

	if (sniffed === 'xlsx') {
		format = 'xlsx';
		encoding = 'binary';
		csvPath = tempFile('.csv');
		temporary.push(csvPath);
		await xlsxToCsv(file, name, csvPath);
	} else if (sniffed === 'json') {
		format = 'json';
		encoding = 'utf-8';
		if (!utf8) throw new ImportFileError(name, 'is JSON but not valid UTF-8');
		csvPath = tempFile('.csv');
		temporary.push(csvPath);
		try {
			await jsonToCsv(file, csvPath, looksLikeNdjson(head.toString('utf8')));
		} catch (e) {
			for (const t of temporary) fs.rmSync(t, { force: true });
			if (e instanceof JsonShapeError) throw new ImportFileError(name, e.message, { cause: e });
			throw e;
		}
	} else if (sniffed === 'parquet') {
		format = 'parquet';
		encoding = 'binary';
		csvPath = tempFile('.csv');
		temporary.push(csvPath);
		try {
			await parquetToCsv(file, csvPath);
		} catch (e) {
			for (const t of temporary) fs.rmSync(t, { force: true });
			throw new ImportFileError(
				name,
				`is not a readable Parquet file (${(e as Error).message.split('\n')[0]})`,
				{ cause: e }
			);
		}
	} else if (sniffed === 'utf16le' || sniffed === 'utf16be') {
		encoding = sniffed === 'utf16le' ? 'utf-16le' : 'utf-16be';
		csvPath = tempFile('.csv');
		temporary.push(csvPath);
		await transcode(file, csvPath, encoding);
	} else {
		if (head.subarray(0, 65536).includes(0)) {
			throw new ImportFileError(name, 'is a binary file, not a CSV or XLSX export');
		}
		if (utf8) {
			encoding =
				head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 'utf-8 with BOM' : 'utf-8';
		} else {
			// Not UTF-8: the one other encoding exports come in is Windows-1252 (Excel on Windows).
			encoding = 'windows-1252';
			csvPath = tempFile('.csv');
			temporary.push(csvPath);
			await transcode(file, csvPath, 'win1252');
		}
	}

	let text = readHead(csvPath, 1024 * 1024)
		.toString('utf8')
		.replace(/^\uFEFF/, '');
	let skipLines = 0;
	const sep = /^sep=(.)\r?\n/.exec(text);
	if (sep) {
		text = text.slice(sep[0].length);
		skipLines = 1;
	}
	const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
	if (!firstLine.trim()) {
		for (const t of temporary) fs.rmSync(t, { force: true });
		throw new ImportFileError(name, 'has no header row (the first line is empty)');
	}
	const delimiter = sep ? sep[1] : sniffDelimiter(firstLine);
	const { fields, length } = parseCsvRecord(text, delimiter);
	const dropTemporary = () => {
		for (const t of temporary) fs.rmSync(t, { force: true });
	};
	if (fields.length > maxColumns()) {
		dropTemporary();
		throw tooManyColumns(name, fields.length, 'its header row');
	}
	if (length >= text.length && text.length >= 1024 * 1024 - 4) {
		dropTemporary();
		throw new ImportFileError(
			name,
			'has a header row longer than 1 MB: no export has one (is this the file you meant?)'
		);
	}
	const header = fields.map((h) => h.trim());
	if (skipLines) {
		// DuckDB cannot skip Excel's "sep=" line and still read the header: drop it in a copy.
		const copy = tempFile('.csv');
		const content = fs.readFileSync(csvPath, 'utf8').replace(/^\uFEFF?sep=.\r?\n/, '');
		fs.writeFileSync(copy, content);
		temporary.push(copy);
		csvPath = copy;
	}
	return {
		name,
		path: file,
		size: stat.size,
		sha256,
		format,
		encoding,
		csvPath,
		delimiter,
		header,
		temporary
	};
}

export function cleanup(f: InspectedFile): void {
	for (const t of f.temporary) fs.rmSync(t, { force: true });
}
