/**
 * The one export writer: every table Peil offers for download goes out through here, as CSV or
 * XLSX, with one set of settings for all exports (PRODUCT.md, issue 5).
 *
 * Settings (read once from the environment, defaults made for Dutch Excel):
 *  - `PEIL_CSV_DELIMITER` — CSV field separator, default `;` (also accepts `tab`, `comma`,
 *    `semicolon`, `pipe`). Dutch Excel splits on `;` because `,` is its decimal mark.
 *  - `PEIL_CSV_DECIMAL` — decimal mark of numbers in CSV, `,` (default) or `.`. No thousands
 *    separator is ever written.
 *  - `PEIL_EXPORT_ZONE` — the zone instants are shown in, default `Europe/Amsterdam` (IANA name,
 *    fixed offset such as `+01:00`, or `UTC`). The host's zone is never used.
 *  - CSV is UTF-8 with a BOM (so Excel reads é and € right), lines end in CRLF, fields are quoted
 *    per RFC 4180 with the chosen separator.
 *  - Dates are written `dd-mm-yyyy`, instants `dd-mm-yyyy HH:mm` in the zone.
 *
 * Cell rules, shared by CSV and XLSX:
 *  - A text cell that starts with `=`, `+`, `-`, `@`, a tab or a CR gets a leading `'`, so a
 *    spreadsheet never runs it as a formula (CSV/formula injection). Real numbers are not text:
 *    -5 stays -5.
 *  - Numbers in CSV use the decimal mark of the settings; in XLSX they are numbers with a number
 *    format (percent `0.0%` — the value is a fraction, 0.953 shows as 95.3% — hours `0.00`,
 *    integer `0`).
 *  - Instants in XLSX: Excel has no time zones, a date cell is a bare wall-clock reading. Peil
 *    writes the reading in the export zone (a Date whose UTC fields are the Dutch wall clock, which
 *    is how exceljs stores a Date), formatted `dd-mm-yyyy hh:mm`. Around the autumn change two
 *    different instants can show the same reading; CSV has the same limit.
 *
 * Accepted values: for `instant` a Date, epoch milliseconds, an ISO-8601 text (without an offset
 * it is read as UTC, how Peil stores instants) or a DuckDB timestamp value (`{ micros }`); for
 * `date` a `YYYY-MM-DD` text, a Date (its UTC calendar day) or a DuckDB date value (`{ days }`);
 * for number types a number, bigint or numeric text. A value that does not fit its column type is
 * written as text (with the injection rule), null/undefined/NaN as an empty cell.
 */
import { instantToWallClock, parseZone, type LocalMs, type ZoneSpec } from '$lib/domain/wall-clock';

export type ExportColumnType =
	'text' | 'number' | 'integer' | 'instant' | 'date' | 'percent' | 'hours';

export interface ExportColumn {
	key: string;
	header: string;
	type: ExportColumnType;
}

export interface ExportTable {
	/** Sheet name in XLSX (made valid and unique there); not used by CSV. */
	name: string;
	columns: ExportColumn[];
	rows: Record<string, unknown>[];
}

export interface ExportSettings {
	/** CSV field separator: one character, not a quote or line break */
	delimiter: string;
	/** decimal mark of numbers in CSV */
	decimal: '.' | ',';
	/** write a UTF-8 byte order mark at the start of CSV */
	bom: boolean;
	/** zone for instants: IANA name, fixed offset or UTC */
	zone: string;
	/** tokens: dd, mm (month), yyyy */
	dateFormat: string;
	/** tokens: dd, mm (month; minutes right after HH), yyyy, HH, ss */
	instantFormat: string;
}

export const DEFAULT_EXPORT_SETTINGS: Readonly<ExportSettings> = Object.freeze({
	delimiter: ';',
	decimal: ',',
	bom: true,
	zone: 'Europe/Amsterdam',
	dateFormat: 'dd-mm-yyyy',
	instantFormat: 'dd-mm-yyyy HH:mm'
});

const DELIMITER_NAMES: Record<string, string> = {
	tab: '\t',
	'\\t': '\t',
	comma: ',',
	semicolon: ';',
	pipe: '|'
};

