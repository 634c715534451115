/**
 * Parquet exports become a CSV through DuckDB itself (read_parquet, then COPY). Instants with a
 * zone are written as ISO 8601 in UTC with a Z; times without a zone stay wall-clock readings,
 * which the import then reads in its zone like any other export.
 */
import { DuckDBInstance } from '@duckdb/node-api';

function quoteIdent(name: string): string {
	return '"' + name.replaceAll('"', '""') + '"';
}

function quoteLiteral(value: string): string {
	return "'" + value.replaceAll("'", "''") + "'";
}

export async function parquetToCsv(file: string, to: string): Promise<void> {
	const instance = await DuckDBInstance.create(':memory:');
	const c = await instance.connect();
	try {
		await c.run("SET TimeZone='UTC'");
		// paths are ours (a temporary upload or a file the command line was given); quoted as literals
		const src = `read_parquet(${quoteLiteral(file)})`;
		const cols = (await c.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRowObjects();
		const select = cols
			.map((col) => {
				const name = String(col.column_name);
				const type = String(col.column_type);
				const id = quoteIdent(name);
				if (type.startsWith('TIMESTAMP WITH TIME ZONE'))
					return `strftime(${id}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${id}`;
				if (type.startsWith('TIMESTAMP')) return `strftime(${id}, '%Y-%m-%d %H:%M:%S') AS ${id}`;
				return `CAST(${id} AS VARCHAR) AS ${id}`;
			})
			.join(', ');
		await c.run(
			`COPY (SELECT ${select} FROM ${src}) TO ${quoteLiteral(to)} (FORMAT csv, HEADER true, DELIMITER ',')`
		);
	} finally {
		c.closeSync();
		instance.closeSync();
	}
}
