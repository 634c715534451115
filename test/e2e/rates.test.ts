/**
 * The rate card editor in a real browser against the BUILT server on the sample: the versions
 * listed; a refused value named and kept (without JavaScript, the form posts as it is); the hourly
 * rates of model B changed from the billing month, the preview listing the accounts whose amount
 * changes (old → new) with nothing saved; then saved: version 2 listed with who and why, and the
 * billing page's amounts as the preview said; a new work category added with a rate per tier (a
 * missing rate refused naming its field).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, signedInContext, screenshot } from '../helpers/browser.ts';
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

/** "€ 7.125,00" → 712500 cents; "−€ 5,00" → -500 */
function cents(text: string | null): number {
	const t = (text ?? '').trim();
	const n = Math.round(Number(t.replace(/[^\d,]/g, '').replace(',', '.')) * 100);
	return /^[−-]/.test(t) ? -n : n;
}

/** The account's total on the billing page (the subtotal row after its reason rows). */
async function billedFor(p: Page, accountId: string): Promise<number> {
	const net = p.locator(
		`xpath=//table[@id="accounts"]//tr[.//a[contains(@href, "account=${accountId}&")]][1]/following-sibling::tr[contains(@class, "subtotal")][1]/td[contains(@class, "account-net")]`
	);
	return cents(await net.textContent());
}

let month = '';

