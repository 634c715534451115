/**
 * Page data benchmark: `npm run bench:pages -- --tickets 1000000`.
 *
 * Generates the sample with N tickets (accounts, Zendesk tickets, status history, time entries), loads it and
 * judges every ticket, then times the server-side data of the pages — what their `load` functions
 * and endpoints run, without HTTP — each repeated (`--runs`, after one warm-up), p50 and p95,
 * beside a baseline from the same run: a bare scan that reads the same columns of the same rows
 * (a `SELECT` of sums over them, no join, no grouping):
 *   overview           /compliance for the default period (splits, trend, histogram, at-risk,
 *                      filter choices, the missed tickets' first rows)
 *   filtered overview  the same with a tier and a priority chosen
 *   list, first page   /compliance/tickets behind the missed figure: 50 rows and the total
 *   ticket timeline    /tickets/[source]/[id]: the explanation of one ticket
 *   training           /training for the last complete month (signals, repeat askers, trend)
 *   review, portfolio  /accounts/[id]/review/[month] of the busiest account, /reviews/[month]
 *   Arrow stream       the whole list behind a figure of about 100k tickets, every byte of it
 *   billing            /billing/[month] for the last complete month (every time entry classified
 *                      and priced, needs-a-person, invoice lines and adjustments), as requests see
 *                      it (kept until the data changes), and its first request after a change
 *                      (everything classified afresh)
 *   month export       the invoice lines of the largest account-month (the most time entries of an
 *                      account charged in that month), as the export route writes them: CSV, and
 *                      XLSX with a sheet per account; the CSV also as the first request after a change
 * Goals (issues 5, 6 and 7): each page's data within 3x its baseline; the 100k Arrow stream and the
 * month export within 1 s of their baselines. Prints a markdown table and writes bench-results/pages-<N>.md and .json.
 *
 * Options: --tickets N (1000000), --runs N (15), --keep (keep the temporary folder), --store
 * <folder> (measure again on a kept folder; --tickets then only labels the table).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
	options: {
		tickets: { type: 'string', default: '1000000' },
		runs: { type: 'string', default: '15' },
		keep: { type: 'boolean', default: false },
		store: { type: 'string' }
	}
});
const tickets = Number(values.tickets);
const runs = Number(values.runs);
// --store <folder>: measure on a folder a run with --keep left (its peil.duckdb), skipping the load
const work = values.store ?? fs.mkdtempSync(path.join(os.tmpdir(), 'peil-bench-pages-'));
const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);

const { generateSample } = await import('../src/lib/server/sample/generate.ts');
const { prepareStore } = await import('../src/lib/server/bootstrap.ts');
const { importAccounts } = await import('../src/lib/server/accounts/accounts.ts');
const { importFile } = await import('../src/lib/server/ingest/run-import.ts');
const { recomputeSla } = await import('../src/lib/server/sla/recompute.ts');
const { explainTicket } = await import('../src/lib/server/sla/explain.ts');
const { ALL_ACCOUNTS } = await import('../src/lib/server/scope.ts');
const c = await import('../src/lib/server/reports/compliance.ts');
const { arrowStream } = await import('../src/lib/server/export/arrow.ts');

const store = await prepareStore(path.join(work, 'peil.duckdb'));
if (!values.store) {
	log(`generating ${tickets} tickets in ${work} …`);
	const sampleDir = path.join(work, 'sample');
	const gen = await generateSample({ tickets, outDir: sampleDir });
	log('loading accounts, tickets, status history and time entries …');
	await importAccounts(store, path.join(sampleDir, 'accounts.csv'));
	for (const [file, profile] of [
		['tickets.csv', 'zendesk'],
		['ticket-events.csv', 'peil-events'],
		['time-entries.csv', 'peil-time-entries']
	] as const)
		await importFile(store, {
			file: path.join(sampleDir, file),
			source: 'zendesk',
			profile,
			asOf: gen.asOf,
			verdicts: false
		});
	log('judging every ticket …');
	await recomputeSla(store);
	await store.withWriter((conn) => conn.run('CHECKPOINT'));
}

interface Row {
	name: string;
	detail: string;
	p50: number;
	p95: number;
	base50: number;
	base95: number;
	goal: string;
	met: boolean;
}

function quantile(xs: number[], q: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

/** Times `page` and `baseline` alternately (so both see the same machine), after a warm-up. */
async function measure(
	page: () => Promise<unknown>,
	baseline: () => Promise<unknown>
): Promise<{ p50: number; p95: number; base50: number; base95: number }> {
	await page();
	await baseline();
	const a: number[] = [];
	const b: number[] = [];
	for (let i = 0; i < runs; i++) {
		let t = performance.now();
		await baseline();
		b.push(performance.now() - t);
		t = performance.now();
		await page();
		a.push(performance.now() - t);
	}
	return {
		p50: quantile(a, 0.5),
		p95: quantile(a, 0.95),
		base50: quantile(b, 0.5),
		base95: quantile(b, 0.95)
	};
}

