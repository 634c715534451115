/**
 * The pages in a real browser against the BUILT server (build/index.js), on a fresh store that
 * the server fills with the sample on its first start. The tests run in order and share that
 * store: the import of (3) is the one (4) undoes.
 *
 * Both the server and the browser run in Pacific/Auckland (vitest's TZ, and the browser
 * context's timezoneId), so a page that showed times in the host's zone instead of Dutch time
 * would show it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/zendesk-small.csv');
const CHROMIUM = '/usr/bin/chromium';

let server: ChildProcess | null = null;
let serverLog = '';
let browser: Browser | null = null;
let page: Page;
let base = '';
let tmp = '';

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as net.AddressInfo).port;
			s.close(() => resolve(port));
		});
	});
}

async function waitFor(
	check: () => Promise<boolean> | boolean,
	timeoutMs: number,
	what: string
): Promise<void> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (Date.now() > until)
			throw new Error(`Timed out waiting for ${what}.\nServer output:\n${serverLog}`);
		await new Promise((r) => setTimeout(r, 500));
	}
}

/** A count as the pages print it (nl-NL grouping: 1.500). */
function count(text: string | null): number {
	return Number((text ?? '').replace(/[^\d]/g, ''));
}

beforeAll(async () => {
	if (!fs.existsSync(path.join(ROOT, 'build/index.js'))) {
		execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
	}
	await waitFor(() => fs.existsSync(CHROMIUM), 5 * 60_000, `${CHROMIUM} to be installed`);

	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peil-e2e-'));
	const dataDir = path.join(tmp, 'data');
	for (const dir of ['policies', 'calendars'])
		fs.cpSync(path.join(ROOT, 'data', dir), path.join(dataDir, dir), { recursive: true });
	const port = await freePort();
	base = `http://127.0.0.1:${port}`;
	server = spawn(process.execPath, ['build/index.js'], {
		cwd: ROOT,
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			// adapter-node assumes https unless told the origin; without it SvelteKit's CSRF check
			// refuses every form action posted over plain http (403 "Cross-site POST form submissions")
			ORIGIN: base,
			PEIL_DB: path.join(tmp, 'peil.duckdb'),
			PEIL_DATA_DIR: dataDir,
			PEIL_SAMPLE_TICKETS: '1500',
			BODY_SIZE_LIMIT: 'Infinity'
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	server.stdout?.on('data', (d) => (serverLog += String(d)));
	server.stderr?.on('data', (d) => (serverLog += String(d)));
	let exited = false;
	server.once('exit', () => (exited = true));
	await waitFor(
		async () => {
			if (exited) throw new Error(`The server stopped before it answered.\n${serverLog}`);
			try {
				return (await fetch(`${base}/api/health`)).ok;
			} catch {
				return false;
			}
		},
		120_000,
		'GET /api/health'
	);

	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--no-first-run'
		]
	});
	const context = await browser.newContext({
		baseURL: base,
		timezoneId: 'Pacific/Auckland',
		locale: 'en-GB'
	});
	page = await context.newPage();
}, 10 * 60_000);

