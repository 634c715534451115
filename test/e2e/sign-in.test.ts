/**
 * Signing in, in a real browser against the BUILT server: a page asked for without a session
 * leads to /login and back to that page after a good sign-in; a wrong password says so; the
 * navigation shows only what the role may open; signing out ends it. Also the admin pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | null = null;
let browser: Browser | null = null;

beforeAll(async () => {
	server = await startServer({ PEIL_SAMPLE_TICKETS: '400' });
	browser = await launchBrowser();
}, 10 * 60_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
});

async function fresh(): Promise<Page> {
	const context = await browser!.newContext({
		baseURL: server!.base,
		timezoneId: 'Pacific/Auckland',
		locale: 'en-GB'
	});
	return context.newPage();
}

describe('sign-in', () => {
	it('sends a visitor to /login and back to the page asked for; a wrong password says so', async () => {
		const viewer = await server!.addUser('vera@peil.test', 'viewer');
		const page = await fresh();
		await page.goto('/compliance?clock=resolution');
		expect(new URL(page.url()).pathname).toBe('/login');
		await screenshot(page, 'login');
		await page.getByLabel('Name or email').fill(viewer.email);
		await page.getByLabel('Password').fill('not the password at all');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page.locator('#signin-error').textContent()).resolves.toContain(
			'That name and password do not match.'
		);
		await page.getByLabel('Password').fill(viewer.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(/\/compliance\?clock=resolution$/);
		// a viewer's navigation: compliance and what everyone has, nothing else
		const nav = await page
			.getByRole('navigation', { name: 'Main' })
			.getByRole('link')
			.allTextContents();
		expect(nav).toEqual(['Overview', 'Compliance', 'Accounts', 'Reconciliation']);
		await expect(page.locator('form.who').textContent()).resolves.toContain('viewer');
		// billing is not theirs
		const billing = await page.goto('/billing/2026-10');
		expect(billing?.status()).toBe(403);
		await page.goto('/compliance');
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL(/\/login$/);
		await page.goto('/compliance');
		expect(new URL(page.url()).pathname).toBe('/login');
		await page.context().close();
	});

	it('lets an admin add a user with a generated password, who can then sign in', async () => {
		const page = await openPage(browser!, server!);
		await page.goto('/admin/users');
		const add = page.locator('form.add');
		await add.getByLabel('Sign-in name or email').fill('fiona@peil.test');
		await add.getByLabel('Name', { exact: true }).fill('Fiona Finance');
		await add.getByLabel('Role').selectOption('finance');
		await add.getByRole('button', { name: 'Add user' }).click();
		await expect(page.locator('#user-done').textContent()).resolves.toContain(
			'Added fiona@peil.test as finance.'
		);
		const password = (await page.locator('#shown-password').textContent())!.trim();
		expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
		await screenshot(page, 'admin-users');
		const cookie = await server!.signIn('fiona@peil.test', password);
		const fiona = await openPage(browser!, server!, cookie);
		await fiona.goto('/billing');
		expect(new URL(fiona.url()).pathname).toMatch(/^\/billing\/\d{4}-\d{2}$/);
		const nav = await fiona
			.getByRole('navigation', { name: 'Main' })
			.getByRole('link')
			.allTextContents();
		expect(nav).toEqual(['Overview', 'Accounts', 'Billing']);
		// the audit log shows the user added and the sign-in
		await page.goto('/admin/audit');
		const log = await page.locator('table.audit').textContent();
		expect(log).toContain('POST /admin/users ?/add');
		expect(log).toContain('fiona@peil.test');
		await screenshot(page, 'admin-audit');
		await page.context().close();
		await fiona.context().close();
	});
});