/**
 * The bare scan of the columns the compliance overview reads, over the same rows: the verdicts of
 * the trend window (the splits, targets and at-risk candidates) and the tickets' keys (the
 * at-risk subjects are looked up by them).
 */
function scanBaseline(f: import('../src/lib/server/reports/compliance.ts').ComplianceFilters) {
	const { from, to } = c.periodDates(f);
	const trendFrom = `${c.addMonths(f.to, -(c.TREND_MONTHS - 1))}-01`;
	return async () => {
		await store.all(
			`SELECT count(*), sum(s.target_s), sum(s.business_s), count(s.verdict), count(s.priority), count(s.tier),
			   count(s.language), count(s.created_local_date), count(s.account_id), count(s.channel), count(s.due_at),
			   count(s.as_of), count(s.calendar_id), count(s.source), count(s.external_id)
			 FROM ticket_sla s WHERE s.clock = 'first_response' AND s.created_local_date >= $1::DATE AND s.created_local_date < $2::DATE`,
			[from < trendFrom ? from : trendFrom, to]
		);
		await store.all(`SELECT count(t.source), count(t.external_id) FROM tickets t`);
	};
}

const rows: Row[] = [];
const dm = await c.defaultMonth(store, ALL_ACCOUNTS);
const overviewFilters = c.parseFilters(new URLSearchParams(), dm);
const overview = async (f: typeof overviewFilters) => {
	await Promise.all([
		c.complianceView(store, ALL_ACCOUNTS, f),
		c.filterOptions(store, ALL_ACCOUNTS),
		c.listPage(
			store,
			ALL_ACCOUNTS,
			{ ...f, verdict: 'missed', bin: null, sort: 'ratio', dir: 'desc' },
			1
		)
	]);
};
log(`timing the overview (${dm}) …`);
let m = await measure(() => overview(overviewFilters), scanBaseline(overviewFilters));
rows.push({
	name: 'overview',
	detail: `period ${dm}`,
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});

const filtered = c.parseFilters(new URLSearchParams(`from=${dm}&tier=Premium&priority=P2`), dm);
log('timing a filtered overview …');
m = await measure(() => overview(filtered), scanBaseline(filtered));
rows.push({
	name: 'filtered overview',
	detail: 'tier Premium, priority P2',
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});

const missedList = c.parseListFilters(
	new URLSearchParams(`from=${dm}&verdict=missed&sort=ratio`),
	dm
);
const total = (await c.listPage(store, ALL_ACCOUNTS, missedList, 1)).total;
log('timing the first page of a list …');
m = await measure(
	() => c.listPage(store, ALL_ACCOUNTS, missedList, 1),
	() => {
		const { from, to } = c.periodDates(missedList);
		return store.all(
			`SELECT count(*), sum(s.business_s), sum(s.target_s), count(s.verdict), count(s.priority), count(s.tier), count(s.due_at), count(s.stopped_at)
			 FROM ticket_sla s WHERE s.clock = 'first_response' AND s.created_local_date >= $1::DATE AND s.created_local_date < $2::DATE`,
			[from, to]
		);
	}
);
rows.push({
	name: 'list behind the missed figure, first page',
	detail: `50 of ${total.toLocaleString('en')}`,
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});

const one = await store.one(
	`SELECT s.source, s.external_id FROM ticket_sla s WHERE s.clock = 'resolution' AND s.paused_s > 0 ORDER BY s.external_id LIMIT 1`
);
const [src, id] = [String(one?.source), String(one?.external_id)];
log(`timing one ticket's timeline (${src}/${id}) …`);
m = await measure(
	() => explainTicket(store, src, id),
	async () => {
		await store.all(
			`SELECT count(*), sum(epoch(t.created_at)), count(t.subject), count(t.account_id) FROM tickets t WHERE t.source = $1 AND t.external_id = $2`,
			[src, id]
		);
		await store.all(
			`SELECT count(*), sum(s.business_s), count(s.verdict) FROM ticket_sla s WHERE s.source = $1 AND s.external_id = $2`,
			[src, id]
		);
		await store.all(
			`SELECT count(*), sum(epoch(e.at)), count(e.kind) FROM ticket_events e WHERE e.source = $1 AND e.ticket_id = $2`,
			[src, id]
		);
	}
);
rows.push({
	name: "one ticket's timeline",
	detail: `${src}/${id}`,
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});