describe('rate cards on /settings', () => {
	it('links every policy to its rate card and lists the built-in version', async () => {
		await page.goto('/billing', { waitUntil: 'networkidle' });
		month = /\/billing\/(\d{4}-\d{2})$/.exec(page.url())![1];
		await page.goto('/settings', { waitUntil: 'networkidle' });
		await page.getByRole('link', { name: 'Rate card model-b' }).click();
		await page.waitForURL(/\/settings\/rates\/model-b$/);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
			'Rate card for model-b'
		);
		const versions = page.locator('table.rate-versions tbody tr');
		await expect(versions.count()).resolves.toBe(1);
		await expect(versions.first().textContent()).resolves.toContain('built-in');
		await expect(page.getByLabel('Brons: hourly rate, setup').inputValue()).resolves.toBe('110,00');
		const missing = await page.goto('/settings/rates/no-such-policy');
		expect(missing?.status()).toBe(404);
	});

	it('without JavaScript: a wrong rate is refused naming the field, and what was typed stays', async () => {
		const context = await signedInContext(browser!, server!, { javaScriptEnabled: false });
		const p = await context.newPage();
		await p.goto('/settings/rates/model-b');
		await p.getByLabel('Zilver: hourly rate, support').fill('negentig');
		await p.getByLabel('Preview the amounts of').fill(month);
		await p.getByRole('button', { name: 'Preview' }).click();
		await p.waitForLoadState();
		const alert = p.getByRole('alert');
		await expect(alert.textContent()).resolves.toContain('tiers.Zilver.rates.support');
		await expect(alert.textContent()).resolves.toContain('not an amount in euros');
		await expect(p.getByLabel('Zilver: hourly rate, support').inputValue()).resolves.toBe(
			'negentig'
		);
		await expect(p.locator('table.rate-versions tbody tr').count()).resolves.toBe(1);
		await context.close();
	});

	it('previews a rate change: the accounts whose amount changes, old → new; then saves it', async () => {
		await page.goto(`/billing/${month}`, { waitUntil: 'networkidle' });
		const totalBefore = cents(await page.locator('#total-net').textContent());

		await page.goto('/settings/rates/model-b', { waitUntil: 'networkidle' });
		// every hourly rate of the card up to 250,00
		const rates = page.locator('table.rate-grid tbody tr[data-category] input');
		const n = await rates.count();
		expect(n).toBeGreaterThan(10);
		for (let i = 0; i < n; i++) await rates.nth(i).fill('250,00');
		await page.getByLabel('In force from').fill(`${month}-01`);
		await page.getByLabel('Preview the amounts of').fill(month);
		await page.getByRole('button', { name: 'Preview' }).click();
		const preview = page.locator('section.preview');
		await preview.waitFor({ timeout: 60_000 });
		await expect(preview.textContent()).resolves.toContain('Nothing is saved yet');
		const rows = page.locator('#preview-accounts tbody tr');
		expect(await rows.count()).toBeGreaterThan(0);
		const first = rows.first();
		const accountId = (await first.getAttribute('data-account'))!;
		const was = cents(await first.locator('td.before').textContent());
		const now = cents(await first.locator('td.after').textContent());
		expect(now).toBeGreaterThan(was);
		const diff = cents(await page.locator('#preview-accounts tfoot td').last().textContent());
		expect(diff).toBeGreaterThan(0);
		await expect(page.locator('table.rate-versions tbody tr').count()).resolves.toBe(1);
		await screenshot(page, 'rates');

		// the billing page still shows the old amount
		const billing = await openPage(browser!, server!);
		await billing.goto(`/billing/${month}`, { waitUntil: 'networkidle' });
		expect(await billedFor(billing, accountId)).toBe(was);

		// save: a reason and a name are needed
		await page.getByLabel('Why the rates change').fill('new price list');
		await page.getByLabel('Changed by').fill('Finance');
		await page.getByRole('button', { name: 'Save' }).click();
		await page.getByText(/version 2 saved/i).waitFor({ timeout: 60_000 });
		const v2 = page.locator('table.rate-versions tbody tr[data-version="2"]');
		await expect(v2.locator('time').getAttribute('datetime')).resolves.toBe(`${month}-01`);
		await expect(v2.textContent()).resolves.toContain('Finance');
		await expect(v2.textContent()).resolves.toContain('new price list');
		await expect(page.getByLabel('Brons: hourly rate, setup').inputValue()).resolves.toBe('250,00');

		await billing.reload({ waitUntil: 'networkidle' });
		expect(await billedFor(billing, accountId)).toBe(now);
		expect(cents(await billing.locator('#total-net').textContent())).toBe(totalBefore + diff);
		await billing.close();
	});

	it('adds a work category with its hourly rate in every tier', async () => {
		await page.goto('/settings/rates/model-b', { waitUntil: 'networkidle' });
		const versions = await page.locator('table.rate-versions tbody tr').count();
		await page.getByLabel('New work category', { exact: true }).fill('project');
		await page.getByLabel('Brons: hourly rate of the new work category').fill('120,00');
		await page.getByLabel('Zilver: hourly rate of the new work category').fill('115,00');
		await page.getByLabel('In force from').fill(`${month}-01`);
		await page.getByLabel('Why the rates change').fill('project work priced apart');
		await page.getByLabel('Changed by').fill('Finance');
		await page.getByRole('button', { name: 'Save' }).click();
		const alert = page.getByRole('alert');
		await alert.waitFor();
		await expect(alert.textContent()).resolves.toContain(
			'newCategory.rate.Goud: enter the hourly rate of project for Goud'
		);
		await expect(page.getByLabel('New work category', { exact: true }).inputValue()).resolves.toBe(
			'project'
		);
		await expect(
			page.getByLabel('Zilver: hourly rate of the new work category').inputValue()
		).resolves.toBe('115,00');
		await expect(page.locator('table.rate-versions tbody tr').count()).resolves.toBe(versions);

		await page.getByLabel('Goud: hourly rate of the new work category').fill('110,00');
		await page.getByRole('button', { name: 'Save' }).click();
		await page
			.getByText(new RegExp(`version ${versions + 1} saved`, 'i'))
			.waitFor({ timeout: 60_000 });
		await expect(page.locator('table.rate-versions tbody tr').count()).resolves.toBe(versions + 1);
		await expect(page.getByLabel('Brons: hourly rate, project').inputValue()).resolves.toBe(
			'120,00'
		);
		await expect(page.getByLabel('Goud: hourly rate, project').inputValue()).resolves.toBe(
			'110,00'
		);
		await expect(page.getByLabel('New work category', { exact: true }).inputValue()).resolves.toBe(
			''
		);
	});
});
