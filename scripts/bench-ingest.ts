/**
 * Ingest benchmark: `npm run bench:ingest -- --tickets 1000000`.
 *
 * Generates a UTF-8 Zendesk ticket CSV, then measures, each in a child process of its own (so
 * peak memory is its own):
 *   baseline  DuckDB's read_csv of the same file into a table with the same columns typed
 *             (ids as BIGINT, times parsed as TIMESTAMP, minutes as INTEGER) — the floor;
 *   peil      `importFile` into a fresh store: detection, validation, the wall-clock rule,
 *             rejects, account resolution, merge, one transaction.
 * Prints a table with rows/s, peak memory and the ratio to the baseline, and writes it to
 * bench-results/ingest-<tickets>.md and .json. Goal: the import takes at most 4x the baseline.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const { values } = parseArgs({
	options: {
		tickets: { type: 'string', default: '1000000' },
		child: { type: 'string' },
		file: { type: 'string' },
		db: { type: 'string' },
		keep: { type: 'boolean', default: false }
	}
});

interface Measured {
	seconds: number;
	rows: number;
	peakRssMb: number;
	detail?: string;
}

function peakMb(): number {
	return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function runChild(kind: string, file: string, db: string): Promise<Measured> {
	if (kind === 'baseline') {
		const { DuckDBInstance } = await import('@duckdb/node-api');
		const inst = await DuckDBInstance.create(db);
		const c = await inst.connect();
		await c.run("SET TimeZone='UTC'");
		const t0 = performance.now();
		await c.run(
			`CREATE TABLE tickets AS SELECT * FROM read_csv(${"'" + file.replaceAll("'", "''") + "'"}, header = true, delim = ',', quote = '"', escape = '"',
			   timestampformat = '%Y-%m-%d %H:%M:%S', types = {'Id': 'BIGINT', 'Created at': 'TIMESTAMP', 'Updated at': 'TIMESTAMP', 'Solved at': 'TIMESTAMP',
			   'First reply time in minutes': 'INTEGER', 'First reply time in minutes within business hours': 'INTEGER', 'Full resolution time in minutes': 'INTEGER'})`
		);
		const seconds = (performance.now() - t0) / 1000;
		const r = await c.runAndReadAll('SELECT count(*) AS n FROM tickets');
		const rows = Number(r.getRows()[0][0]);
		c.closeSync();
		inst.closeSync();
		return { seconds, rows, peakRssMb: peakMb() };
	}
	const { prepareStore } = await import('../src/lib/server/bootstrap.ts');
	const { importFile } = await import('../src/lib/server/ingest/run-import.ts');
	const store = await prepareStore(db);
	const t0 = performance.now();
	// the import alone: verdicts are the SLA benchmark's business (npm run bench:sla)
	const report = await importFile(store, { file, source: 'zendesk', verdicts: false });
	const seconds = (performance.now() - t0) / 1000;
	await store.close();
	const c = report.counts.tickets;
	return {
		seconds,
		rows: c.read,
		peakRssMb: peakMb(),
		detail: `inserted ${c.inserted}, rejected ${c.rejected}`
	};
}

if (values.child) {
	const m = await runChild(values.child, values.file!, values.db!);
	process.stdout.write(JSON.stringify(m) + '\n');
	process.exit(0);
}

const tickets = Number(values.tickets);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'peil-bench-'));
const { generateSample } = await import('../src/lib/server/sample/generate.ts');
process.stderr.write(`generating ${tickets} tickets in ${work} …\n`);
const gen = await generateSample({ tickets, outDir: work, ticketsOnly: true });
const size = fs.statSync(gen.files.tickets).size;

function measure(kind: string): Measured {
	const db = path.join(work, `${kind}.duckdb`);
	const res = spawnSync(
		process.execPath,
		['--import', 'tsx', here, '--child', kind, '--file', gen.files.tickets, '--db', db],
		{
			encoding: 'utf8',
			maxBuffer: 64 * 1024 * 1024
		}
	);
	if (res.status !== 0) throw new Error(`${kind} failed: ${res.stderr}`);
	return JSON.parse(res.stdout.trim().split('\n').pop()!) as Measured;
}

process.stderr.write('baseline: DuckDB read_csv with typed columns …\n');
const baseline = measure('baseline');
process.stderr.write('peil: importFile …\n');
const peil = measure('peil');

const row = (name: string, m: Measured) =>
	`| ${name} | ${m.rows.toLocaleString('en')} | ${m.seconds.toFixed(2)} | ${Math.round(m.rows / m.seconds).toLocaleString('en')} | ${m.peakRssMb} | ${(m.seconds / baseline.seconds).toFixed(2)}x |`;
const table = [
	`Ingest benchmark: ${tickets.toLocaleString('en')} tickets, ${(size / 1024 / 1024).toFixed(0)} MB Zendesk CSV, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
	'',
	'| run | rows | seconds | rows/s | peak memory (MB) | time vs baseline |',
	'| --- | ---: | ---: | ---: | ---: | ---: |',
	row('baseline: DuckDB read_csv, typed', baseline),
	row('Peil import (validate, normalise, merge)', peil),
	'',
	`Goal: at most 4x the baseline. Measured: ${(peil.seconds / baseline.seconds).toFixed(2)}x (${peil.detail}).`
].join('\n');
process.stdout.write(table + '\n');
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync(`bench-results/ingest-${tickets}.md`, table + '\n');
fs.writeFileSync(
	`bench-results/ingest-${tickets}.json`,
	JSON.stringify(
		{ tickets, bytes: size, baseline, peil, ratio: peil.seconds / baseline.seconds },
		null,
		2
	) + '\n'
);
if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