const { trainingView } = await import('../src/lib/server/reports/training.ts');
const trainingPeriod = { from: dm, to: dm };
log(`timing the training page (${dm}) …`);
m = await measure(
	() => trainingView(store, ALL_ACCOUNTS, trainingPeriod),
	async () => {
		// the columns it reads: the period's verdicts (and three earlier periods for the trend) and
		// the tickets' account, type, category, tags and requester
		const lo = `${c.addMonths(dm, -3)}-01`;
		const hi = `${c.addMonths(dm, 1)}-01`;
		await store.all(
			`SELECT count(*), count(s.source), count(s.external_id), count(s.created_local_date) FROM ticket_sla s
			 WHERE s.clock = 'first_response' AND s.created_local_date >= $1::DATE AND s.created_local_date < $2::DATE`,
			[lo, hi]
		);
		await store.all(
			`SELECT count(t.source), count(t.external_id), count(t.account_id), count(t.type), count(t.category), count(t.tags),
			   count(t.requester_email), count(t.requester_name), count(t.missing_fields) FROM tickets t`
		);
	}
);
rows.push({
	name: 'training page',
	detail: `period ${dm}`,
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});

const { reviewData, portfolio } = await import('../src/lib/server/reports/review.ts');
// the account with the most tickets in the month: the largest review
const biggest = await store.one(
	`SELECT account_id, count(*) AS n FROM ticket_sla WHERE clock = 'first_response' AND account_id IS NOT NULL
	   AND created_local_date >= $1::DATE AND created_local_date < $2::DATE GROUP BY account_id ORDER BY n DESC LIMIT 1`,
	[`${dm}-01`, `${c.addMonths(dm, 1)}-01`]
);
const reviewAccount = String(biggest?.account_id);
/** What a review and the portfolio read: two years of verdicts (trend, last year) and the tickets' fields. */
const reviewBaseline = (accountId: string | null) => async () => {
	const lo = `${c.addMonths(dm, -12)}-01`;
	const hi = `${c.addMonths(dm, 1)}-01`;
	await store.all(
		`SELECT count(*), sum(s.business_s), sum(s.target_s), count(s.verdict), count(s.priority), count(s.tier), count(s.clock),
		   count(s.created_local_date), count(s.source), count(s.external_id), count(s.policy_id), count(s.account_id)
		 FROM ticket_sla s WHERE s.created_local_date >= $1::DATE AND s.created_local_date < $2::DATE
		   AND ($3::VARCHAR IS NULL OR s.account_id = $3)`,
		[lo, hi, accountId]
	);
	await store.all(
		`SELECT count(t.source), count(t.external_id), count(t.account_id), count(t.type), count(t.category), count(t.channel),
		   count(t.language), count(t.submitted_priority), count(t.final_priority), count(t.phone_pin_valid),
		   count(t.requester_email), count(t.line), count(t.tags) FROM tickets t WHERE ($1::VARCHAR IS NULL OR t.account_id = $1)`,
		[accountId]
	);
};
log(`timing the operational review (${reviewAccount}, ${dm}) …`);
m = await measure(
	() => reviewData(store, ALL_ACCOUNTS, reviewAccount, dm),
	reviewBaseline(reviewAccount)
);
rows.push({
	name: 'operational review',
	detail: `${reviewAccount}, ${dm} (${Number(biggest?.n).toLocaleString('en')} tickets)`,
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});
log(`timing the portfolio (${dm}) …`);
m = await measure(() => portfolio(store, ALL_ACCOUNTS, dm, null), reviewBaseline(null));
rows.push({
	name: 'portfolio of reviews',
	detail: `every account, ${dm}`,
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});