afterAll(async () => {
	await browser?.close();
	if (server && server.exitCode === null) {
		const stopped = new Promise((r) => server!.once('exit', r));
		server.kill('SIGTERM');
		await Promise.race([stopped, new Promise((r) => setTimeout(r, 10_000))]);
		if (server.exitCode === null) server.kill('SIGKILL');
	}
	if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('pages', () => {
	it('home shows the sample notice, the ticket count and the as-of instant', async () => {
		await page.goto('/');
		await expect(page.getByText('This is sample data').count()).resolves.toBe(1);
		await expect(page.getByRole('button', { name: 'Remove the sample' }).count()).resolves.toBe(1);
		const tickets = await page.locator('#tickets-count .num').first().textContent();
		expect(count(tickets)).toBeGreaterThan(0);
		const asOf = await page.locator('#as-of').textContent();
		expect(asOf).toContain('data up to');
		expect(asOf).toContain('Europe/Amsterdam');
		// the last import links to its page
		await page.getByRole('link', { name: /^Import \d+$/ }).click();
		await page.waitForURL(/\/imports\/\d+$/);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(
			/^Import \d+/
		);
	});

	it('accounts lists about 20 accounts marked sample', async () => {
		await page.goto('/accounts');
		const rows = page.locator('table.accounts tbody tr');
		const n = await rows.count();
		expect(n).toBeGreaterThanOrEqual(18);
		expect(n).toBeLessThanOrEqual(30);
		expect(await page.locator('table.accounts .badge.sample').count()).toBe(n);
	});

	it('imports a file on /import and shows the report with its rejected rows', async () => {
		await page.goto('/import', { waitUntil: 'networkidle' });
		await page.getByLabel('Export file').setInputFiles(FIXTURE);
		await page.getByLabel('Source').fill('zendesk-e2e');
		await page.getByRole('button', { name: 'Import', exact: true }).click();

		const report = page.locator('section.import-report');
		await report.waitFor({ timeout: 60_000 });
		const ticketsRow = report.locator('table.counts tr', {
			has: page.locator('th', { hasText: /^Tickets$/ })
		});
		const cells = await ticketsRow.locator('td').allTextContents();
		// read, inserted, updated, unchanged, rejected
		expect(cells.map(count)).toEqual([8, 3, 0, 0, 5]);
		const reasons = await report.locator('table.rejects tbody td:nth-child(4)').allTextContents();
		expect(reasons.some((r) => /duplicate/i.test(r))).toBe(true);
		expect(await report.getByText('Zendesk ticket CSV export').count()).toBeGreaterThan(0);
		const csv = report.getByRole('link', { name: 'Download all rejected rows (CSV)' });
		expect(await csv.getAttribute('href')).toMatch(/^\/api\/imports\/\d+\/rejects\.csv$/);
		expect(await report.getByRole('link', { name: /See import \d+ in the history/ }).count()).toBe(
			1
		);
	});

	it('lists that import on /imports and undoes it', async () => {
		await page.goto('/imports', { waitUntil: 'networkidle' });
		const row = page.locator('tbody tr', { hasText: 'zendesk-e2e' });
		await expect(row.count()).resolves.toBe(1);
		await expect(row.locator('.status').textContent()).resolves.toContain('committed');
		await row.getByRole('button', { name: /^Undo import \d+$/ }).click();
		await page.getByText(/is rolled back:/).waitFor();
		await expect(row.locator('.status').textContent()).resolves.toContain('rolled back');
		expect(await row.getByRole('button', { name: /^Undo/ }).count()).toBe(0);
		// it stays rolled back after a reload
		await page.reload();
		await expect(
			page.locator('tbody tr', { hasText: 'zendesk-e2e' }).locator('.status').textContent()
		).resolves.toContain('rolled back');
	});

	it('saves a changed CSM on /accounts/[id]', async () => {
		await page.goto('/accounts');
		const link = page
			.locator('section[aria-labelledby="all-accounts"] table.accounts tbody a')
			.first();
		const href = await link.getAttribute('href');
		expect(href).toMatch(/^\/accounts\/[a-z0-9-]+$/);
		await page.goto(href!, { waitUntil: 'networkidle' });
		const csm = `E2E CSM ${Date.now()}`;
		await page.getByLabel('CSM', { exact: true }).fill(csm);
		await page.getByRole('button', { name: 'Save' }).click();
		await page.getByText('Saved.').waitFor();
		await page.reload();
		await expect(page.getByLabel('CSM', { exact: true }).inputValue()).resolves.toBe(csm);
		// and the list shows it
		await page.goto('/accounts');
		expect(await page.locator('table.accounts tbody tr', { hasText: csm }).count()).toBe(1);
	});
});