/** Settings from an environment (pure; `exportSettings()` is the cached one for the process). */
export function readExportSettings(
	env: Record<string, string | undefined> = process.env
): ExportSettings {
	const rawDelimiter = env.PEIL_CSV_DELIMITER;
	const delimiter = rawDelimiter
		? (DELIMITER_NAMES[rawDelimiter.trim().toLowerCase()] ?? rawDelimiter)
		: DEFAULT_EXPORT_SETTINGS.delimiter;
	const decimal = env.PEIL_CSV_DECIMAL?.trim() || DEFAULT_EXPORT_SETTINGS.decimal;
	const zone = env.PEIL_EXPORT_ZONE?.trim() || DEFAULT_EXPORT_SETTINGS.zone;
	if (decimal !== '.' && decimal !== ',')
		throw new Error(`PEIL_CSV_DECIMAL must be "," or ".", not "${decimal}"`);
	const settings: ExportSettings = { ...DEFAULT_EXPORT_SETTINGS, delimiter, decimal, zone };
	validateSettings(settings, 'PEIL_CSV_DELIMITER', 'PEIL_EXPORT_ZONE');
	return settings;
}

function validateSettings(s: ExportSettings, delimiterName = 'delimiter', zoneName = 'zone'): void {
	if (s.delimiter.length !== 1 || /["\r\n]/.test(s.delimiter))
		throw new Error(
			`${delimiterName} must be one character other than a quote or line break, not ${JSON.stringify(s.delimiter)}`
		);
	try {
		zoneOf(s.zone);
	} catch (e) {
		throw new Error(`${zoneName}: ${(e as Error).message}`, { cause: e });
	}
}

let cached: ExportSettings | undefined;

/** The export settings of this process, read from the environment on first use. */
export function exportSettings(): ExportSettings {
	cached ??= Object.freeze(readExportSettings()) as ExportSettings;
	return cached;
}

function resolveSettings(overrides?: Partial<ExportSettings>): ExportSettings {
	if (!overrides) return exportSettings();
	const s: ExportSettings = { ...exportSettings() };
	for (const [k, v] of Object.entries(overrides)) {
		if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = v;
	}
	validateSettings(s);
	return s;
}

const zones = new Map<string, ZoneSpec>();
function zoneOf(name: string): ZoneSpec {
	let z = zones.get(name);
	if (!z) {
		z = parseZone(name);
		zones.set(name, z);
	}
	return z;
}

// ---------------------------------------------------------------------------------------------
// Values

/** A text that a spreadsheet would read as a formula gets a leading quote. */
export function neutraliseFormula(s: string): string {
	return /^[=+\-@\t\r]/.test(s) ? "'" + s : s;
}

/** A number as CSV text: no exponent, no thousands separator, the chosen decimal mark. */
export function formatNumber(n: number | bigint, decimal: '.' | ',' = ','): string {
	if (typeof n === 'bigint') return n.toString();
	if (!Number.isFinite(n)) return '';
	if (Object.is(n, -0)) n = 0;
	const s = expandExponent(String(n));
	return decimal === ',' ? s.replace('.', ',') : s;
}

/** `1.5e-7` → `0.00000015`, `1e21` → `1000000000000000000000`: the same digits, no exponent. */
function expandExponent(s: string): string {
	const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]?\d+)$/i.exec(s);
	if (!m) return s;
	const [, sign, whole, frac = '', exp] = m;
	const digits = (whole + frac).replace(/^0+(?=\d)/, '');
	const point = whole.length + Number(exp);
	if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
	if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
	return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function toNumber(v: unknown): number | bigint | undefined {
	if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
	if (typeof v === 'bigint') return v;
	if (typeof v === 'string') {
		const t = v.trim();
		if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
		const n = Number(t);
		return Number.isFinite(n) ? n : undefined;
	}
	return undefined;
}

const ISO_INSTANT =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** An instant as epoch milliseconds, or undefined when the value is none. */
export function toEpochMs(v: unknown): number | undefined {
	if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : undefined;
	if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
	if (typeof v === 'bigint') return Number(v);
	if (typeof v === 'object' && v !== null && 'micros' in v) {
		const m = (v as { micros: unknown }).micros;
		if (typeof m === 'bigint') return Number(m / 1000n);
		if (typeof m === 'number') return Math.floor(m / 1000);
	}
	if (typeof v === 'string') {
		const m = ISO_INSTANT.exec(v.trim());
		if (!m) return undefined;
		const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', off] = m;
		const local = Date.UTC(
			Number(y),
			Number(mo) - 1,
			Number(d),
			Number(h),
			Number(mi),
			Number(s),
			Number(frac.padEnd(3, '0').slice(0, 3))
		);
		let offsetMs = 0;
		if (off && off.toUpperCase() !== 'Z') {
			const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(off);
			if (om)
				offsetMs = (Number(om[2]) * 60 + Number(om[3] ?? 0)) * 60_000 * (om[1] === '-' ? -1 : 1);
		}
		return local - offsetMs;
	}
	return undefined;
}

/** A calendar date as UTC-midnight epoch milliseconds, or undefined when the value is none. */
export function toDateMs(v: unknown): number | undefined {
	if (v instanceof Date) {
		if (!Number.isFinite(v.getTime())) return undefined;
		return Date.UTC(v.getUTCFullYear(), v.getUTCMonth(), v.getUTCDate());
	}
	if (typeof v === 'object' && v !== null && 'days' in v) {
		const d = (v as { days: unknown }).days;
		if (typeof d === 'number' && Number.isFinite(d)) return d * 86_400_000;
	}
	if (typeof v === 'string') {
		const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v.trim());
		if (!m) return undefined;
		const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
		const back = new Date(ms);
		return back.getUTCDate() === Number(m[3]) ? ms : undefined;
	}
	if (typeof v === 'number' && Number.isFinite(v)) {
		const d = new Date(v);
		return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
	}
	return undefined;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Format LocalMs (wall-clock reading as UTC fields) with dd, mm, yyyy, HH, mm (minutes), ss. */
export function formatWallClock(local: LocalMs, format: string): string {
	const d = new Date(local);
	let afterHour = false;
	return format.replace(/yyyy|dd|HH|hh|mm|ss/g, (t) => {
		switch (t) {
			case 'yyyy':
				afterHour = false;
				return pad(d.getUTCFullYear(), 4);
			case 'dd':
				afterHour = false;
				return pad(d.getUTCDate());
			case 'HH':
			case 'hh':
				afterHour = true;
				return pad(d.getUTCHours());
			case 'ss':
				return pad(d.getUTCSeconds());
			default: // mm: minutes right after an hour, otherwise the month (Excel's rule)
				if (afterHour) {
					afterHour = false;
					return pad(d.getUTCMinutes());
				}
				return pad(d.getUTCMonth() + 1);
		}
	});
}

/** The Excel number format for a wall-clock format of the settings (Excel writes hours as hh). */
function excelDateFormat(format: string): string {
	return format.replace(/HH/g, 'hh');
}

/** What a cell is, after its column type and value are considered. */
type Cell =
	| { kind: 'empty' }
	| { kind: 'number'; value: number | bigint }
	| { kind: 'instant'; local: LocalMs }
	| { kind: 'date'; local: LocalMs }
	| { kind: 'text'; value: string };

function textOf(v: unknown): string {
	if (typeof v === 'string') return v;
	if (typeof v === 'object' && v !== null && !(v instanceof Date)) {
		const s = String(v);
		if (s === '[object Object]') {
			try {
				return JSON.stringify(v);
			} catch {
				return s;
			}
		}
		return s;
	}
	return String(v);
}

function classify(v: unknown, type: ExportColumnType | 'auto', s: ExportSettings): Cell {
	if (v === null || v === undefined) return { kind: 'empty' };
	if (typeof v === 'number' && !Number.isFinite(v)) return { kind: 'empty' };
	switch (type) {
		case 'number':
		case 'integer':
		case 'percent':
		case 'hours': {
			if (typeof v === 'string' && v.trim() === '') return { kind: 'empty' };
			const n = toNumber(v);
			return n === undefined ? { kind: 'text', value: textOf(v) } : { kind: 'number', value: n };
		}
		case 'instant': {
			if (typeof v === 'string' && v.trim() === '') return { kind: 'empty' };
			const ms = toEpochMs(v);
			return ms === undefined
				? { kind: 'text', value: textOf(v) }
				: { kind: 'instant', local: instantToWallClock(ms, zoneOf(s.zone)) };
		}
		case 'date': {
			if (typeof v === 'string' && v.trim() === '') return { kind: 'empty' };
			const ms = toDateMs(v);
			return ms === undefined ? { kind: 'text', value: textOf(v) } : { kind: 'date', local: ms };
		}
		default:
			// text (and untyped rows): real numbers and instants keep their kind, the rest is text
			if (typeof v === 'number' || typeof v === 'bigint') return { kind: 'number', value: v };
			if (v instanceof Date) {
				const ms = toEpochMs(v);
				return ms === undefined
					? { kind: 'empty' }
					: { kind: 'instant', local: instantToWallClock(ms, zoneOf(s.zone)) };
			}
			return { kind: 'text', value: textOf(v) };
	}
}

/** The text a cell shows in CSV, before quoting. */
function cellText(c: Cell, s: ExportSettings): string {
	switch (c.kind) {
		case 'empty':
			return '';
		case 'number':
			return formatNumber(c.value, s.decimal);
		case 'instant':
			return formatWallClock(c.local, s.instantFormat);
		case 'date':
			return formatWallClock(c.local, s.dateFormat);
		case 'text':
			return neutraliseFormula(c.value);
	}
}

/** RFC 4180 quoting with the chosen separator. */
export function quoteCsv(text: string, delimiter: string): string {
	return text.includes(delimiter) || /["\r\n]/.test(text)
		? '"' + text.replaceAll('"', '""') + '"'
		: text;
}

// ---------------------------------------------------------------------------------------------
// CSV

/** One CSV field for a value of unknown type (used by csv.ts). */
export function csvValue(
	v: unknown,
	settings?: Partial<ExportSettings>,
	type: ExportColumnType | 'auto' = 'auto'
): string {
	const s = resolveSettings(settings);
	return quoteCsv(cellText(classify(v, type, s), s), s.delimiter);
}

function joinCsv(lines: string[][], s: ExportSettings): string {
	const body = lines.map((cells) => cells.map((t) => quoteCsv(t, s.delimiter)).join(s.delimiter));
	return (s.bom ? '\uFEFF' : '') + body.join('\r\n') + '\r\n';
}

/** Rows without column types (csv.ts): header as text, each value by its runtime type. */
export function rowsToCsv(
	header: string[],
	rows: unknown[][],
	settings?: Partial<ExportSettings>
): string {
	const s = resolveSettings(settings);
	const lines = [
		header.map((h) => neutraliseFormula(String(h ?? ''))),
		...rows.map((r) => r.map((v) => cellText(classify(v, 'auto', s), s)))
	];
	return joinCsv(lines, s);
}

/** A table as CSV text (starting with the BOM when the settings say so). */
export function tableToCsv(table: ExportTable, settings?: Partial<ExportSettings>): string {
	const s = resolveSettings(settings);
	const lines: string[][] = [table.columns.map((c) => neutraliseFormula(c.header))];
	for (const row of table.rows)
		lines.push(table.columns.map((c) => cellText(classify(row[c.key], c.type, s), s)));
	return joinCsv(lines, s);
}

// ---------------------------------------------------------------------------------------------
// XLSX

const XLSX_MAX_TEXT = 32_767;

/** Characters XML 1.0 cannot hold (an XLSX with them does not open). */
function xmlSafe(s: string): string {
	// eslint-disable-next-line no-control-regex
	const clean = s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
	return clean.length > XLSX_MAX_TEXT ? clean.slice(0, XLSX_MAX_TEXT) : clean;
}

/**
 * Valid, unique sheet names: at most 31 characters, none of \ / ? * [ ] :, not starting or ending
 * with a quote, unique regardless of case (Excel's rules).
 */
export function sheetNames(names: string[]): string[] {
	const used = new Set<string>();
	return names.map((raw) => {
		let base = xmlSafe(raw)
			.replace(/[\\/?*[\]:]/g, '_')
			.replace(/^'+|'+$/g, '')
			.trim();
		if (!base) base = 'Sheet';
		if (base.toLowerCase() === 'history') base = 'History_';
		let name = base.slice(0, 31);
		for (let i = 2; used.has(name.toLowerCase()); i++) {
			const suffix = ` (${i})`;
			name = base.slice(0, 31 - suffix.length).trimEnd() + suffix;
		}
		used.add(name.toLowerCase());
		return name;
	});
}

function numFmtOf(type: ExportColumnType, s: ExportSettings): string | undefined {
	switch (type) {
		case 'percent':
			return '0.0%';
		case 'hours':
			return '0.00';
		case 'integer':
			return '0';
		case 'instant':
			return excelDateFormat(s.instantFormat);
		case 'date':
			return excelDateFormat(s.dateFormat);
		default:
			return undefined;
	}
}

/** A value as exceljs stores it: numbers as numbers, instants/dates as Dates, text as text. */
function xlsxValue(c: Cell): string | number | Date | null {
	switch (c.kind) {
		case 'empty':
			return null;
		case 'number':
			return typeof c.value === 'bigint' ? Number(c.value) : c.value;
		case 'instant':
		case 'date':
			return new Date(c.local);
		case 'text':
			return xmlSafe(neutraliseFormula(c.value));
	}
}

/**
 * Tables as one XLSX workbook, one sheet per table: a bold, frozen header row with an autofilter,
 * columns as wide as their content. Returns the file's bytes.
 */
export async function tableToXlsx(
	tables: ExportTable[],
	settings?: Partial<ExportSettings>
): Promise<Buffer> {
	const s = resolveSettings(settings);
	const ExcelJS = (await import('exceljs')).default;
	const wb = new ExcelJS.Workbook();
	wb.creator = 'Peil';
	const names = sheetNames(tables.map((t) => t.name));
	tables.forEach((table, ti) => {
		const ws = wb.addWorksheet(names[ti], {
			views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }]
		});
		const widths = table.columns.map((c) => c.header.length);
		const formats = table.columns.map((c) => numFmtOf(c.type, s));
		const header = ws.addRow(table.columns.map((c) => xmlSafe(neutraliseFormula(c.header))));
		header.font = { bold: true };
		for (const row of table.rows) {
			const values = table.columns.map((col, ci) => {
				const cell = classify(row[col.key], col.type, s);
				const shown =
					cell.kind === 'number' && col.type === 'percent'
						? formatNumber(Number(cell.value) * 100, '.') + '%'
						: cellText(cell, s);
				widths[ci] = Math.max(widths[ci], Math.min(shown.length, 80));
				return xlsxValue(cell);
			});
			ws.addRow(values);
		}
		table.columns.forEach((_, ci) => {
			const col = ws.getColumn(ci + 1);
			col.width = Math.min(Math.max(widths[ci] + 2, 8), 60);
			const fmt = formats[ci];
			if (fmt)
				col.eachCell({ includeEmpty: false }, (cell, rowNumber) => {
					if (rowNumber > 1 && (typeof cell.value === 'number' || cell.value instanceof Date))
						cell.numFmt = fmt;
				});
		});
		if (table.columns.length > 0)
			ws.autoFilter = {
				from: { row: 1, column: 1 },
				to: { row: 1, column: table.columns.length }
			};
	});
	if (tables.length === 0) wb.addWorksheet('Sheet');
	const out = await wb.xlsx.writeBuffer();
	return Buffer.isBuffer(out) ? out : Buffer.from(out as ArrayBuffer);
}