// the months, newest first, until the list holds about 100k tickets
const months = (await c.filterOptions(store, ALL_ACCOUNTS)).months.filter((x) => x <= dm);
let from = dm;
let listTotal = 0;
for (const month of months) {
	from = month;
	const f = c.parseListFilters(new URLSearchParams(`from=${from}&to=${dm}`), dm);
	listTotal = (await c.listPage(store, ALL_ACCOUNTS, f, 1)).total;
	if (listTotal >= 100_000) break;
}
let bigList = c.parseListFilters(new URLSearchParams(`from=${from}&to=${dm}`), dm);
// whole months overshoot: the met tickets of the same months may come closer to 100k
const metOnly = c.parseListFilters(new URLSearchParams(`from=${from}&to=${dm}&verdict=met`), dm);
const metTotal = (await c.listPage(store, ALL_ACCOUNTS, metOnly, 1)).total;
if (Math.abs(metTotal - 100_000) < Math.abs(listTotal - 100_000)) {
	bigList = metOnly;
	listTotal = metTotal;
}
const columns = c.LIST_COLUMNS.map((x) => ({
	key: x.key,
	type: x.type === 'text' ? ('text' as const) : ('number' as const)
}));
let bytes = 0;
log(
	`timing the Arrow stream of ${listTotal} tickets (${from} – ${dm}, verdict ${bigList.verdict}) …`
);
m = await measure(
	async () => {
		const stream = arrowStream(c.listChunks(store, ALL_ACCOUNTS, bigList), columns);
		bytes = 0;
		for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>)
			bytes += chunk.byteLength;
	},
	() => {
		const { from: a, to: b } = c.periodDates(bigList);
		return store.all(
			`SELECT count(*), sum(s.business_s), sum(s.target_s), sum(epoch(s.due_at)), sum(epoch(s.stopped_at)), count(s.verdict), count(s.priority),
			   count(s.tier), count(s.language), count(s.excluded_reason), count(s.source), count(s.external_id)
			 FROM ticket_sla s WHERE s.clock = 'first_response' AND s.created_local_date >= $1::DATE AND s.created_local_date < $2::DATE
			   AND ($3 = 'all' OR s.verdict = $3)`,
			[a, b, bigList.verdict]
		);
	}
);
rows.push({
	name: 'Arrow stream of the list, every byte',
	detail: `${listTotal.toLocaleString('en')} tickets (${bigList.verdict === 'met' ? 'met, ' : ''}${from} – ${dm}), ${(bytes / 1e6).toFixed(1)} MB`,
	...m,
	goal: '≤ baseline + 1 s',
	met: m.p50 <= m.base50 + 1000
});

const { billingMonth, forgetKept } = await import('../src/lib/server/billing/billing.ts');
const { invoiceTables } = await import('../src/lib/server/billing/export.ts');
const { tableToCsv, tableToXlsx } = await import('../src/lib/server/export/table-export.ts');
/**
 * What the billing of a month reads, as bare scans: the time entries' columns of the month (a day
 * either side, as the page selects them), the tickets' fields it reads (type, priority, category,
 * tags, subject; of one account's tickets for an account-month), the tier history and both kinds
 * of corrections.
 */
const billingBaseline = (month: string, accountId: string | null) => async () => {
	const lo = new Date(Date.parse(`${month}-01T00:00:00Z`) - 86_400_000).toISOString();
	const hi = new Date(
		Date.parse(`${c.addMonths(month, 1)}-01T00:00:00Z`) + 86_400_000
	).toISOString();
	await store.all(
		`SELECT count(*), sum(te.minutes), sum(epoch(te.started_at)), count(te.source), count(te.external_id), count(te.ticket_id),
		   count(te.work_type), count(te.billable), count(te.on_site), count(te.order_reference)
		 FROM time_entries te WHERE te.started_at >= $1::TIMESTAMPTZ AND te.started_at < $2::TIMESTAMPTZ`,
		[lo, hi]
	);
	await store.all(
		`SELECT count(t.source), count(t.external_id), count(t.account_id), count(t.type), count(t.final_priority),
		   count(t.category), count(t.tags), count(t.subject) FROM tickets t WHERE ($1::VARCHAR IS NULL OR t.account_id = $1)`,
		[accountId]
	);
	await store.all(
		`SELECT count(*), count(account_id), count(effective_from), count(tier) FROM tier_history`
	);
	await store.all(
		`SELECT count(*), count(source), count(entry_id), count(field), count(value), count(corrected_at) FROM time_entry_corrections`
	);
	await store.all(
		`SELECT count(*), count(source), count(external_id), count(field), count(value), count(corrected_at) FROM ticket_corrections`
	);
};
const monthEntries = await store.one(
	`SELECT count(*) AS n FROM time_entries WHERE started_at >= $1::TIMESTAMPTZ AND started_at < $2::TIMESTAMPTZ`,
	[`${dm}-01T00:00:00Z`, `${c.addMonths(dm, 1)}-01T00:00:00Z`]
);
log(`timing the billing page (${dm}) …`);
let billed = 0;
let billedAccounts: string[] = [];
m = await measure(
	async () => {
		const month = await billingMonth(store, ALL_ACCOUNTS, dm);
		billed = month.invoiceLines.length;
		billedAccounts = [...new Set(month.invoiceLines.map((l) => l.accountId))];
	},
	billingBaseline(dm, null)
);
rows.push({
	name: 'billing page',
	detail: `${dm}: ${Number(monthEntries?.n).toLocaleString('en')} time entries, ${billed.toLocaleString('en')} invoice lines`,
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});

