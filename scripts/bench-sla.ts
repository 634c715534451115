/**
 * SLA engine benchmark: `npm run bench:sla -- --tickets 1000000`.
 *
 * Generates the sample (accounts, Zendesk tickets, status history) with N tickets, loads it into
 * a fresh store without verdicts, then measures — each in a child process of its own (so peak
 * memory is its own), each on a COPY of the store file (no child ever measures on a file another
 * child holds):
 *   baseline 1   a bare `CREATE TABLE AS SELECT` of the ticket columns the engine reads;
 *   full         `recomputeSla(store)`: every verdict of every ticket and clock;
 *   baseline 2   the TypeScript reference (`businessSecondsBetween`) over the first-response
 *                clock of the same tickets, with the calendar the engine stored, from started_at
 *                to stopped_at (or the as-of instant) — a plain JS loop; on a large set a
 *                deterministic sample, scaled to all tickets and labelled as scaled;
 *   incremental  a further 10,000-ticket Zendesk export (another seed, another source) imported
 *                without verdicts, then `recomputeSla(store, { importId })`, against a bare copy
 *                of those tickets' columns.
 * Prints a markdown table (absolute times reported; ratios against this run's baselines) and
 * writes it to bench-results/sla-<N>.md and .json. Goals (issue 4): full recompute within 10x
 * baseline 1; at least 50x faster than the reference; incremental within 10x its bare copy.
 *
 * Options: --tickets N (1000000), --inc-tickets N (10000), --reference-sample N (20000; the
 * whole set when it has at most this many tickets), --keep (keep the temporary folder).
 * PEIL_TRACE=1 in the environment makes the children print every statement's duration.
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
		'inc-tickets': { type: 'string', default: '10000' },
		'reference-sample': { type: 'string', default: '20000' },
		child: { type: 'string' },
		db: { type: 'string' },
		dir: { type: 'string' },
		file: { type: 'string' },
		source: { type: 'string' },
		'as-of': { type: 'string' },
		'import-id': { type: 'string' },
		keep: { type: 'boolean', default: false }
	}
});

/** The ticket columns the engine reads (recompute.ts: sla_t and the scope). */
const ENGINE_COLUMNS =
	'source, external_id, account_id, created_at, first_response_at, first_response_origin, resolved_at, status, type, final_priority, language, channel, import_id';

const INC_SOURCE = 'zendesk-inc';

interface Measured {
	seconds: number;
	/** tickets measured (for the reference: tickets actually computed) */
	rows: number;
	peakRssMb: number;
	detail?: string;
	/** the reference only: tickets in the whole first-response set, and whether it was scaled */
	total?: number;
	scaled?: boolean;
	mismatches?: number;
	importId?: number;
}

