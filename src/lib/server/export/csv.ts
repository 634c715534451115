/**
 * CSV for people who open it in Excel, for callers with untyped rows. A thin layer over the one
 * export writer (`table-export.ts`): the same settings (`PEIL_CSV_DELIMITER`, `PEIL_CSV_DECIMAL`,
 * `PEIL_EXPORT_ZONE`; defaults for Dutch Excel: `;`, decimal comma, UTF-8 with BOM, CRLF) and the
 * same cell rules: a text cell that starts with = + - @ (or a tab/CR) is prefixed with a quote so
 * a spreadsheet never runs it as a formula; numbers keep their sign and get the decimal mark;
 * Dates are instants shown in the export zone. Tables with typed columns go through
 * `tableToCsv`/`exportResponse` directly.
 */
import { attachmentHeader, csvValue, exportSettings, rowsToCsv } from './table-export';

export interface CsvOptions {
	delimiter?: string;
	bom?: boolean;
}

/** The CSV separator of every export (the one setting; `;` unless PEIL_CSV_DELIMITER says). */
export function csvDelimiter(): string {
	return exportSettings().delimiter;
}

/** One CSV field: the value by its runtime type, neutralised and quoted for this separator. */
export function csvCell(v: unknown, delimiter: string): string {
	return csvValue(v, { delimiter });
}

export function toCsv(header: string[], rows: unknown[][], opts: CsvOptions = {}): string {
	return rowsToCsv(header, rows, { delimiter: opts.delimiter, bom: opts.bom });
}

/**
 * A CSV download. The body goes out as bytes: a string body may lose its leading BOM on the
 * way through the server, and Excel needs the BOM to read UTF-8.
 */
export function csvResponse(
	fileName: string,
	header: string[],
	rows: unknown[][],
	opts: CsvOptions = {}
): Response {
	const body = new TextEncoder().encode(toCsv(header, rows, opts));
	return new Response(body, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': attachmentHeader(fileName, 'csv'),
			'content-length': String(body.byteLength),
			'x-content-type-options': 'nosniff'
		}
	});
}