// the first request after a change (an import, a correction, a rate): the month classified afresh
log(`timing the billing page's first request after a change (${dm}) …`);
m = await measure(
	async () => {
		forgetKept(store);
		await billingMonth(store, ALL_ACCOUNTS, dm);
	},
	billingBaseline(dm, null)
);
rows.push({
	name: 'billing page, first request after a change',
	detail: `${dm}: every time entry of the month classified afresh, once per change`,
	...m,
	goal: '≤ 3x',
	met: m.p50 <= 3 * m.base50
});

// the largest account-month: the most time entries of one account in one complete month, of the
// accounts charged in the billing month (an account whose work is all included exports no lines)
const charged = billedAccounts.length
	? `t.account_id IN (${billedAccounts.map((_, i) => `$${i + 2}`).join(', ')})`
	: 'true';
const largest = await store.one(
	`SELECT t.account_id, strftime(te.started_at, '%Y-%m') AS month, count(*) AS n
	 FROM time_entries te JOIN tickets t ON t.source = te.source AND t.external_id = te.ticket_id
	 WHERE t.account_id IS NOT NULL AND te.started_at < $1::TIMESTAMPTZ AND ${charged}
	 GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 1`,
	[`${c.addMonths(dm, 1)}-01T00:00:00Z`, ...billedAccounts]
);
const exportAccount = String(largest?.account_id);
const exportMonth = String(largest?.month);
const exportScope = { kind: 'accounts' as const, ids: [exportAccount] };
let exportLines = 0;
let exportBytes = 0;
// a store kept from before time entries were loaded has none: nothing to export, said so
if (!largest) log('no time entries in this store: the month export is not measured');
for (const [format, afresh] of largest
	? ([
			['csv', false],
			['xlsx', false],
			['csv', true]
		] as const)
	: []) {
	log(
		`timing the month export as ${format}${afresh ? ', first request after a change' : ''} (${exportAccount}, ${exportMonth}) …`
	);
	m = await measure(
		async () => {
			if (afresh) forgetKept(store);
			const month = await billingMonth(store, exportScope, exportMonth);
			exportLines = month.invoiceLines.length;
			const tables = invoiceTables(month, format === 'xlsx');
			exportBytes =
				format === 'csv'
					? Buffer.byteLength(tableToCsv(tables[0]))
					: (await tableToXlsx(tables)).byteLength;
		},
		billingBaseline(exportMonth, exportAccount)
	);
	rows.push({
		name: `month export (${format.toUpperCase()}), largest account-month${afresh ? ', first request after a change' : ''}`,
		detail: `${exportAccount}, ${exportMonth}: ${Number(largest?.n).toLocaleString('en')} time entries, ${exportLines.toLocaleString('en')} lines, ${(exportBytes / 1e6).toFixed(2)} MB`,
		...m,
		goal: '≤ baseline + 1 s',
		met: m.p50 <= m.base50 + 1000
	});
}
await store.close();

const ms = (x: number) => x.toFixed(1);
const header = `| page data | detail | p50 (ms) | p95 (ms) | baseline p50 (ms) | baseline p95 (ms) | p50 ratio | goal | met |
| --- | --- | --: | --: | --: | --: | --: | --- | --- |`;
const table = [
	`${tickets.toLocaleString('en')} tickets, ${runs} runs each after a warm-up; baseline: a bare scan of the same columns of the same rows`,
	'',
	header,
	...rows.map(
		(r) =>
			`| ${r.name} | ${r.detail} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.base50)} | ${ms(r.base95)} | ${(r.p50 / r.base50).toFixed(1)}x | ${r.goal} | ${r.met ? 'yes' : 'no'} |`
	)
].join('\n');
console.log(table);
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync(`bench-results/pages-${tickets}.md`, table + '\n');
fs.writeFileSync(
	`bench-results/pages-${tickets}.json`,
	JSON.stringify({ tickets, runs, rows }, null, 2) + '\n'
);
if (!values.keep && !values.store) fs.rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
