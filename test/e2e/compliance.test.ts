/**
 * The compliance page in a real browser against the BUILT server on the sample: the overview
 * (server-rendered tables, charts drawn in the browser), a filter changing the URL and the figures
 * (and back), a missed bar leading to its tickets and on to one ticket's explanation, and the CSV
 * download compared by value with the table on the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { count, launchBrowser, openPage, signedInContext, screenshot } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | null = null;
let browser: Browser | null = null;
let page: Page;

beforeAll(async () => {
	server = await startServer({ PEIL_SAMPLE_TICKETS: '3000' });
	browser = await launchBrowser();
	page = await openPage(browser, server);
}, 10 * 60_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
}, 60_000);

/** "91,5%" → 0.915 */
const percent = (text: string | null) =>
	Number((text ?? '').replace('%', '').replace(/\./g, '').replace(',', '.').trim()) / 100;

async function headline(p: Page) {
	return {
		attainment: await p.locator('#attainment').textContent(),
		met: count(await p.locator('#met').textContent()),
		missed: count(await p.locator('#missed').textContent())
	};
}

describe('compliance page', () => {
	it('shows the last complete month with its figures, tables and charts', async () => {
		const res = await page.goto('/compliance', { waitUntil: 'networkidle' });
		expect(res?.status()).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
			'SLA compliance'
		);
		await expect(page.locator('#as-of').textContent()).resolves.toMatch(
			/^Data up to \d+ \w+ \d{4}, \d\d:\d\d \(Europe\/Amsterdam time\)\.$/
		);
		const h = await headline(page);
		expect(h.met + h.missed).toBeGreaterThan(0);
		// the headline is the formula: met / (met + missed), shown with one decimal
		expect(percent(h.attainment)).toBeCloseTo(h.met / (h.met + h.missed), 3);
		// the month row of the period in the trend table carries the same figures
		const period = (await page.locator('#period').textContent())!;
		const monthRow = page.locator('#months tbody tr', { hasText: period });
		await expect(monthRow.locator('td').nth(2).textContent()).resolves.toBe(String(h.met));
		// every split adds up to the headline
		for (const id of ['#priority-tier', '#accounts', '#languages', '#channels']) {
			const cells = await page.locator(`${id} tbody tr td:nth-child(4)`).allTextContents();
			expect(cells.reduce((n, c) => n + count(c), 0)).toBe(h.met);
		}
		// charts are drawn in the browser: bars are links
		expect(await page.locator('figure.chart svg a').count()).toBeGreaterThan(10);
		await screenshot(page, 'compliance');
	});

	it('a filter changes the URL and the figures; back restores both', async () => {
		await page.goto('/compliance', { waitUntil: 'networkidle' });
		const before = await headline(page);
		const url = page.url();
		await Promise.all([
			page.waitForURL((u) => u.searchParams.getAll('priority').includes('P1')),
			page.getByRole('checkbox', { name: 'P1' }).check()
		]);
		await page.waitForLoadState('networkidle');
		const after = await headline(page);
		expect(after.met + after.missed).toBeLessThan(before.met + before.missed);
		await expect(page.locator('#active-filters').textContent()).resolves.toContain('Priority P1');
		// the priority x tier table now holds P1 rows only
		const labels = await page.locator('#priority-tier tbody th').allTextContents();
		expect(labels.length).toBeGreaterThan(0);
		for (const l of labels) expect(l.startsWith('P1')).toBe(true);
		await page.goBack();
		await page.waitForURL(url);
		await expect.poll(() => headline(page), { timeout: 10_000 }).toEqual(before);
		await expect(page.getByRole('checkbox', { name: 'P1' }).isChecked()).resolves.toBe(false);
		// a bookmark of the filtered URL reads the same page without client-side state
		const again = await signedInContext(browser!, server!, { javaScriptEnabled: false });
		const p2 = await again.newPage();
		await p2.goto('/compliance?priority=P1');
		await expect(headline(p2)).resolves.toEqual(after);
		await again.close();
	});

	it('from a missed bar to its tickets, and on to a ticket and its explanation', async () => {
		await page.goto('/compliance', { waitUntil: 'networkidle' });
		const missed = count(await page.locator('#missed').textContent());
		expect(missed).toBeGreaterThan(0);
		// the period's month is the last bar of the trend
		const bar = page
			.locator('figure.chart', { hasText: 'Attainment per month' })
			.locator('svg a')
			.last();
		const href = await bar.getAttribute('href');
		expect(href).toContain('verdict=missed');
		await Promise.all([page.waitForURL((u) => u.pathname === '/compliance/tickets'), bar.click()]);
		await page.waitForLoadState('networkidle');
		await expect(page.locator('body').textContent()).resolves.toContain(
			new Intl.NumberFormat('nl-NL').format(missed)
		);
		const ticket = page.locator('a[href^="/tickets/"]').first();
		const ticketHref = (await ticket.getAttribute('href'))!;
		await Promise.all([page.waitForURL((u) => u.pathname === ticketHref), ticket.click()]);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			decodeURIComponent(ticketHref.split('/').at(-1)!)
		);
		const verdict = await page.locator('#clock-first_response .verdict-text').textContent();
		expect(verdict).toMatch(/missed/);
		await screenshot(page, 'ticket-from-compliance');
	});

	it('the CSV of a table holds the values shown on the page', async () => {
		await page.goto('/compliance', { waitUntil: 'networkidle' });
		const rows = await page.locator('#accounts tbody tr').all();
		const shown = new Map<string, { attainment: number; met: number; missed: number }>();
		for (const r of rows) {
			const name = (await r.locator('th').textContent())!.trim();
			const cells = await r.locator('td').allTextContents();
			shown.set(name, {
				attainment: percent(cells[0]),
				met: count(cells[2]),
				missed: count(cells[3])
			});
		}
		expect(shown.size).toBeGreaterThan(3);
		const link = page.locator('#accounts a', { hasText: 'CSV' });
		const res = await server!.fetch(new URL((await link.getAttribute('href'))!, server!.base));
		expect(res.status).toBe(200);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const lines = new TextDecoder().decode(bytes.slice(3)).split('\r\n').filter(Boolean);
		const header = lines[0].split(';');
		const col = (name: string) => header.indexOf(name);
		expect(col('Account')).toBeGreaterThan(-1);
		expect(lines.length - 1).toBe(shown.size);
		for (const line of lines.slice(1)) {
			const f = line.split(';');
			const page = shown.get(f[col('Account')])!;
			expect(page).toBeDefined();
			// numbers, not formatted strings: the fraction with a decimal comma, counts as integers
			const attainment = f[col('Attainment')];
			if (attainment !== '')
				expect(Number(attainment.replace(',', '.'))).toBeCloseTo(page.attainment, 3);
			expect(Number(f[col('Met')])).toBe(page.met);
			expect(Number(f[col('Missed')])).toBe(page.missed);
		}
	});

	it('a wrong filter value is a 400 that names the parameter', async () => {
		const res = await server!.fetch(`${server!.base}/compliance?from=2026-13`);
		expect(res.status).toBe(400);
		expect(await res.text()).toMatch(/from: (&quot;|")2026-13(&quot;|") is not a month/);
	});
});
