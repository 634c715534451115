/**
 * The billing page in a real browser against the BUILT server on the sample: the month with its
 * accounts and reasons, the account totals adding up to the month's, an amount drilled to the time
 * entries behind it (each with its rule and setting), a "needs a person" entry fixed in place, the
 * CSV of invoice lines read back and summed equal to the page; a debtor number set on the account
 * page written on that account's lines; a material line added, edited and removed; one account's
 * month locked while the others stay open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
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

/** "€ 7.125,00" → 712500 cents */
function cents(text: string | null): number {
	const t = (text ?? '').replace(/[^\d,-]/g, '').replace(',', '.');
	return Math.round(Number(t) * 100);
}

/** RFC 4180 with ';' (the rules quote fields that hold one). */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') {
				field += '"';
				i++;
			} else if (c === '"') quoted = false;
			else field += c;
		} else if (c === '"') quoted = true;
		else if (c === ';') {
			row.push(field);
			field = '';
		} else if (c === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
		} else if (c !== '\r') field += c;
	}
	if (field || row.length) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}

let monthUrl = '';

describe('billing page', () => {
	it('opens the last complete month with billable amounts per account and reason', async () => {
		const res = await page.goto('/billing', { waitUntil: 'networkidle' });
		expect(res?.status()).toBe(200);
		expect(page.url()).toMatch(/\/billing\/\d{4}-\d{2}$/);
		monthUrl = new URL(page.url()).pathname;
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(
			/^Chargeable work, /
		);
		expect(await page.locator('#accounts tbody tr').count()).toBeGreaterThan(0);
		const nets = await page.locator('#accounts td.account-net').allTextContents();
		const total = cents(await page.locator('#total-net').textContent());
		expect(total).toBeGreaterThan(0);
		expect(nets.reduce((s, t) => s + cents(t), 0)).toBe(total);
	});

	it('drills from an amount to the time entries behind it, each with rule and setting', async () => {
		await page.goto(monthUrl, { waitUntil: 'networkidle' });
		const link = page.locator('#accounts a.amount').first();
		const amount = cents(await link.textContent());
		await Promise.all([page.waitForURL(/account=/), link.click()]);
		await page.waitForLoadState('networkidle');
		const rows = page.locator('#drill tbody tr');
		expect(await rows.count()).toBeGreaterThan(0);
		const amounts = await page.locator('#drill tbody tr td:nth-child(10)').allTextContents();
		expect(amounts.reduce((s, t) => s + cents(t), 0)).toBe(amount);
		const rule = await rows.first().locator('td').last().textContent();
		expect(rule).toMatch(/R2[0-5]|R1[89]/);
		// each entry's ticket with its subject (read for the lines shown)
		const subjects = await page.locator('#drill tbody tr td:nth-child(2) .hint').allTextContents();
		expect(subjects).toHaveLength(await rows.count());
		expect(subjects.every((t) => t.trim().length > 0)).toBe(true);
		await screenshot(page, 'billing');
	});

	it('fixes an entry that needs a person: it leaves the list', async () => {
		await page.goto(monthUrl, { waitUntil: 'networkidle' });
		const heading = await page.locator('#needs-h').textContent();
		const before = Number(/\((\d+)\)/.exec(heading ?? '')?.[1]);
		expect(before).toBeGreaterThan(0);
		const row = page.locator('#needs-table tbody tr').first();
		await row.locator('summary').click();
		const form = row.locator('form.fix').first();
		await form.locator('select[name=reason]').selectOption('free');
		await form.locator('input[name=why]').fill('goodwill, agreed with the customer');
		await form.locator('input[name=by]').fill('Finance');
		await form.getByRole('button', { name: 'Set' }).click();
		await page.getByRole('status').waitFor();
		await expect(page.locator('#needs-h').textContent()).resolves.toContain(`(${before - 1})`);
	});

	it('exports the invoice lines as CSV whose amounts add up to the page', async () => {
		await page.goto(monthUrl, { waitUntil: 'networkidle' });
		const total = cents(await page.locator('#total-net').textContent());
		const vat = cents(await page.locator('#total-vat').textContent());
		const href = (await page.locator('#export-csv').getAttribute('href'))!;
		const res = await server!.fetch(new URL(href, server!.base));
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/csv');
		const text = (await res.text()).replace(/^\uFEFF/, '');
		const [head, ...rows] = parseCsv(text);
		expect(head).toContain('Debtor number');
		expect(head).toContain('Order/PO reference');
		const ai = head.indexOf('Amount');
		const vi = head.indexOf('VAT amount');
		const sum = (i: number) =>
			rows.reduce((s, r) => s + Math.round(Number(r[i].replace(',', '.')) * 100), 0);
		expect(sum(ai)).toBe(total);
		expect(sum(vi)).toBe(vat);
		const xlsx = await server!.fetch(
			new URL(href.replace('format=csv', 'format=xlsx'), server!.base)
		);
		expect(xlsx.status).toBe(200);
	});

	it("writes the debtor number set on the account's page on its invoice lines", async () => {
		await page.goto(monthUrl, { waitUntil: 'networkidle' });
		const id = await page
			.locator('form.material select[name=accountId] option')
			.first()
			.getAttribute('value');
		await page.goto(`/accounts/${id}`, { waitUntil: 'networkidle' });
		await page.locator('#debtor_number').fill('bad number');
		await page.getByRole('button', { name: 'Save' }).click();
		await page.locator('.has-problem #debtor_number').waitFor();
		await page.locator('#debtor_number').fill('D-4711');
		await page.getByRole('button', { name: 'Save' }).click();
		await page.getByRole('status').waitFor();
		await page.goto(monthUrl, { waitUntil: 'networkidle' });
		const href = (await page.locator('#export-csv').getAttribute('href'))!;
		const [head, ...rows] = parseCsv(
			(await (await server!.fetch(new URL(href, server!.base))).text()).replace(/^\uFEFF/, '')
		);
		const di = head.indexOf('Debtor number');
		const ni = head.indexOf('Account');
		const own = rows.filter((r) => r[di] === 'D-4711');
		expect(own.length).toBeGreaterThan(0);
		// every line of that account, and only those
		expect(new Set(own.map((r) => r[ni])).size).toBe(1);
		expect(rows.filter((r) => r[ni] === own[0][ni]).every((r) => r[di] === 'D-4711')).toBe(true);
	});

	it('adds a material line, edits it with a reason, and removes it', async () => {
		await page.goto(monthUrl, { waitUntil: 'networkidle' });
		const total = cents(await page.locator('#total-net').textContent());
		const add = page.locator('form.material');
		await add.locator('input[name=description]').fill('Network cable');
		await add.locator('input[name=quantity]').fill('2');
		await add.locator('input[name=unitPrice]').fill('4,50');
		await add.locator('input[name=order]').fill('PO-31');
		await add.locator('input[name=by]').fill('Finance');
		await add.getByRole('button', { name: 'Add material' }).click();
		await page.getByRole('status').waitFor();
		await expect
			.poll(async () => cents(await page.locator('#total-net').textContent()))
			.toBe(total + 900);
		const row = page.locator('#materials tbody tr', { hasText: 'Network cable' });
		await row.locator('summary').click();
		const edit = row.locator('form[action="?/editMaterial"]');
		await edit.locator('input[name=quantity]').fill('3');
		await edit.locator('input[name=why]').fill('three were used');
		await edit.locator('input[name=by]').fill('Finance');
		await edit.getByRole('button', { name: 'Save' }).click();
		await page.getByRole('status').waitFor();
		await expect
			.poll(async () => cents(await page.locator('#total-net').textContent()))
			.toBe(total + 1350);
		await expect(row.textContent()).resolves.toContain('edited by Finance');
		await row.locator('summary').click();
		const remove = row.locator('form[action="?/removeMaterial"]');
		await remove.locator('input[name=why]').fill('entered on the wrong account');
		await remove.locator('input[name=by]').fill('Finance');
		await remove.getByRole('button', { name: 'Remove' }).click();
		await expect
			.poll(async () => cents(await page.locator('#total-net').textContent()))
			.toBe(total);
		expect(await page.locator('#materials tbody tr', { hasText: 'Network cable' }).count()).toBe(0);
		// the record keeps both changes, newest first, with who and why
		await page.locator('#material-changes summary').click();
		const record = await page.locator('#material-changes tbody tr').allTextContents();
		expect(record).toHaveLength(2);
		expect(record[0]).toContain('removed');
		expect(record[0]).toContain('entered on the wrong account');
		expect(record[1]).toContain('edited');
		expect(record[1]).toContain('3 × Network cable');
	});

	it("locks one account's month: its fixes are closed, the other accounts stay open", async () => {
		await page.goto(monthUrl, { waitUntil: 'networkidle' });
		const lock = page.locator('form.lock');
		const options = lock.locator('select[name=accountId] option');
		const before = await options.count();
		const id = (await options.nth(1).getAttribute('value'))!;
		const name = (await options.nth(1).textContent())!.trim();
		await lock.locator('select[name=accountId]').selectOption(id);
		await lock.locator('input[name=by]').fill('Finance');
		await lock.locator('input[name=note]').fill('invoiced on its own');
		await Promise.all([page.waitForLoadState('networkidle'), lock.getByRole('button').click()]);
		await page.getByRole('status').waitFor();
		await expect(page.locator('#locked-accounts').textContent()).resolves.toContain(name);
		await expect(page.locator('#accounts').textContent()).resolves.toContain(
			'locked (this account) by Finance'
		);
		// the account is no longer offered for a lock or a material line; the others are
		expect(await page.locator('form.lock select[name=accountId] option').count()).toBe(before - 1);
		const materialFor = await page
			.locator('form.material select[name=accountId] option')
			.allTextContents();
		expect(materialFor).not.toContain(name);
		expect(materialFor.length).toBeGreaterThan(0);
		// the page as a whole is not locked
		expect(await page.locator('#locked').count()).toBe(0);
		await screenshot(page, 'billing-account-locked');
	});
});
