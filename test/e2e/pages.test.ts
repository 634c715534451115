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
import type { Browser, Page } from 'playwright-core';
import { count, launchBrowser, openPage } from '../helpers/browser.ts';
import path from 'node:path';
import { ROOT, startServer, type RunningServer } from '../helpers/server.ts';
const FIXTURE = path.join(ROOT, 'test/fixtures/zendesk-small.csv');

let server: RunningServer | null = null;
let browser: Browser | null = null;
let page: Page;

beforeAll(async () => {
	server = await startServer({ PEIL_SAMPLE_TICKETS: '1500' });

	browser = await launchBrowser();
	page = await openPage(browser, server);
}, 10 * 60_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
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
		// server-rendered links are relative ("./accounts/x"), hydrated ones absolute: compare the target
		const href = new URL((await link.getAttribute('href'))!, page.url()).pathname;
		expect(href).toMatch(/^\/accounts\/[a-z0-9-]+$/);
		await page.goto(href, { waitUntil: 'networkidle' });
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
