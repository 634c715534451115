/**
 * Load benchmark: `npm run bench:load`.
 *
 * Builds the server (`vite build`) and starts it on loopback with a fresh
 * store holding the sample (--tickets, 100,000 by default), signs in 50 people (--clients), and
 * drives the compliance overview with autocannon, bounded in time, in two phases of --duration
 * seconds (30): first alone (the baseline), then while an import of a further --import tickets
 * (50,000) runs through the import API. Every request carries its own signed-in session.
 * Reports requests/s, p50/p95/p99 latency, errors and non-2xx answers for both phases, the
 * import's own time, and checks afterwards — on the store itself, with the server stopped —
 * that every row the import reported is there. Prints a markdown table and writes
 * bench-results/load.md and .json. Goal (issue 8): no errors, every imported row present.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
	options: {
		tickets: { type: 'string', default: '100000' },
		import: { type: 'string', default: '50000' },
		clients: { type: 'string', default: '50' },
		duration: { type: 'string', default: '30' },
		keep: { type: 'boolean', default: false }
	}
});
const tickets = Number(values.tickets);
const importTickets = Number(values.import);
const clients = Number(values.clients);
const duration = Number(values.duration);
const ROOT = path.resolve(import.meta.dirname, '..');
const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);

// the server measured is the code as it is now
log('building the server …');
execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'peil-bench-load-'));
const db = path.join(work, 'peil.duckdb');
const dataDir = path.join(work, 'data');
for (const d of ['policies', 'calendars', 'rates'])
	fs.cpSync(path.join(ROOT, 'data', d), path.join(dataDir, d), { recursive: true });

const { generateSample } = await import('../src/lib/server/sample/generate.ts');
log(`generating the file to import during the load (${importTickets} tickets) …`);
const extra = await generateSample({
	tickets: importTickets,
	outDir: path.join(work, 'import'),
	seed: 8,
	ticketsOnly: true
});

const port = await new Promise<number>((resolve) => {
	const s = net.createServer().listen(0, '127.0.0.1', () => {
		const p = (s.address() as net.AddressInfo).port;
		s.close(() => resolve(p));
	});
});
const base = `http://127.0.0.1:${port}`;
log(`starting the server with a sample of ${tickets} tickets …`);
const server = spawn(process.execPath, ['scripts/serve.js'], {
	cwd: ROOT,
	env: {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: base,
		PEIL_DB: db,
		PEIL_DATA_DIR: dataDir,
		PEIL_SAMPLE_TICKETS: String(tickets)
	},
	stdio: ['ignore', 'pipe', 'pipe']
});
let serverLog = '';
server.stdout.on('data', (d) => (serverLog += String(d)));
server.stderr.on('data', (d) => (serverLog += String(d)));
const stopServer = async () => {
	if (server.exitCode !== null) return;
	const stopped = new Promise((r) => server.once('exit', r));
	server.kill('SIGTERM');
	await stopped;
};
process.once('exit', () => server.kill('SIGKILL'));

for (const until = Date.now() + 30 * 60_000; ;) {
	if (server.exitCode !== null) throw new Error(`The server stopped:\n${serverLog}`);
	try {
		if ((await fetch(`${base}/api/health`)).ok) break;
	} catch {
		// not listening yet
	}
	if (Date.now() > until) throw new Error(`The server did not start:\n${serverLog}`);
	await new Promise((r) => setTimeout(r, 500));
}
const token = (JSON.parse(fs.readFileSync(`${db}.server.json`, 'utf8')) as { token: string }).token;
const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

log(`signing in ${clients} people …`);
const cookies: string[] = [];
for (let i = 0; i < clients; i++) {
	const email = `load-${i}@peil.test`;
	const password = randomBytes(18).toString('base64url');
	const made = await fetch(`${base}/api/users`, {
		method: 'POST',
		headers: admin,
		body: JSON.stringify({ email, role: i % 2 ? 'viewer' : 'csm', password })
	});
	if (!made.ok) throw new Error(`adding ${email}: ${made.status} ${await made.text()}`);
	if (i % 2 === 0) {
		// a csm sees the accounts assigned: give each all of them, so every page does the same work
		const accounts = fs
			.readFileSync(path.join(dataDir, 'sample/accounts.csv'), 'utf8')
			.split('\n')
			.slice(1)
			.filter(Boolean)
			.map((l) => l.split(',')[0]);
		await fetch(`${base}/api/users/${encodeURIComponent(email)}`, {
			method: 'PATCH',
			headers: admin,
			body: JSON.stringify({ accounts })
		});
	}
	const res = await fetch(`${base}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: base,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams({ name: email, password })
	});
	const cookie = /peil_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
	if (!cookie) throw new Error(`signing in ${email}: ${res.status}`);
	cookies.push(cookie);
}

interface Phase {
	name: string;
	requests: number;
	perSecond: number;
	p50: number;
	p95: number;
	p99: number;
	errors: number;
	timeouts: number;
	non2xx: number;
}

function quantile(xs: number[], q: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
}

/** `clients` connections, each with its own session, on the overview for `duration` seconds. */
async function drive(name: string): Promise<Phase> {
	const times: number[] = [];
	let finish: (r: autocannon.Result) => void = () => {};
	let fail: (e: unknown) => void = () => {};
	const done = new Promise<autocannon.Result>((resolve, reject) => {
		finish = resolve;
		fail = reject;
	});
	const instance = autocannon(
		{
			url: `${base}/compliance`,
			connections: clients,
			duration,
			timeout: 30,
			requests: [
				{
					method: 'GET',
					setupRequest: (req, context) => {
						// each connection goes on as one of the signed-in people, in turn
						const ctx = context as { n?: number };
						ctx.n = (ctx.n ?? Math.floor(Math.random() * clients)) + 1;
						req.headers = { ...req.headers, accept: 'text/html', cookie: cookies[ctx.n % clients] };
						return req;
					}
				}
			]
		},
		(err, result) => (err ? fail(err) : finish(result))
	);
	instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
	const r = await done;
	return {
		name,
		requests: r.requests.total,
		perSecond: r.requests.total / duration,
		p50: quantile(times, 0.5),
		p95: quantile(times, 0.95),
		p99: quantile(times, 0.99),
		errors: r.errors,
		timeouts: r.timeouts,
		non2xx: r.non2xx
	};
}

