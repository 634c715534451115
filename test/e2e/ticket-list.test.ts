/**
 * The list of tickets behind a compliance figure in a real browser against the BUILT server on
 * the sample: without JavaScript a server-rendered table page by page (sort links, previous/next);
 * with JavaScript the whole list read from the Arrow stream into a virtualised table (few rows in
 * the DOM, the last rows reachable by scrolling, sorting by a header); the CSV and Parquet
 * downloads; and the paged table kept, with the failure in words, when the stream fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { count, launchBrowser, openPage, signedInContext } from '../helpers/browser.ts';
import { ROOT, startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | null = null;
let browser: Browser | null = null;
let page: Page;
/** two years of the sample: well over a hundred tickets */
const WIDE = 'from=2024-11&to=2026-10';
const LIST = `/compliance/tickets?${WIDE}`;
const SCREENSHOT = path.join(ROOT, 'test/screenshots/ticket-list.png');

beforeAll(async () => {
	server = await startServer({ PEIL_SAMPLE_TICKETS: '1500' });
	browser = await launchBrowser();
	page = await openPage(browser, server);
	await page.setViewportSize({ width: 1440, height: 1000 });
}, 10 * 60_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
}, 60_000);

/** A number as the list prints it (nl-NL: "1.234,5"); null for "—". */
function nl(text: string | null): number | null {
	const t = (text ?? '').replace(/\u00a0?%$/, '').trim();
	if (t === '' || t === '—') return null;
	return Number(t.replace(/\./g, '').replace(',', '.'));
}

/** The position (1-based) of a column in the list, by its header text. */
async function columnIndex(table: Locator, header: string): Promise<number> {
	const headers = await table.locator('thead th').allTextContents();
	const i = headers.findIndex((h) => h.replace(/[▲▼]/g, '').trim() === header);
	expect(i, `column ${header} in ${headers.join(' | ')}`).toBeGreaterThanOrEqual(0);
	return i + 1;
}

/** The texts of one column in the rendered rows (spacer and loading rows left out). */
async function columnTexts(table: Locator, header: string): Promise<string[]> {
	const n = await columnIndex(table, header);
	return table
		.locator(`tbody tr[aria-rowindex] td:nth-child(${n})`)
		.allTextContents()
		.then((t) => t.map((s) => s.trim()));
}

/** Numbers in order (ascending or descending), those without a value last. */
function expectOrdered(values: (number | null)[], dir: 'asc' | 'desc') {
	const present = values.filter((v): v is number => v !== null);
	const firstNull = values.indexOf(null);
	if (firstNull >= 0) expect(values.slice(firstNull).every((v) => v === null)).toBe(true);
	const sorted = [...present].sort((a, b) => (dir === 'asc' ? a - b : b - a));
	expect(present).toEqual(sorted);
}

