/**
 * Parquet exports become a CSV through DuckDB itself (read_parquet, then COPY). Instants with a
 * zone are written as ISO 8601 in UTC with a Z; times without a zone stay wall-clock readings,
 * which the import then reads in its zone like any other export.
 *
 * The file's column names never enter the SQL: columns are renamed by position (c0, c1, …) and
 * the header line is written from Node. The paths are ours (a temporary upload, or the file the
 * command line was given) and DuckDB takes no parameter for COPY's target.
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance } from '@duckdb/node-api';

function quoteLiteral(value: string): string {
	return "'" + value.replaceAll("'", "''") + "'";
}

/** A CSV field, quoted when it needs to be. */
function csvField(value: string): string {
	return /[",\r\n]/.test(value) ? '"' + value.replaceAll('"', '""') + '"' : value;
}

export async function parquetToCsv(file: string, to: string): Promise<void> {
	const instance = await DuckDBInstance.create(':memory:');
	const c = await instance.connect();
	const body = `${to}.body`;
	try {
		await c.run("SET TimeZone='UTC'");
		const src = `read_parquet(${quoteLiteral(file)})`;
		const cols = (await c.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRowObjects();
		const names = cols.map((col) => String(col.column_name));
		const alias = names.map((_, i) => `c${i}`);
		const select = cols
			.map((col, i) => {
				const type = String(col.column_type);
				const id = alias[i];
				if (type.startsWith('TIMESTAMP WITH TIME ZONE'))
					return `strftime(${id}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${id}`;
				if (type.startsWith('TIMESTAMP')) return `strftime(${id}, '%Y-%m-%d %H:%M:%S') AS ${id}`;
				return `CAST(${id} AS VARCHAR) AS ${id}`;
			})
			.join(', ');
		await c.run(
			`COPY (SELECT ${select} FROM ${src} AS t(${alias.join(', ')})) TO ${quoteLiteral(body)} (FORMAT csv, HEADER false, DELIMITER ',')`
		);
		fs.writeFileSync(to, names.map(csvField).join(',') + '\n');
		await pipeline(fs.createReadStream(body), fs.createWriteStream(to, { flags: 'a' }));
	} finally {
		fs.rmSync(body, { force: true });
		c.closeSync();
		instance.closeSync();
	}
}