log('warming up …');
await fetch(`${base}/compliance`, { headers: { cookie: cookies[0] } }).then((r) => r.text());
log(`phase 1: ${clients} clients on /compliance for ${duration} s, nothing else running …`);
const alone = await drive('overview alone (baseline)');

log(`phase 2: the same while ${importTickets} tickets are imported …`);
const started = performance.now();
let importMs = 0;
const upload = fetch(`${base}/api/imports?source=zendesk-load&profile=zendesk&name=load.csv`, {
	method: 'POST',
	headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
	body: fs.readFileSync(extra.files.tickets)
}).then(async (r) => {
	importMs = performance.now() - started;
	if (!r.ok) throw new Error(`the import failed: ${r.status} ${await r.text()}`);
	return (await r.json()) as {
		importId: number;
		counts: { tickets: { read: number; inserted: number; rejected: number } };
	};
});
const during = await drive('overview while an import runs');
const report = await upload;
await stopServer();

log('checking the imported rows on the store …');
const { Store } = await import('../src/lib/server/db/index.ts');
const store = await Store.open(db);
const stored = Number(
	(await store.one(`SELECT count(*) AS n FROM tickets WHERE source = 'zendesk-load'`))?.n
);
const verdicts = Number(
	(
		await store.one(
			`SELECT count(DISTINCT external_id) AS n FROM ticket_sla WHERE source = 'zendesk-load'`
		)
	)?.n
);
await store.close();
const c = report.counts.tickets;
const rowsOk =
	stored === c.inserted && c.inserted + c.rejected === c.read && c.read === importTickets;

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const lines = [
	`${clients} signed-in clients on /compliance (the overview) for ${duration} s each phase; store: sample of ${tickets.toLocaleString('en')} tickets; ${os.cpus().length} cores`,
	'',
	'| phase | requests | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | errors | timeouts | non-2xx |',
	'| --- | --: | --: | --: | --: | --: | --: | --: | --: |',
	...[alone, during].map(
		(p) =>
			`| ${p.name} | ${p.requests} | ${p.perSecond.toFixed(1)} | ${fmt(p.p50)} | ${fmt(p.p95)} | ${fmt(p.p99)} | ${p.errors} | ${p.timeouts} | ${p.non2xx} |`
	),
	'',
	`p50 during the import vs alone: ${(during.p50 / alone.p50).toFixed(2)}x; requests/s: ${(during.perSecond / alone.perSecond).toFixed(2)}x`,
	`import of ${importTickets.toLocaleString('en')} tickets during the load: ${(importMs / 1000).toFixed(1)} s; read ${c.read}, inserted ${c.inserted}, rejected ${c.rejected}; in the store afterwards: ${stored} tickets, ${verdicts} with verdicts — ${rowsOk ? 'all there' : 'MISSING ROWS'}`,
	`goal: no errors and every imported row there — ${alone.errors + during.errors + alone.non2xx + during.non2xx === 0 && rowsOk ? 'met' : 'NOT MET'}`
];
const table = lines.join('\n');
process.stdout.write(table + '\n');
fs.mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench-results/load.md'), table + '\n');
fs.writeFileSync(
	path.join(ROOT, 'bench-results/load.json'),
	JSON.stringify(
		{
			tickets,
			importTickets,
			clients,
			duration,
			alone,
			during,
			importMs,
			report,
			stored,
			verdicts,
			rowsOk
		},
		null,
		2
	) + '\n'
);
if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
process.exit(rowsOk && alone.errors + during.errors === 0 ? 0 : 1);