describe('ticket list', () => {
	it('without JavaScript: the first page, the total and working next-page and sort links', async () => {
		const context: BrowserContext = await signedInContext(browser!, server!, {
			javaScriptEnabled: false
		});
		try {
			const p = await context.newPage();
			const res = await p.goto(LIST);
			expect(res?.status()).toBe(200);
			await expect(p.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
				'Tickets, first response, Nov 2024 – Oct 2026'
			);
			const total = count(await p.locator('#ticket-total').textContent());
			expect(total).toBeGreaterThan(100);
			await expect(p.locator('#as-of').textContent()).resolves.toMatch(
				/data up to .+Europe\/Amsterdam time/
			);
			const table = p.locator('table.paged');
			await expect(table.locator('caption').textContent()).resolves.toContain(
				`1–50 of ${total.toLocaleString('nl-NL')}`
			);
			expect(await table.locator('tbody tr').count()).toBe(50);
			expect(await p.locator('[data-testid="ticket-table"]').count()).toBe(0);
			const pages = Math.ceil(total / 50);
			await expect(p.locator('.pager').textContent()).resolves.toContain(`page 1 of ${pages}`);
			await expect(table.locator('th[aria-sort="ascending"]').textContent()).resolves.toContain(
				'Created'
			);
			const firstLink = table.locator('tbody a[href^="/tickets/"]').first();
			expect(await firstLink.getAttribute('href')).toMatch(/^\/tickets\/[^/]+\/[^/]+$/);
			const firstTicket = await firstLink.textContent();

			await Promise.all([
				p.waitForURL((u) => u.searchParams.get('page') === '2'),
				p.getByRole('link', { name: 'Next page' }).click()
			]);
			await expect(p.locator('.pager').textContent()).resolves.toContain(`page 2 of ${pages}`);
			expect(await p.locator('table.paged tbody tr').count()).toBe(Math.min(50, total - 50));
			expect(
				await p.locator('table.paged tbody a[href^="/tickets/"]').first().textContent()
			).not.toBe(firstTicket);
			expect(await p.getByRole('link', { name: 'Previous page' }).count()).toBe(1);

			// a header sorts through the URL, back on the first page
			await Promise.all([
				p.waitForURL((u) => u.searchParams.get('sort') === 'business'),
				p.locator('table.paged thead a', { hasText: 'Business hours' }).click()
			]);
			expect(new URL(p.url()).searchParams.get('page')).toBeNull();
			const sorted = p.locator('table.paged');
			await expect(sorted.locator('th[aria-sort]').textContent()).resolves.toContain(
				'Business hours'
			);
			expect(await sorted.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
			expectOrdered((await columnTexts(sorted, 'Business hours')).map(nl), 'desc');
		} finally {
			await context.close();
		}
	});

	it('with JavaScript: every row loads into a virtualised table that scrolls and sorts', async () => {
		await page.goto(LIST);
		const total = count(await page.locator('#ticket-total').textContent());
		const status = page.locator('[aria-live="polite"]');
		await status.filter({ hasText: 'all of them' }).waitFor({ timeout: 30_000 });
		const loaded = (await status.textContent())!.match(/Loaded ([\d.]+) of ([\d.]+) tickets/);
		expect(loaded, (await status.textContent()) ?? '').not.toBeNull();
		expect(count(loaded![1])).toBe(total);
		expect(count(loaded![2])).toBe(total);

		const table = page.locator('[data-testid="ticket-table"]');
		expect(await table.getAttribute('aria-rowcount')).toBe(String(total + 1));
		expect(await page.locator('table.paged').count()).toBe(0);
		const rows = await table.locator('tr').count();
		expect(rows).toBeLessThan(100);
		expect(rows).toBeLessThan(total / 2);
		// every row has the same height: the spacer arithmetic depends on it
		const heights = await table
			.locator('tbody tr[aria-rowindex]')
			.evaluateAll((trs) => [...new Set(trs.map((tr) => tr.getBoundingClientRect().height))]);
		expect(heights).toEqual([34]);

		fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
		await page.screenshot({ path: SCREENSHOT });

		// the last rows, by scrolling to the bottom; the last one is the CSV's last
		const scroller = page.locator('.scroller');
		await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
		const lastRow = table.locator(`tbody tr[aria-rowindex="${total + 1}"]`);
		await lastRow.waitFor();
		expect(await lastRow.isVisible()).toBe(true);
		const csv = await (
			await server!.fetch(`${server!.base}/compliance/tickets/export?${WIDE}&format=csv`)
		).text();
		const lines = csv
			.replace(/^\uFEFF/, '')
			.split('\r\n')
			.filter(Boolean);
		const [source, ticket] = lines.at(-1)!.split(';');
		const ticketColumn = await columnIndex(table, 'Ticket');
		await expect(lastRow.locator(`td:nth-child(${ticketColumn})`).textContent()).resolves.toBe(
			ticket
		);
		expect(await lastRow.locator('a').getAttribute('href')).toBe(
			`/tickets/${encodeURIComponent(source)}/${encodeURIComponent(ticket)}`
		);
		expect(await table.locator('tr').count()).toBeLessThan(100);

		// sorting by a header: a button; back to the top, in order, nulls last
		const business = table.getByRole('button', { name: 'Business hours' });
		await business.click();
		const th = table.locator('thead th').nth((await columnIndex(table, 'Business hours')) - 1);
		expect(await th.getAttribute('aria-sort')).toBe('ascending');
		await table.locator('tbody tr[aria-rowindex="2"]').waitFor();
		const ascending = (await columnTexts(table, 'Business hours')).map(nl);
		expect(ascending.length).toBeGreaterThan(10);
		expectOrdered(ascending, 'asc');
		await business.click();
		expect(await th.getAttribute('aria-sort')).toBe('descending');
		expectOrdered((await columnTexts(table, 'Business hours')).map(nl), 'desc');

		await table.getByRole('button', { name: 'Account' }).click();
		const accounts = (await columnTexts(table, 'Account')).filter((a) => a !== '—');
		expect(accounts).toEqual([...accounts].sort((a, b) => a.localeCompare(b, 'nl')));
		expect(await table.locator('th[aria-sort]').count()).toBe(1);
	});

	it('downloads the whole list as CSV: one line per ticket after the header', async () => {
		await page.goto(LIST);
		const total = count(await page.locator('#ticket-total').textContent());
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.getByRole('button', { name: 'CSV', exact: true }).click()
		]);
		const bytes = fs.readFileSync((await download.path())!);
		expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const text = bytes.subarray(3).toString('utf8');
		const lines = text.split('\r\n').filter(Boolean);
		expect(lines[0].split(';').slice(0, 4)).toEqual(['Source', 'Ticket', 'Account', 'Created']);
		expect(lines.length - 1).toBe(total);
	});

	it('downloads the whole list as Parquet', async () => {
		await page.goto(LIST);
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.getByRole('button', { name: 'Parquet', exact: true }).click()
		]);
		const bytes = fs.readFileSync((await download.path())!);
		expect(bytes.length).toBeGreaterThan(8);
		expect(bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
		expect(bytes.subarray(bytes.length - 4).toString('latin1')).toBe('PAR1');
	});

	it('keeps the paged table and says why when the stream fails', async () => {
		const context = await signedInContext(browser!, server!);
		try {
			const p = await context.newPage();
			await p.route('**/compliance/tickets/arrow**', (route) =>
				route.fulfill({ status: 503, body: 'stream refused in the test' })
			);
			await p.goto(LIST);
			await p.getByRole('alert').waitFor();
			await expect(p.getByRole('alert').textContent()).resolves.toContain(
				'stream refused in the test'
			);
			expect(await p.locator('table.paged tbody tr').count()).toBe(50);
			expect(await p.locator('[data-testid="ticket-table"]').count()).toBe(0);
		} finally {
			await context.close();
		}
	});

	it('says so in words when no ticket matches', async () => {
		await page.goto(`${LIST}&account=no-such-account`);
		await expect(page.locator('#ticket-total').textContent()).resolves.toBe('0');
		expect(await page.getByText('No tickets match these filters.').count()).toBe(1);
	});
});
