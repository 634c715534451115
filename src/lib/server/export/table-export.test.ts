import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import {
	DEFAULT_EXPORT_SETTINGS,
	exportFileName,
	exportResponse,
	readExportSettings,
	sheetNames,
	tableToCsv,
	tableToXlsx,
	type ExportTable
} from './table-export';
import { csvCell, csvResponse, toCsv } from './csv';

const table: ExportTable = {
	name: 'Attainment by account',
	columns: [
		{ key: 'account', header: 'Account', type: 'text' },
		{ key: 'amount', header: 'Amount', type: 'number' },
		{ key: 'tickets', header: 'Tickets', type: 'integer' },
		{ key: 'at', header: 'Created', type: 'instant' },
		{ key: 'day', header: 'Day', type: 'date' },
		{ key: 'attainment', header: 'Attainment', type: 'percent' },
		{ key: 'hours', header: 'Business hours', type: 'hours' }
	],
	rows: [
		{
			account: 'Acme; "Holland" B.V.',
			amount: 1234.5,
			tickets: 12,
			at: '2026-03-29T01:30:00Z',
			day: '2026-03-29',
			attainment: 0.953,
			hours: 7.25
		},
		{
			account: '=SUM(A1)',
			amount: -5,
			tickets: -3,
			at: new Date('2026-01-15T12:00:00Z'),
			day: new Date(Date.UTC(2026, 0, 15)),
			attainment: null,
			hours: undefined
		},
		{
			account: '=HYPERLINK("http://evil.example","click")',
			amount: '-2.5',
			tickets: 10n,
			at: { micros: BigInt(Date.UTC(2026, 9, 25, 0, 30)) * 1000n },
			day: { days: 20_386 },
			attainment: 1,
			hours: 0
		}
	]
};

function lines(csv: string): string[] {
	return csv.replace(/^\uFEFF/, '').split('\r\n');
}

/** A strict RFC 4180 reader, to check what a spreadsheet would see in each field. */
function parseCsv(csv: string, delimiter = ';'): string[][] {
	const text = csv.replace(/^\uFEFF/, '');
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let i = 0;
	while (i < text.length) {
		const ch = text[i];
		if (ch === '"' && field === '') {
			i++;
			while (i < text.length) {
				if (text[i] === '"' && text[i + 1] === '"') {
					field += '"';
					i += 2;
				} else if (text[i] === '"') {
					i++;
					break;
				} else field += text[i++];
			}
		} else if (ch === delimiter) {
			row.push(field);
			field = '';
			i++;
		} else if (ch === '\r' && text[i + 1] === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			i += 2;
		} else {
			field += ch;
			i++;
		}
	}
	if (field !== '' || row.length > 0) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}