function peakMb(): number {
	return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function childLoad(db: string, dir: string, asOf: string): Promise<Measured> {
	const { prepareStore } = await import('../src/lib/server/bootstrap.ts');
	const { importAccounts } = await import('../src/lib/server/accounts/accounts.ts');
	const { importFile } = await import('../src/lib/server/ingest/run-import.ts');
	const store = await prepareStore(db);
	const t0 = performance.now();
	await importAccounts(store, path.join(dir, 'accounts.csv'));
	const t = await importFile(store, {
		file: path.join(dir, 'tickets.csv'),
		source: 'zendesk',
		profile: 'zendesk',
		asOf,
		verdicts: false
	});
	// the engine reads the status history (pauses, R28 replies); time entries it does not read
	const e = await importFile(store, {
		file: path.join(dir, 'ticket-events.csv'),
		source: 'zendesk',
		profile: 'peil-events',
		asOf,
		verdicts: false
	});
	const seconds = (performance.now() - t0) / 1000;
	await store.close();
	return {
		seconds,
		rows: t.counts.tickets.inserted,
		peakRssMb: peakMb(),
		detail: `${t.counts.tickets.inserted} tickets, ${e.counts.events.inserted} status-history events`
	};
}

async function childImport(db: string, file: string, asOf: string): Promise<Measured> {
	const { Store } = await import('../src/lib/server/db/index.ts');
	const { importFile } = await import('../src/lib/server/ingest/run-import.ts');
	const store = await Store.open(db);
	// the accounts file named its organisation aliases for the source 'zendesk'; the second
	// helpdesk writes the same names, so they are registered for it too (as an accounts file would)
	await store.run(
		`INSERT INTO account_aliases SELECT $1, alias_key, alias, account_id FROM account_aliases WHERE source = 'zendesk'`,
		[INC_SOURCE]
	);
	const t0 = performance.now();
	const r = await importFile(store, {
		file,
		source: INC_SOURCE,
		profile: 'zendesk',
		asOf,
		verdicts: false
	});
	const seconds = (performance.now() - t0) / 1000;
	await store.close();
	return {
		seconds,
		rows: r.counts.tickets.inserted,
		peakRssMb: peakMb(),
		importId: r.importId,
		detail: `${r.counts.tickets.inserted} inserted, ${r.counts.tickets.rejected} rejected`
	};
}

async function childCopy(db: string, importId: number | null): Promise<Measured> {
	const { DuckDBInstance } = await import('@duckdb/node-api');
	const inst = await DuckDBInstance.create(db);
	const c = await inst.connect();
	await c.run("SET TimeZone='UTC'");
	const where = importId === null ? '' : ` WHERE import_id = ${Number(importId)}`;
	const t0 = performance.now();
	await c.run(`CREATE TABLE bench_copy AS SELECT ${ENGINE_COLUMNS} FROM tickets${where}`);
	const seconds = (performance.now() - t0) / 1000;
	const r = await c.runAndReadAll('SELECT count(*) AS n FROM bench_copy');
	const rows = Number(r.getRows()[0][0]);
	c.closeSync();
	inst.closeSync();
	return { seconds, rows, peakRssMb: peakMb() };
}

async function childRecompute(db: string, importId: number | null): Promise<Measured> {
	const { Store } = await import('../src/lib/server/db/index.ts');
	const { recomputeSla } = await import('../src/lib/server/sla/recompute.ts');
	const store = await Store.open(db);
	const t0 = performance.now();
	const r = await recomputeSla(store, importId === null ? {} : { importId });
	const seconds = (performance.now() - t0) / 1000;
	const v = await store.all(
		`SELECT verdict, count(*) AS n FROM ticket_sla${importId === null ? '' : ` WHERE source = '${INC_SOURCE}'`} GROUP BY 1 ORDER BY 2 DESC`
	);
	await store.close();
	return {
		seconds,
		rows: r.tickets,
		peakRssMb: peakMb(),
		detail: `${r.rows} verdicts (${v.map((x) => `${x.verdict} ${x.n}`).join(', ')})`
	};
}

async function childReference(db: string, sample: number): Promise<Measured> {
	const { Store } = await import('../src/lib/server/db/index.ts');
	const { loadCalendars } = await import('../src/lib/server/sla/recompute.ts');
	const { businessSecondsBetween } = await import('../src/lib/domain/calendar.ts');
	const store = await Store.open(db);
	const calendars = await loadCalendars(store);
	const where = `clock = 'first_response' AND calendar_id IS NOT NULL AND started_at IS NOT NULL AND COALESCE(stopped_at, as_of) IS NOT NULL`;
	const total = Number((await store.one(`SELECT count(*) AS n FROM ticket_sla WHERE ${where}`))?.n);
	const scaled = total > sample;
	// a deterministic sample: the same tickets every run
	const rows = await store.all(
		`SELECT calendar_id, started_at, COALESCE(stopped_at, as_of) AS end_at, business_s + paused_s AS gross_s
		 FROM ticket_sla WHERE ${where}${scaled ? ` ORDER BY hash(source, external_id) LIMIT ${sample}` : ''}`
	);
	await store.close();
	const cals = rows.map((r) => calendars.get(String(r.calendar_id))!);
	const from = rows.map((r) => new Date(String(r.started_at)));
	const to = rows.map((r) => new Date(String(r.end_at)));
	const out = new Float64Array(rows.length);
	const t0 = performance.now();
	for (let i = 0; i < rows.length; i++) out[i] = businessSecondsBetween(cals[i], from[i], to[i]);
	const seconds = (performance.now() - t0) / 1000;
	let mismatches = 0;
	for (let i = 0; i < rows.length; i++)
		if (rows[i].gross_s !== null && Math.abs(out[i] - Number(rows[i].gross_s)) > 0.5) mismatches++;
	return {
		seconds: scaled ? (seconds * total) / rows.length : seconds,
		rows: rows.length,
		total,
		scaled,
		mismatches,
		peakRssMb: peakMb(),
		detail: scaled
			? `measured ${seconds.toFixed(2)} s over a sample of ${rows.length.toLocaleString('en')}, scaled x${(total / rows.length).toFixed(1)}`
			: `all ${rows.length.toLocaleString('en')} first-response clocks`
	};
}

if (values.child) {
	const id = values['import-id'] === undefined ? null : Number(values['import-id']);
	let m: Measured;
	switch (values.child) {
		case 'load':
			m = await childLoad(values.db!, values.dir!, values['as-of']!);
			break;
		case 'import':
			m = await childImport(values.db!, values.file!, values['as-of']!);
			break;
		case 'copy':
			m = await childCopy(values.db!, id);
			break;
		case 'recompute':
			m = await childRecompute(values.db!, id);
			break;
		case 'reference':
			m = await childReference(values.db!, Number(values['reference-sample']));
			break;
		default:
			throw new Error(`unknown child ${values.child}`);
	}
	process.stdout.write(JSON.stringify(m) + '\n');
	process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The parent: generate, load, copy, measure, report.

const tickets = Number(values.tickets);
const incTickets = Number(values['inc-tickets']);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'peil-bench-sla-'));
const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const { generateSample } = await import('../src/lib/server/sample/generate.ts');

