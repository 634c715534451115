/**
 * The /settings pages in a real browser against the BUILT server (build/index.js), on a fresh
 * store filled with the sample (1,500 tickets, November 2024 to November 2026). The tests run in
 * order and share that store: the policy change of (2) is what (3) sees as version 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { count, launchBrowser, openPage } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

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

describe('settings', () => {
	it('lists the policies and calendars and shows model A readably', async () => {
		await page.goto('/settings');
		await page.getByRole('link', { name: 'Settings', exact: true }).waitFor();
		const calendars = page.locator('table.calendars tbody tr');
		expect(await calendars.count()).toBeGreaterThanOrEqual(5);
		expect(await page.locator('table.policies tbody tr').count()).toBeGreaterThanOrEqual(2);

		await page.getByRole('link', { name: 'model-a', exact: true }).click();
		await page.waitForURL(/\/settings\/policies\/model-a$/);
		await page.waitForLoadState('networkidle');

		// R11: the first-response targets as a tier × priority table, marked "contract"
		const r11 = page.locator('table.targets', { has: page.locator('caption', { hasText: 'R11' }) });
		await expect(r11.locator('caption .badge', { hasText: /^contract$/ }).count()).resolves.toBe(1);
		const premium = r11.locator('tbody tr', { has: page.locator('th', { hasText: /^Premium$/ }) });
		const columns = await r11.locator('thead th').allTextContents();
		const p1 = premium.locator('td').nth(columns.indexOf('P1') - 1);
		await expect(p1.locator('input').inputValue()).resolves.toBe('1');
		await expect(p1.textContent()).resolves.toContain('h');
		await expect(
			page.getByLabel('First response target, Premium P1', { exact: false }).inputValue()
		).resolves.toBe('1');

		// settings carry their rule, contract/default and their options
		const downgrade = page.locator('tr[data-setting="downgradeTakesEffect"]');
		await expect(downgrade.textContent()).resolves.toContain('R2');
		await expect(downgrade.locator('.badge', { hasText: /^default$/ }).count()).resolves.toBe(1);
		await expect(downgrade.textContent()).resolves.toContain('Options: immediately, next-month');
		// and the calendar rules their "why"
		await expect(page.locator('ol.calendar-rules li').count()).resolves.toBe(3);

		// an unknown policy is a 404
		const missing = await page.goto('/settings/policies/no-such-policy');
		expect(missing?.status()).toBe(404);
	});

	it('previews a changed target without saving it, then saves it as version 2', async () => {
		await page.goto('/settings/policies/model-a', { waitUntil: 'networkidle' });
		const history = page.locator('table.history tbody tr');
		await expect(history.count()).resolves.toBe(1);

		await page.getByLabel('First response target, Standard P1').fill('2');
		await page.getByLabel('In force from').fill('2025-06-01');
		await page.getByRole('button', { name: 'Preview' }).click();

		const preview = page.locator('section.preview');
		await preview.waitFor({ timeout: 60_000 });
		await expect(preview.getByRole('heading', { level: 2 }).textContent()).resolves.toContain(
			'version 2'
		);
		const metToMissed = preview.locator('table.summary tbody tr', {
			has: page.locator('th', { hasText: /^met → missed$/ })
		});
		expect(count(await metToMissed.locator('td').textContent())).toBeGreaterThanOrEqual(1);
		expect(await preview.locator('table.changes tbody tr').count()).toBeGreaterThanOrEqual(1);
		await expect(preview.textContent()).resolves.toContain('Nothing is saved yet');
		// nothing saved: still one version, and the form keeps what was entered
		await expect(history.count()).resolves.toBe(1);
		await expect(page.getByLabel('First response target, Standard P1').inputValue()).resolves.toBe(
			'2'
		);
		await page.reload({ waitUntil: 'networkidle' });
		await expect(page.locator('table.history tbody tr').count()).resolves.toBe(1);
		await expect(page.getByLabel('First response target, Standard P1').inputValue()).resolves.toBe(
			'4'
		);

		// save the same change
		await page.getByLabel('First response target, Standard P1').fill('2');
		await page.getByLabel('In force from').fill('2025-06-01');
		await page.getByRole('button', { name: 'Save' }).click();
		await page.getByText(/version 2 saved/i).waitFor({ timeout: 60_000 });
		const recomputed = await page.getByRole('status').filter({ hasText: /saved/ }).textContent();
		expect(recomputed).toMatch(/\d+\s+tickets? recomputed/);
		const v2 = page.locator('table.history tbody tr[data-version="2"]');
		await expect(v2.locator('time').getAttribute('datetime')).resolves.toBe('2025-06-01');
		await expect(page.locator('table.history tbody tr').count()).resolves.toBe(2);
		// the editor now shows version 2
		await expect(page.getByLabel('First response target, Standard P1').inputValue()).resolves.toBe(
			'2'
		);
		await page.goto('/settings');
		const modelA = page.locator('table.policies tbody tr', { hasText: 'model-a' });
		await expect(modelA.locator('td.num').textContent()).resolves.toBe('2');
		await expect(modelA.textContent()).resolves.toContain('changed');
	});

	it('refuses an invalid target with an alert naming it and keeps what was entered', async () => {
		await page.goto('/settings/policies/model-a', { waitUntil: 'networkidle' });
		await page.getByLabel('pauseStatuses').fill('pending, on-hold');
		const enhancedP1 = page.getByLabel('First response target, Enhanced P1');
		await enhancedP1.fill('0');
		await page.getByRole('button', { name: 'Preview' }).click();
		const alert = page.getByRole('alert');
		await alert.waitFor();
		await expect(alert.textContent()).resolves.toContain(
			'clocks.first_response.targetHours.Enhanced.P1: must be a positive number of hours'
		);
		await expect(enhancedP1.getAttribute('aria-invalid')).resolves.toBe('true');
		await expect(page.getByLabel('pauseStatuses').inputValue()).resolves.toBe('pending, on-hold');
		await expect(enhancedP1.inputValue()).resolves.toBe('0');
		expect(await page.locator('section.preview').count()).toBe(0);
		await expect(page.locator('table.history tbody tr').count()).resolves.toBe(2);
	});

	it('refuses an invalid calendar version and names the field', async () => {
		await page.goto('/settings');
		await page.getByRole('link', { name: 'nl-opening-hours', exact: true }).click();
		await page.waitForURL(/\/settings\/calendars\/nl-opening-hours$/);
		await page.waitForLoadState('networkidle');
		const doc = page.getByLabel('Calendar document (JSON)');
		const text = await doc.inputValue();
		expect(JSON.parse(text).week.mon).toEqual([['09:00', '17:00']]);
		const broken = text.replace(/"mon": \[\[[^\]]*\]\]/, '"mon": [["17:00", "09:00"]]');
		expect(broken).not.toBe(text);
		await doc.fill(broken);
		await page.getByRole('button', { name: 'Save as new version' }).click();
		const alert = page.getByRole('alert');
		await alert.waitFor();
		await expect(alert.textContent()).resolves.toContain('week.mon');
		await expect(doc.inputValue()).resolves.toBe(broken);
		await expect(page.locator('table.history tbody tr').count()).resolves.toBe(1);

		// a valid one is saved as version 2
		await doc.fill(text.replace(/"mon": \[\[[^\]]*\]\]/, '"mon": [["08:30", "17:00"]]'));
		await page.getByLabel('In force from').fill('2026-01-01');
		await page.getByRole('button', { name: 'Save as new version' }).click();
		await page.getByText(/version 2 saved/i).waitFor({ timeout: 60_000 });
		await expect(page.locator('table.history tbody tr').count()).resolves.toBe(2);
		expect(JSON.parse(await doc.inputValue()).week.mon).toEqual([['08:30', '17:00']]);
	});

	it('previews a calendar version that opens a closed Monday without saving it', async () => {
		await page.goto('/settings/calendars/nl-opening-hours', { waitUntil: 'networkidle' });
		const history = page.locator('table.history tbody tr');
		await expect(history.count()).resolves.toBe(2);
		const doc = page.getByLabel('Calendar document (JSON)');
		const stored = await doc.inputValue();
		const calendar = JSON.parse(stored);
		expect(calendar.overrides).toEqual({});

		// an override that is not a window: refused with an alert naming it, nothing previewed
		const broken = JSON.stringify(
			{ ...calendar, overrides: { '2026-04-06': [['17:00', '09:00']] } },
			null,
			'\t'
		);
		await doc.fill(broken);
		await page.getByLabel('In force from').fill('2026-03-01');
		await page.getByRole('button', { name: 'Preview' }).click();
		const alert = page.getByRole('alert');
		await alert.waitFor();
		await expect(alert.textContent()).resolves.toContain('No preview');
		await expect(alert.textContent()).resolves.toContain('overrides.2026-04-06');
		await expect(doc.inputValue()).resolves.toBe(broken);
		expect(await page.locator('section.preview').count()).toBe(0);

		// Easter Monday 2026 (a Dutch holiday, closed) opened 09:00–17:00 from March 2026
		const opened = JSON.stringify(
			{ ...calendar, overrides: { '2026-04-06': [['09:00', '17:00']] } },
			null,
			'\t'
		);
		await doc.fill(opened);
		await page.getByRole('button', { name: 'Preview' }).click();
		const preview = page.locator('section.preview');
		await preview.waitFor({ timeout: 60_000 });
		expect(await page.getByRole('alert').count()).toBe(0);
		const heading = await preview.getByRole('heading', { level: 2 }).textContent();
		expect(heading).toContain('version 3');
		await expect(preview.locator('h2 time').getAttribute('datetime')).resolves.toBe('2026-03-01');
		await expect(preview.textContent()).resolves.toContain('Nothing is saved yet');
		const covers = await preview.locator('p.covers strong').textContent();
		expect(count(covers)).toBeGreaterThanOrEqual(1);
		// the summary counts the changed ticket clocks; the list shows them (at most 200)
		const summary = preview.locator('table.summary tbody tr');
		expect(await summary.count()).toBeGreaterThanOrEqual(1);
		const counted = (await summary.locator('td').allTextContents()).reduce(
			(n, t) => n + count(t),
			0
		);
		const listed = await preview.locator('table.changes tbody tr').count();
		expect(listed).toBeGreaterThanOrEqual(1);
		expect(listed).toBe(Math.min(200, counted));
		expect(counted).toBeLessThanOrEqual(count(covers) * 2);

		// nothing saved: still two versions, the form keeps what was entered
		await expect(history.count()).resolves.toBe(2);
		await expect(doc.inputValue()).resolves.toBe(opened);
		await expect(page.getByLabel('In force from').inputValue()).resolves.toBe('2026-03-01');
		await page.reload({ waitUntil: 'networkidle' });
		await expect(page.locator('table.history tbody tr').count()).resolves.toBe(2);
		expect(JSON.parse(await doc.inputValue()).overrides).toEqual({});
		expect(await page.locator('section.preview').count()).toBe(0);
	});

	it('previews a target agreement without saving it', async () => {
		await page.goto('/settings/agreements', { waitUntil: 'networkidle' });
		await expect(page.locator('table.agreements tbody tr').count()).resolves.toBe(0);
		const account = page.getByLabel('Account');
		// with no account chosen: refused with an alert, nothing previewed
		await page.getByLabel('First response target P1').fill('6');
		await page.getByRole('button', { name: 'Preview' }).click();
		await page.getByRole('alert').waitFor();
		await expect(page.getByRole('alert').textContent()).resolves.toContain('Choose the account');
		expect(await page.locator('section.preview').count()).toBe(0);

		const options = await account
			.locator('option')
			.evaluateAll((os) =>
				os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' }))
			);
		// an account on a policy with a tier (one without has its tickets judged by none)
		let chosen: { value: string; text: string } | undefined;
		for (const o of options.filter((x) => x.value)) {
			await account.selectOption(o.value);
			const hint = page.locator('#accountId + .hint');
			await hint.waitFor();
			if (!(await hint.textContent())?.includes('none yet')) {
				chosen = o;
				break;
			}
		}
		if (!chosen) throw new Error('no account of the sample is on a policy');
		// a quarter of an hour for every priority: each covered ticket's first-response target changes
		for (const p of ['P1', 'P2', 'P3', 'P4'])
			await page.getByLabel(`First response target ${p}`).fill('0.25');
		await page.getByLabel('Resolution target P2').fill('4');
		await page.getByLabel('In force from').fill('2025-01-01');
		// a preview needs no reason or name yet
		await page.getByRole('button', { name: 'Preview' }).click();
		const preview = page.locator('section.preview');
		await preview.waitFor({ timeout: 60_000 });
		expect(await page.getByRole('alert').count()).toBe(0);
		await expect(preview.getByRole('heading', { level: 2 }).textContent()).resolves.toContain(
			chosen.text.trim()
		);
		await expect(preview.textContent()).resolves.toContain('Nothing is saved yet');
		const covers = count(await preview.locator('p.covers strong').textContent());
		expect(covers).toBeGreaterThanOrEqual(1);
		const summary = preview.locator('table.summary tbody tr');
		expect(await summary.count()).toBeGreaterThanOrEqual(1);
		const counted = (await summary.locator('td').allTextContents()).reduce(
			(n, t) => n + count(t),
			0
		);
		expect(counted).toBeGreaterThanOrEqual(covers);
		const listed = preview.locator('table.changes tbody tr');
		expect(await listed.count()).toBe(Math.min(200, counted));
		expect(
			await listed.filter({ has: page.locator('td', { hasText: /^first response$/ }) }).count()
		).toBeGreaterThanOrEqual(Math.min(200, covers));

		// the form keeps what was entered; nothing is listed, now or after a reload
		await expect(account.inputValue()).resolves.toBe(chosen.value);
		await expect(page.getByLabel('First response target P3').inputValue()).resolves.toBe('0.25');
		await expect(page.getByLabel('Resolution target P2').inputValue()).resolves.toBe('4');
		await expect(page.getByLabel('In force from').inputValue()).resolves.toBe('2025-01-01');
		await expect(page.locator('table.agreements tbody tr').count()).resolves.toBe(0);
		await expect(page.getByText('No agreements yet', { exact: false }).count()).resolves.toBe(1);
		await page.reload({ waitUntil: 'networkidle' });
		await expect(page.locator('table.agreements tbody tr').count()).resolves.toBe(0);
		expect(await page.locator('section.preview').count()).toBe(0);
	});

	it('saves a target agreement for an account and lists it', async () => {
		await page.goto('/settings/agreements', { waitUntil: 'networkidle' });
		const account = page.getByLabel('Account');
		const options = await account
			.locator('option')
			.evaluateAll((os) =>
				os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' }))
			);
		const chosen = options.find((o) => o.value)!;
		await account.selectOption(chosen.value);
		const p1 = page.getByLabel('First response target P1');
		await p1.fill('0');
		await page.getByLabel('In force from').fill('2025-09-01');
		await page.getByLabel('Reason').fill('Addendum 2, §3');
		await page.getByLabel('Your name').fill('E2E Tester');
		// a target of 0 hours: refused by name, the entry kept
		await page.getByRole('button', { name: 'Save agreement' }).click();
		await page.getByRole('alert').waitFor();
		await expect(page.getByRole('alert').textContent()).resolves.toContain(
			'targets.first_response.P1'
		);
		await expect(page.getByLabel('Reason').inputValue()).resolves.toBe('Addendum 2, §3');
		await expect(account.inputValue()).resolves.toBe(chosen.value);

		await p1.fill('3');
		await page.getByRole('button', { name: 'Save agreement' }).click();
		await page.getByText('Agreement saved').waitFor({ timeout: 60_000 });
		const row = page.locator('table.agreements tbody tr', { hasText: 'Addendum 2, §3' });
		await expect(row.count()).resolves.toBe(1);
		await expect(row.textContent()).resolves.toContain('P1 3 h');
		await expect(row.textContent()).resolves.toContain('E2E Tester');
		await expect(row.textContent()).resolves.toContain(chosen.text.trim());
	});
});