describe('tableToCsv', () => {
	it('starts with the BOM, separates with ; and ends lines in CRLF', () => {
		const csv = tableToCsv(table);
		const bytes = new TextEncoder().encode(csv);
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		expect(lines(csv)[0]).toBe('Account;Amount;Tickets;Created;Day;Attainment;Business hours');
		expect(csv.endsWith('\r\n')).toBe(true);
		expect(csv.replaceAll('\r\n', '')).not.toMatch(/\n/);
	});

	it('writes numbers with the decimal comma and keeps negative numbers as numbers', () => {
		const csv = tableToCsv(table);
		const [, first, second, third] = parseCsv(csv);
		expect(first.slice(1, 3)).toEqual(['1234,5', '12']);
		expect(lines(csv)[1]).toContain(';1234,5;12;');
		expect(first.slice(5)).toEqual(['0,953', '7,25']);
		expect(second.slice(1, 3)).toEqual(['-5', '-3']);
		expect(lines(csv)[2]).toContain(';-5;-3;');
		// numeric text in a number column is a number too; bigint keeps its digits
		expect(third.slice(1, 3)).toEqual(['-2,5', '10']);
		expect(second.slice(5)).toEqual(['', '']);
	});

	it('never writes an exponent or a thousands separator', () => {
		const t: ExportTable = {
			name: 'x',
			columns: [{ key: 'n', header: 'n', type: 'number' }],
			rows: [{ n: 1e21 }, { n: 1e-7 }, { n: 1234567.891 }, { n: -0 }, { n: NaN }]
		};
		expect(lines(tableToCsv(t)).slice(1, 6)).toEqual([
			'1000000000000000000000',
			'0,0000001',
			'1234567,891',
			'0',
			''
		]);
	});

	it('writes instants as Dutch wall-clock time, CEST in summer and CET in winter, whatever the host zone', () => {
		expect(process.env.TZ).toBe('Pacific/Auckland');
		const [, first, second, third] = parseCsv(tableToCsv(table));
		expect(first[3]).toBe('29-03-2026 03:30'); // 01:30Z, just after the spring change: CEST
		expect(second[3]).toBe('15-01-2026 13:00'); // 12:00Z in winter: CET
		expect(third[3]).toBe('25-10-2026 02:30'); // 00:30Z on the autumn change: still CEST
	});

	it('writes dates as dd-mm-yyyy', () => {
		const [, first, second, third] = parseCsv(tableToCsv(table));
		expect(first[4]).toBe('29-03-2026');
		expect(second[4]).toBe('15-01-2026');
		expect(third[4]).toBe('25-10-2025');
	});

	it('neutralises formulas in text and quotes per RFC 4180', () => {
		const csv = tableToCsv(table);
		const [, first, second, third] = lines(csv);
		expect(parseCsv(csv)[1][0]).toBe('Acme; "Holland" B.V.');
		expect(first.startsWith('"Acme; ""Holland"" B.V.";')).toBe(true);
		expect(second.startsWith("'=SUM(A1);")).toBe(true);
		expect(third.startsWith('"\'=HYPERLINK(""http://evil.example"",""click"")";')).toBe(true);
		const t: ExportTable = {
			name: 'x',
			columns: [{ key: 't', header: '=header', type: 'text' }],
			rows: ['+1', '-5', '@cmd', '\tx', '\rx', 'a\nb', 'ok', 'x=1'].map((t) => ({ t }))
		};
		expect(parseCsv(tableToCsv(t)).map((r) => r[0])).toEqual([
			"'=header",
			"'+1",
			"'-5",
			"'@cmd",
			"'\tx",
			"'\rx",
			'a\nb',
			'ok',
			'x=1'
		]);
		expect(lines(tableToCsv(t))).toContain('"\'\rx"');
	});

	it('follows the settings: separator, decimal point, zone, no BOM', () => {
		const csv = tableToCsv(table, { delimiter: ',', decimal: '.', zone: 'UTC', bom: false });
		expect(csv.charCodeAt(0)).not.toBe(0xfeff);
		const [, first] = lines(csv);
		expect(first).toBe('"Acme; ""Holland"" B.V.",1234.5,12,29-03-2026 01:30,29-03-2026,0.953,7.25');
		// a decimal comma with a comma separator still reads back: the field is quoted
		expect(lines(tableToCsv(table, { delimiter: ',' }))[1]).toContain(',"1234,5",');
	});
});

describe('settings', () => {
	it('defaults to Dutch Excel', () => {
		expect(readExportSettings({})).toEqual(DEFAULT_EXPORT_SETTINGS);
		expect(DEFAULT_EXPORT_SETTINGS).toEqual({
			delimiter: ';',
			decimal: ',',
			bom: true,
			zone: 'Europe/Amsterdam',
			dateFormat: 'dd-mm-yyyy',
			instantFormat: 'dd-mm-yyyy HH:mm'
		});
	});

	it('reads the environment and rejects nonsense with a readable message', () => {
		expect(
			readExportSettings({
				PEIL_CSV_DELIMITER: 'tab',
				PEIL_CSV_DECIMAL: '.',
				PEIL_EXPORT_ZONE: 'UTC'
			})
		).toMatchObject({ delimiter: '\t', decimal: '.', zone: 'UTC' });
		expect(() => readExportSettings({ PEIL_CSV_DELIMITER: ';;' })).toThrow(/PEIL_CSV_DELIMITER/);
		expect(() => readExportSettings({ PEIL_CSV_DECIMAL: ';' })).toThrow(/PEIL_CSV_DECIMAL/);
		expect(() => readExportSettings({ PEIL_EXPORT_ZONE: 'Mars/Base' })).toThrow(/PEIL_EXPORT_ZONE/);
	});
});

async function readBack(buf: Buffer): Promise<ExcelJS.Workbook> {
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(buf as unknown as ArrayBuffer);
	return wb;
}