log(`generating ${tickets} tickets (with accounts and status history) in ${work} …`);
const sampleDir = path.join(work, 'sample');
const gen = await generateSample({ tickets, outDir: sampleDir });
log(`generating a further ${incTickets} tickets (seed 2, source ${INC_SOURCE}) …`);
const incGen = await generateSample({
	tickets: incTickets,
	outDir: path.join(work, 'inc'),
	seed: 2,
	ticketsOnly: true
});

function child(kind: string, args: string[]): Measured {
	const res = spawnSync(
		process.execPath,
		['--import', 'tsx', here, '--child', kind, ...args],
		// the children's trace (PEIL_TRACE=1) and errors go to our stderr as they happen
		{ encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] }
	);
	if (res.status !== 0) throw new Error(`${kind} failed (exit ${res.status})`);
	return JSON.parse(res.stdout.trim().split('\n').pop()!) as Measured;
}

/** A copy of a store file (and its write-ahead log, if one was left), for one child alone. */
function copyStore(from: string, name: string): string {
	const to = path.join(work, `${name}.duckdb`);
	fs.copyFileSync(from, to);
	if (fs.existsSync(from + '.wal')) fs.copyFileSync(from + '.wal', to + '.wal');
	return to;
}

function dropStore(file: string): void {
	fs.rmSync(file, { force: true });
	fs.rmSync(file + '.wal', { force: true });
}

const base = path.join(work, 'base.duckdb');
log('loading accounts, tickets and status history into a fresh store (verdicts: false) …');
const load = child('load', ['--db', base, '--dir', sampleDir, '--as-of', gen.asOf]);
log(`loaded in ${load.seconds.toFixed(1)} s: ${load.detail}`);

log('baseline 1: bare CREATE TABLE AS SELECT of the engine’s ticket columns …');
let db = copyStore(base, 'baseline');
const baseline = child('copy', ['--db', db]);
dropStore(db);

log('full recompute: recomputeSla(store) …');
const full = copyStore(base, 'full');
const engine = child('recompute', ['--db', full]);
dropStore(base);

log('baseline 2: the TypeScript reference over the first-response clocks …');
db = copyStore(full, 'reference');
const reference = child('reference', [
	'--db',
	db,
	'--reference-sample',
	String(values['reference-sample'])
]);
dropStore(db);

log(`incremental: importing ${incTickets} more tickets (verdicts: false) …`);
const inc = copyStore(full, 'inc');
dropStore(full);
const imported = child('import', [
	'--db',
	inc,
	'--file',
	incGen.files.tickets,
	'--as-of',
	incGen.asOf
]);
const importId = String(imported.importId);
log(`imported in ${imported.seconds.toFixed(1)} s (import ${importId}): ${imported.detail}`);
db = copyStore(inc, 'inc-baseline');
const incBaseline = child('copy', ['--db', db, '--import-id', importId]);
dropStore(db);
db = copyStore(inc, 'inc-recompute');
const incremental = child('recompute', ['--db', db, '--import-id', importId]);
dropStore(db);
dropStore(inc);

