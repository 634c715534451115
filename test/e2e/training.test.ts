/**
 * The training page in a real browser against the BUILT server on the sample: flagged accounts
 * listed with the reasons their flags fired, a count leading to the tickets behind it, recording
 * that training was offered (a refused record first, naming the field) and seeing it listed,
 * the CSV download, and the thresholds editor's preview.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { count, launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
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

/**
 * The sample's last complete month holds too few tickets per account to cross the default
 * thresholds (3,000 tickets over two years): the tests look at the six months up to it, chosen
 * with the period form as a person would.
 */
async function sixMonths(p: Page): Promise<string> {
	await p.goto('/training', { waitUntil: 'networkidle' });
	const to = await p.locator('#to').inputValue();
	const [y, m] = to.split('-').map(Number);
	const i = y * 12 + m - 1 - 5;
	const from = `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
	await p.locator('#from').selectOption(from);
	await Promise.all([
		p.waitForURL((u) => u.searchParams.get('from') === from),
		p.getByRole('button', { name: 'Show' }).click()
	]);
	await p.waitForLoadState('networkidle');
	return `from=${from}&to=${to}`;
}

describe('training page', () => {
	it('lists flagged accounts with the reasons their flags fired', async () => {
		const res = await page.goto('/training', { waitUntil: 'networkidle' });
		expect(res?.status()).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
			'Training needs'
		);
		await sixMonths(page);
		const flagged = page.locator('#accounts tbody tr.flagged');
		expect(await flagged.count()).toBeGreaterThan(0);
		expect(count(await page.locator('#flagged-count').textContent())).toBe(await flagged.count());
		// flagged accounts come first, each flag with its reason in words and the threshold
		const first = flagged.first();
		const reasons = await first.locator('td.reasons li').allTextContents();
		expect(reasons.length).toBeGreaterThan(0);
		expect(reasons.join(' ')).toMatch(/the flag is set at/);
		const rows = await page
			.locator('#accounts tbody tr')
			.evaluateAll((trs) => trs.map((tr) => tr.classList.contains('flagged')));
		expect(rows.indexOf(false) === -1 || rows.slice(rows.indexOf(false)).every((f) => !f)).toBe(
			true
		);
		await expect(page.locator('#thresholds').textContent()).resolves.toContain(
			'Thresholds, version 1'
		);
		await screenshot(page, 'training');
	});

	it('a how-to count leads to the tickets behind it', async () => {
		await sixMonths(page);
		const link = page.locator('#accounts tbody tr.flagged a.howto').first();
		const shown = count(await link.textContent());
		const href = (await link.getAttribute('href'))!;
		expect(new URL(href, server!.base).searchParams.get('type')).toBe('question');
		await Promise.all([page.waitForURL(/\/compliance\/tickets\?/), link.click()]);
		await page.waitForLoadState('networkidle');
		await expect(page.locator('body').textContent()).resolves.toContain(
			new Intl.NumberFormat('nl-NL').format(shown)
		);
	});

	it('records that training was offered and lists it', async () => {
		const period = await sixMonths(page);
		const row = page.locator('#accounts tbody tr.flagged').first();
		const accountId = (await row.getAttribute('data-account'))!;
		const name = (await row.locator('th[scope=row] .name').textContent())!.trim();
		await Promise.all([
			page.waitForURL((u) => u.searchParams.get('account') === accountId),
			row.getByRole('link', { name: 'Record training…' }).click()
		]);
		await page.waitForLoadState('networkidle');
		await expect(page.locator('#accountId').inputValue()).resolves.toBe(accountId);
		// a refused record names the field and keeps what was entered
		await page.getByLabel('Note').fill('Two sessions on report templates');
		await page.locator('#by').fill(' ');
		await page.locator('#by').evaluate((el) => el.removeAttribute('required'));
		await page.getByRole('button', { name: 'Record' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain(
			'by: enter the name of who records it'
		);
		await expect(page.getByLabel('Note').inputValue()).resolves.toBe(
			'Two sessions on report templates'
		);
		await page.locator('#by').fill('Linda Kok');
		await page.getByRole('radio', { name: 'offered' }).check();
		await page.getByRole('button', { name: 'Record' }).click();
		const said = (await page.locator('#recorded').textContent())!.replace(/\s+/g, ' ');
		expect(said).toContain(`training offered for ${name}`);
		const listed = page.locator(`#records tbody tr[data-account="${accountId}"]`);
		await expect(listed.textContent()).resolves.toMatch(
			/Offered.*Two sessions on report templates.*Linda Kok/s
		);
		// the ranked table shows the latest record, and when its how-to work becomes chargeable
		const cell = await page
			.locator(`#accounts tbody tr[data-account="${accountId}"] td.training`)
			.textContent();
		expect(cell!.replace(/\s+/g, ' ')).toMatch(
			/Offered .*How-to work chargeable from .*no answer within 30 days; R20/
		);
		// still there after a reload (stored, not just shown), and the period kept
		expect(page.url()).toContain(period);
		await page.goto('/training', { waitUntil: 'networkidle' });
		expect(await page.locator(`#records tbody tr[data-account="${accountId}"]`).count()).toBe(1);
	});

	it('downloads the ranked table as CSV with the same accounts', async () => {
		await sixMonths(page);
		const ids = await page
			.locator('#accounts tbody tr')
			.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-account')));
		const href = (await page.getByRole('link', { name: 'CSV' }).getAttribute('href'))!;
		const res = await server!.fetch(new URL(href, server!.base));
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/csv');
		const text = (await res.text()).replace(/^\uFEFF/, '');
		const lines = text.trim().split('\r\n');
		expect(lines[0].split(';').slice(0, 4)).toEqual(['Rank', 'Account id', 'Account', 'Tier']);
		expect(lines.slice(1).map((l) => l.split(';')[1])).toEqual(ids);
	});

	it('previews a change of the thresholds before saving it', async () => {
		await page.goto('/training/settings', { waitUntil: 'networkidle' });
		await page.locator('#minHowToSharePct').fill('30');
		await page.locator('#minHowToCount').fill('3');
		await page.getByRole('button', { name: 'Preview' }).click();
		await page.locator('#preview-heading').waitFor();
		const text = await page.locator('section.preview').textContent();
		expect(text).toMatch(/Preview: version 2/);
		expect(await page.locator('#preview-changes tbody tr').count()).toBeGreaterThan(0);
		await screenshot(page, 'training-settings');
	});
});
