/**
 * The operational review in a real browser against the BUILT server on the sample: the portfolio
 * leads to an account's review; agreements are saved as a draft (a plain form post), the review is
 * finalised and then shows its snapshot; printed (print media, page.pdf) it has its sections and
 * no site navigation, forms or buttons. The XLSX download holds the page's figures. Bad months and
 * unknown accounts answer 400 and 404 with a message.
 *
 * Text cannot be read back from Chromium's PDF without a new dependency (its text is glyph ids in
 * compressed streams), so the print check is made on the page under print media — navigation,
 * forms and buttons not displayed, every section heading displayed, a page break before each
 * section — and the PDF is checked to be a non-empty PDF of several A4 pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { count, launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | null = null;
let browser: Browser | null = null;
let page: Page;
let reviewPath = '';

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

const SECTIONS = [
	'Key figures',
	'Volume',
	'Trend',
	'Missed targets',
	'Worth discussing',
	'Training recommendations',
	'Chargeable work',
	'Agreements and actions'
];

/** "€ 7.125,00" → 712500 cents */
const cents = (text: string | null) =>
	Math.round(Number((text ?? '').replace(/[^\d,]/g, '').replace(',', '.')) * 100);

describe('operational review', () => {
	it('the portfolio lists the accounts with attainment and flags, and links to each review', async () => {
		const res = await page.goto('/reviews', { waitUntil: 'networkidle' });
		expect(res?.status()).toBe(200);
		expect(new URL(page.url()).pathname).toMatch(/^\/reviews\/\d{4}-\d{2}$/);
		const rows = page.locator('#portfolio tbody tr');
		expect(await rows.count()).toBeGreaterThan(10);
		const flagged = await page.locator('#portfolio .flag').count();
		expect(flagged).toBeGreaterThan(0);
		// every flag carries its reason
		const first = page.locator('#portfolio tbody tr', { has: page.locator('.flag') }).first();
		expect(await first.locator('.reasons li').count()).toBeGreaterThan(0);
		await screenshot(page, 'reviews');
		reviewPath = (await page
			.locator('#portfolio tbody th a', { hasText: 'Gemeente Zuidvelde' })
			.getAttribute('href'))!;
		// the CSM filter narrows the list to that CSM's accounts
		const all = await rows.count();
		const csm = (await page.locator('#csm option').nth(1).textContent())!.trim();
		await page.goto(`${new URL(page.url()).pathname}?csm=${encodeURIComponent(csm)}`);
		const csms = await page.locator('#portfolio tbody tr td:nth-child(2)').allTextContents();
		expect(csms.length).toBeGreaterThan(0);
		expect(csms.length).toBeLessThan(all);
		for (const c of csms) expect(c.trim()).toBe(csm);
		expect(reviewPath).toMatch(/^\/accounts\/[^/]+\/review\/\d{4}-\d{2}$/);
	});

	it('shows the review with its sections, figures by the formula and the chart', async () => {
		const res = await page.goto(reviewPath, { waitUntil: 'networkidle' });
		expect(res?.status()).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			'Operational review: Gemeente Zuidvelde'
		);
		for (const s of SECTIONS)
			await expect(page.getByRole('heading', { level: 2, name: s }).count()).resolves.toBe(1);
		// first-response attainment of the month = met / (met + missed)
		const cell = page.locator('#key-figures tbody tr').nth(1).locator('td').first();
		const metMissed = page.locator('#key-figures tbody tr').nth(2).locator('td').first();
		const [met, missed] = (await metMissed.textContent())!.split('·').map((x) => count(x));
		expect(met + missed).toBeGreaterThan(0);
		expect(percent(/[\d.,]+%/.exec((await cell.textContent())!)![0])).toBeCloseTo(
			met / (met + missed),
			3
		);
		// model A: its five discussion points
		for (const key of [
			'reclassifications',
			'reassessments',
			'feature_requests',
			'external',
			'phone_without_pin'
		])
			await expect(page.locator(`#point-${key}`).count()).resolves.toBe(1);
		expect(await page.locator('figure.chart svg a').count()).toBeGreaterThan(5);
		await expect(page.locator('#missed tbody tr').count()).resolves.toBe(missed);
		// chargeable work: the amounts by reason add up to the total, and lead to the billing page
		const net = page.locator('#chargeable-net');
		if (await net.count()) {
			const amounts = await page
				.locator('#chargeable-table tbody td:nth-child(3)')
				.allTextContents();
			expect(amounts.reduce((sum, t) => sum + cents(t), 0)).toBe(cents(await net.textContent()));
		}
		const link = page.locator('#chargeable-link');
		const month = reviewPath.slice(-7);
		expect(await link.getAttribute('href')).toMatch(new RegExp(`^/billing/${month}\\?account=`));
		await Promise.all([page.waitForURL(/\/billing\/.*account=/), link.click()]);
		await expect(page.locator('#lines-h').textContent()).resolves.toContain('Gemeente Zuidvelde');
	});

	it('the XLSX download holds the figures of the page', async () => {
		await page.goto(reviewPath, { waitUntil: 'networkidle' });
		const shownTickets = count(
			await page.locator('#key-figures tbody tr').first().locator('td').first().textContent()
		);
		const href = (await page.locator('#xlsx').getAttribute('href'))!;
		const res = await server!.fetch(new URL(href, server!.base));
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('spreadsheetml');
		const ExcelJS = (await import('exceljs')).default;
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load(await res.arrayBuffer());
		expect(wb.worksheets.map((w) => w.name)).toContain('Key figures');
		const ws = wb.getWorksheet('Key figures')!;
		const header = (ws.getRow(1).values as unknown[]).map(String);
		const row = ws.getRow(2).values as unknown[];
		expect(row[header.indexOf('Period')]).toBe('this month');
		expect(row[header.indexOf('Tickets')]).toBe(shownTickets);
		expect(wb.getWorksheet('Missed targets')!.rowCount - 1).toBe(
			await page.locator('#missed tbody tr').count()
		);
		// the chargeable sheet's total is the page's
		const cw = wb.getWorksheet('Chargeable work')!;
		const ch = (cw.getRow(1).values as unknown[]).map(String);
		let total: unknown = null;
		cw.eachRow((r) => {
			const v = r.values as unknown[];
			if (v[ch.indexOf('Reason')] === 'Total') total = v[ch.indexOf('Amount excl. VAT')];
		});
		const net = page.locator('#chargeable-net');
		expect(Math.round(Number(total) * 100)).toBe(
			(await net.count()) ? cents(await net.textContent()) : 0
		);
	});

	it('saves the agreements as a draft, then finalises', async () => {
		await page.goto(reviewPath, { waitUntil: 'networkidle' });
		await page.locator('#agreements').fill('Phone team: ask for the PIN.\nNext review in May.');
		await page.locator('#by').fill('Eva Janssen');
		const posted = () => page.waitForResponse((r) => r.request().method() === 'POST');
		await Promise.all([posted(), page.getByRole('button', { name: 'Save draft' }).click()]);
		await page.waitForLoadState('networkidle');
		await expect(page.locator('#saved').textContent()).resolves.toContain('Saved');
		// the draft survives a reload
		await page.goto(reviewPath, { waitUntil: 'networkidle' });
		await expect(page.locator('#agreements').inputValue()).resolves.toBe(
			'Phone team: ask for the PIN.\nNext review in May.'
		);
		await expect(page.locator('#by').inputValue()).resolves.toBe('Eva Janssen');
		await Promise.all([posted(), page.locator('#finalise').click()]);
		await page.waitForLoadState('networkidle');
		await page.goto(reviewPath, { waitUntil: 'networkidle' });
		const notice = (await page.locator('#finalised-notice').textContent())!.replace(/\s+/g, ' ');
		expect(notice).toMatch(
			/Finalised on .* by Eva Janssen\. This is what was presented: data up to \d+ \w+ \d{4}, \d\d:\d\d/
		);
		await expect(page.locator('#agreements-text').textContent()).resolves.toContain(
			'Next review in May.'
		);
		await expect(page.locator('#live-changes').textContent()).resolves.toContain(
			'would change none'
		);
		await expect(page.locator('#agreements').count()).resolves.toBe(0);
		await screenshot(page, 'review');
		// a post to the finalised review is refused in words
		const form = new FormData();
		form.set('agreements', 'changed');
		form.set('by', 'X');
		const res = await server!.fetch(new URL(`${reviewPath}?/save`, server!.base), {
			method: 'POST',
			body: form,
			headers: { origin: server!.base, 'x-sveltekit-action': 'true' }
		});
		expect(await res.text()).toContain('can no longer be changed');
		// the portfolio shows it finalised
		await page.goto(`/reviews/${reviewPath.slice(-7)}`, { waitUntil: 'networkidle' });
		await expect(
			page
				.locator('#portfolio tbody tr', { hasText: 'Gemeente Zuidvelde' })
				.locator('.badge.committed')
				.count()
		).resolves.toBe(1);
	});

	it('prints as a clean A4 document: sections, no navigation, forms or buttons', async () => {
		await page.goto(reviewPath, { waitUntil: 'networkidle' });
		await page.emulateMedia({ media: 'print' });
		const display = (sel: string) =>
			page.$$eval(sel, (els) => els.map((e) => getComputedStyle(e).display));
		expect(await display('header.site')).toEqual(['none']);
		for (const d of await display('main nav, main form, main button')) expect(d).toBe('none');
		for (const s of SECTIONS) {
			const h = page.getByRole('heading', { level: 2, name: s });
			expect(await h.evaluate((e) => getComputedStyle(e).display)).not.toBe('none');
			expect(await h.evaluate((e) => getComputedStyle(e.closest('section')!).breakBefore)).toBe(
				'page'
			);
		}
		// the chart's table stays beside it
		expect(await display('#trend')).not.toEqual(['none']);
		const pdf = await page.pdf({ format: 'A4', printBackground: true });
		expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
		const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
		expect(pages).toBeGreaterThanOrEqual(SECTIONS.length);
		await page.screenshot({ path: 'test/screenshots/review-print.png', fullPage: true });
		await page.emulateMedia({ media: 'screen' });
	});

	it('the account page leads to the review of the last complete month, or of a chosen month', async () => {
		const account = reviewPath.split('/')[2];
		await page.goto(`/accounts/${account}`, { waitUntil: 'networkidle' });
		await Promise.all([
			page.waitForURL((u) => u.pathname === reviewPath),
			page.getByRole('link', { name: 'Operational review' }).click()
		]);
		await page.goto(`/accounts/${account}`, { waitUntil: 'networkidle' });
		await page.locator('#review-month').fill('2026-02');
		await Promise.all([
			page.waitForURL((u) => u.pathname === `/accounts/${account}/review/2026-02`),
			page.getByRole('button', { name: 'Open review' }).click()
		]);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			'feb 2026'
		);
	});

	it('a bad month is a 400 and an unknown account a 404, each with a message', async () => {
		const bad = await server!.fetch(
			`${server!.base}${reviewPath.replace(/\d{4}-\d{2}$/, '2026-13')}`
		);
		expect(bad.status, (await bad.clone().text()).slice(0, 500)).toBe(400);
		expect(await bad.text()).toMatch(/month: (&quot;|")2026-13(&quot;|") is not a month/);
		const none = await server!.fetch(`${server!.base}/accounts/no-such-account/review/2026-01`);
		expect(none.status).toBe(404);
		expect(await none.text()).toContain('There is no account');
	});
});
