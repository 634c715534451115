/**
 * The reconciliation page in a real browser against the BUILT server on the sample: the summary
 * per account and month, a differing ticket linked to its ticket page, and the CSV download
 * through the one export writer (UTF-8 BOM, `;` separators).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | null = null;
let browser: Browser | null = null;
let page: Page;
const MONTH = '2026-10';

beforeAll(async () => {
	server = await startServer({ PEIL_SAMPLE_TICKETS: '1500' });
	browser = await launchBrowser();
	page = await openPage(browser, server);
}, 10 * 60_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
}, 60_000);

describe('reconciliation page', () => {
	it('shows the summary per account and month and links a differing ticket', async () => {
		const res = await page.goto(`/reconciliation?month=${MONTH}`);
		expect(res?.status()).toBe(200);
		const summary = page.locator('table', {
			has: page.locator('caption', { hasText: 'Per account and month' })
		});
		await expect(summary.locator('th[scope="col"]').first().textContent()).resolves.toBe('Account');
		expect(await summary.locator('tbody tr').count()).toBeGreaterThan(0);
		await expect(summary.locator('tbody tr').first().textContent()).resolves.toContain(MONTH);

		const link = page.locator('table a[href^="/tickets/"]').first();
		const href = await link.getAttribute('href');
		expect(href).toMatch(/^\/tickets\/[^/]+\/[^/]+$/);
		await Promise.all([page.waitForURL((u) => u.pathname === href), link.click()]);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			href!.split('/').at(-1)
		);
	});

	it('downloads the differing tickets as CSV with a BOM and ; separators', async () => {
		const res = await server!.fetch(
			`${server!.base}/reconciliation/export?format=csv&month=${MONTH}`
		);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/csv');
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const text = new TextDecoder().decode(bytes.slice(3));
		const lines = text.split('\r\n').filter(Boolean);
		expect(lines[0].split(';')).toContain('Peil minutes');
		expect(lines.length).toBeGreaterThan(1);
		expect(lines[1]).toContain(';');
	});

	it('downloads summary and tickets as XLSX', async () => {
		const res = await server!.fetch(
			`${server!.base}/reconciliation/export?format=xlsx&month=${MONTH}`
		);
		expect(res.status).toBe(200);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect(String.fromCharCode(bytes[0], bytes[1])).toBe('PK');
	});
});
