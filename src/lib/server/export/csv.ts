/**
 * CSV for people who open it in Excel. Defaults for Dutch Excel: `;` as separator, UTF-8 with BOM
 * (so é and € survive), CRLF. A cell that starts with = + - @ (or a tab/CR) is prefixed with a
 * quote so a spreadsheet never runs it as a formula.
 */
export interface CsvOptions {
	delimiter?: string;
	bom?: boolean;
}

export function csvDelimiter(): string {
	return process.env.PEIL_CSV_DELIMITER || ';';
}

export function csvCell(v: unknown, delimiter: string): string {
	if (v === null || v === undefined) return '';
	let s = typeof v === 'number' ? String(v) : String(v);
	if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
	return s.includes(delimiter) || /["\r\n]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

export function toCsv(header: string[], rows: unknown[][], opts: CsvOptions = {}): string {
	const d = opts.delimiter ?? csvDelimiter();
	const lines = [header, ...rows].map((r) => r.map((c) => csvCell(c, d)).join(d));
	return (opts.bom === false ? '' : '\uFEFF') + lines.join('\r\n') + '\r\n';
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
	return new Response(new TextEncoder().encode(toCsv(header, rows, opts)), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`
		}
	});
}