// ---------------------------------------------------------------------------------------------
// HTTP

export type ExportFormat = 'csv' | 'xlsx';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
	csv: 'text/csv; charset=utf-8',
	xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
};

/** A file name safe for a content-disposition header, ending in the format's extension. */
export function exportFileName(fileName: string, format?: ExportFormat): string {
	let base = fileName
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/[^\w.-]+/g, '_')
		.replace(/^[._]+/, '')
		.slice(0, 120);
	if (format) base = base.replace(new RegExp(`\\.${format}$`, 'i'), '');
	base = base.replace(/[._]+$/, '') || 'export';
	return format ? `${base}.${format}` : base;
}

/** Content-disposition for a download (the name is sanitised). */
export function attachmentHeader(fileName: string, format?: ExportFormat): string {
	return `attachment; filename="${exportFileName(fileName, format)}"`;
}

/**
 * A download of one table as CSV, or of tables as XLSX (one sheet each). The body is bytes: a
 * string body may lose its leading BOM on the way through the server, and Excel needs the BOM to
 * read UTF-8. CSV holds one table: more than one is an error.
 */
export async function exportResponse(
	tables: ExportTable | ExportTable[],
	format: ExportFormat,
	fileName: string,
	settings?: Partial<ExportSettings>
): Promise<Response> {
	const list = Array.isArray(tables) ? tables : [tables];
	let body: Uint8Array<ArrayBuffer>;
	if (format === 'csv') {
		if (list.length !== 1)
			throw new Error(`A CSV export holds one table, not ${list.length}; use XLSX for several`);
		body = new TextEncoder().encode(tableToCsv(list[0], settings));
	} else if (format === 'xlsx') {
		body = new Uint8Array(await tableToXlsx(list, settings));
	} else {
		throw new Error(`Unknown export format "${String(format)}": use csv or xlsx`);
	}
	return new Response(body, {
		headers: {
			'content-type': CONTENT_TYPES[format],
			'content-disposition': attachmentHeader(fileName, format),
			'content-length': String(body.byteLength),
			'x-content-type-options': 'nosniff',
			'cache-control': 'no-store'
		}
	});
}