const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
const n = (v: number) => v.toLocaleString('en');
const perS = (rows: number, s: number) => n(Math.round(rows / s));
const fullRatio = engine.seconds / baseline.seconds;
const refRatio = reference.seconds / engine.seconds;
const incRatio = incremental.seconds / incBaseline.seconds;
const refTickets = reference.total ?? reference.rows;
const table = [
	`SLA benchmark: ${n(tickets)} tickets (sample generator, seed 1; ${load.detail}), ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
	'',
	'| run | tickets | seconds | tickets/s | peak memory (MB) | ratio |',
	'| --- | ---: | ---: | ---: | ---: | ---: |',
	`| baseline 1: bare CREATE TABLE AS SELECT of the 13 ticket columns the engine reads | ${n(baseline.rows)} | ${baseline.seconds.toFixed(2)} | ${perS(baseline.rows, baseline.seconds)} | ${baseline.peakRssMb} | 1.00x |`,
	`| Peil full recompute (recomputeSla: every ticket, every clock) | ${n(engine.rows)} | ${engine.seconds.toFixed(2)} | ${perS(engine.rows, engine.seconds)} | ${engine.peakRssMb} | ${x(engine.seconds, baseline.seconds)} baseline 1 |`,
	`| baseline 2: TypeScript reference, businessSecondsBetween per first-response clock${reference.scaled ? ` (SCALED from a sample of ${n(reference.rows)})` : ''} | ${n(refTickets)} | ${reference.seconds.toFixed(2)}${reference.scaled ? ' (scaled)' : ''} | ${perS(refTickets, reference.seconds)} | ${reference.peakRssMb} | ${refRatio.toFixed(1)}x the engine's time |`,
	`| incremental baseline: bare CREATE TABLE AS SELECT of the ${n(incBaseline.rows)} new tickets' columns | ${n(incBaseline.rows)} | ${incBaseline.seconds.toFixed(3)} | ${perS(incBaseline.rows, incBaseline.seconds)} | ${incBaseline.peakRssMb} | 1.00x |`,
	`| Peil incremental recompute (recomputeSla with the import's id) | ${n(incremental.rows)} | ${incremental.seconds.toFixed(3)} | ${perS(incremental.rows, incremental.seconds)} | ${incremental.peakRssMb} | ${x(incremental.seconds, incBaseline.seconds)} incremental baseline |`,
	'',
	`Goals: full recompute within 10x baseline 1 — measured ${fullRatio.toFixed(2)}x (${fullRatio <= 10 ? 'met' : 'NOT met'}); ` +
		`at least 50x faster than the reference — measured ${refRatio.toFixed(1)}x (${refRatio >= 50 ? 'met' : 'NOT met'}); ` +
		`incremental within 10x its bare copy — measured ${incRatio.toFixed(2)}x (${incRatio <= 10 ? 'met' : 'NOT met'}).`,
	'',
	`Full recompute: ${engine.detail}. Incremental: ${incremental.detail}. Reference: ${reference.detail}; ` +
		`it disagreed with the engine's gross business seconds (business_s + paused_s) on ${reference.mismatches} of ${n(reference.rows)} clocks. ` +
		`The reference's time is the loop alone (reading the rows is not counted); the engine's includes everything (both clocks, pauses, due instants, the write).`
].join('\n');
process.stdout.write(table + '\n');
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync(`bench-results/sla-${tickets}.md`, table + '\n');
fs.writeFileSync(
	`bench-results/sla-${tickets}.json`,
	JSON.stringify(
		{
			tickets,
			cores: os.cpus().length,
			node: process.version,
			date: new Date().toISOString(),
			load,
			baseline,
			full: engine,
			reference,
			import: imported,
			incrementalBaseline: incBaseline,
			incremental,
			ratios: {
				fullVsBaseline: fullRatio,
				referenceVsEngine: refRatio,
				incrementalVsBaseline: incRatio
			}
		},
		null,
		2
	) + '\n'
);
if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