describe('tableToXlsx', () => {
	it('stores numbers as numbers, instants and dates as dates, formulas as text', async () => {
		const wb = await readBack(await tableToXlsx([table]));
		const ws = wb.worksheets[0];
		expect(ws.name).toBe('Attainment by account');

		const header = ws.getRow(1);
		expect(header.getCell(1).value).toBe('Account');
		expect(header.getCell(1).font?.bold).toBe(true);
		expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
		expect(ws.autoFilter).toBeTruthy();

		const first = ws.getRow(2);
		expect(first.getCell(2).value).toBe(1234.5);
		expect(first.getCell(3).value).toBe(12);
		expect(first.getCell(3).numFmt).toBe('0');
		expect(first.getCell(6).value).toBe(0.953);
		expect(first.getCell(6).numFmt).toBe('0.0%');
		expect(first.getCell(7).value).toBe(7.25);
		expect(first.getCell(7).numFmt).toBe('0.00');

		// Excel has no zones: the cell holds the Dutch wall-clock reading (as UTC fields)
		const at = first.getCell(4).value;
		expect(at).toBeInstanceOf(Date);
		expect((at as Date).toISOString()).toBe('2026-03-29T03:30:00.000Z');
		expect(first.getCell(4).numFmt).toBe('dd-mm-yyyy hh:mm');
		const winter = ws.getRow(3).getCell(4).value as Date;
		expect(winter.getUTCHours()).toBe(13);
		expect(winter.getUTCMinutes()).toBe(0);

		const day = first.getCell(5).value;
		expect(day).toBeInstanceOf(Date);
		expect((day as Date).toISOString()).toBe('2026-03-29T00:00:00.000Z');
		expect(first.getCell(5).numFmt).toBe('dd-mm-yyyy');

		expect(ws.getRow(3).getCell(2).value).toBe(-5);
		expect(ws.getRow(3).getCell(6).value).toBeNull();
		expect(ws.getRow(4).getCell(2).value).toBe(-2.5);
		expect(ws.getRow(4).getCell(3).value).toBe(10);

		const link = ws.getRow(4).getCell(1);
		expect(link.type).toBe(ExcelJS.ValueType.String);
		expect(link.value).toBe('\'=HYPERLINK("http://evil.example","click")');
		expect(link.formula).toBeUndefined();

		expect(ws.getColumn(1).width).toBeGreaterThan(ws.getColumn(3).width ?? 0);
	});

	it('gives each table its own sheet with a unique name of at most 31 characters', async () => {
		const long = 'Attainment by priority and tier, per month';
		const tables: ExportTable[] = [long, long, 'a/b:c?', 'Summary', 'summary', ''].map((name) => ({
			name,
			columns: [{ key: 'x', header: 'x', type: 'number' }],
			rows: [{ x: 1 }]
		}));
		const wb = await readBack(await tableToXlsx(tables));
		const names = wb.worksheets.map((w) => w.name);
		expect(names).toHaveLength(6);
		expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(6);
		for (const n of names) {
			expect(n.length).toBeGreaterThan(0);
			expect(n.length).toBeLessThanOrEqual(31);
			expect(n).not.toMatch(/[\\/?*[\]:]/);
		}
		expect(names[0]).toBe(long.slice(0, 31));
		expect(sheetNames(['x'.repeat(40), 'x'.repeat(40)])[1]).toBe('x'.repeat(27) + ' (2)');
	});
});

describe('exportResponse', () => {
	it('sends CSV as bytes with the BOM and a sanitised file name', async () => {
		const res = await exportResponse(table, 'csv', 'attainment "März"/2026');
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('content-disposition')).toBe(
			'attachment; filename="attainment_Marz_2026.csv"'
		);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)).toBe(tableToCsv(table));
	});

	it('sends XLSX that reads back, and refuses several tables in one CSV', async () => {
		const res = await exportResponse([table, table], 'xlsx', 'report.xlsx');
		expect(res.headers.get('content-type')).toBe(
			'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
		);
		expect(res.headers.get('content-disposition')).toBe('attachment; filename="report.xlsx"');
		const wb = await readBack(Buffer.from(await res.arrayBuffer()));
		expect(wb.worksheets).toHaveLength(2);
		await expect(exportResponse([table, table], 'csv', 'x')).rejects.toThrow(/one table/);
	});

	it('names files safely', () => {
		expect(exportFileName('../../etc/passwd', 'csv')).toBe('etc_passwd.csv');
		expect(exportFileName('', 'xlsx')).toBe('export.xlsx');
		expect(exportFileName('a\r\nb.CSV', 'csv')).toBe('a_b.csv');
	});
});

describe('csv.ts goes through the same writer', () => {
	it('toCsv writes the BOM, ; and the same cell rules', () => {
		const csv = toCsv(
			['row', 'value'],
			[
				[3, '=cmd'],
				[-5, 'a;b'],
				[1.5, null]
			]
		);
		expect(csv.charCodeAt(0)).toBe(0xfeff);
		expect(lines(csv)).toEqual(['row;value', "3;'=cmd", '-5;"a;b"', '1,5;', '']);
		expect(toCsv(['a', 'b'], [[1, 2]], { delimiter: ',', bom: false })).toBe('a,b\r\n1,2\r\n');
		expect(csvCell('-x', ';')).toBe("'-x");
		expect(csvCell(-5, ';')).toBe('-5');
	});

	it('csvResponse sends bytes with the BOM', async () => {
		const res = csvResponse('import-1-rejected-rows.csv', ['row'], [[1]]);
		expect(res.headers.get('content-disposition')).toBe(
			'attachment; filename="import-1-rejected-rows.csv"'
		);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
	});
});
