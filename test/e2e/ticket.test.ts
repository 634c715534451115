/**
 * The ticket page in a real browser against the BUILT server on the sample: the explanation of
 * a resolved ticket with pauses, its SLA timeline drawn on the server (with the day table beside
 * it), and a correction of its type that makes the first response excluded (R6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | null = null;
let browser: Browser | null = null;
let page: Page;
let ticketId = '';
let correctId = '';

interface ClockJson {
	clock: string;
	verdict: string;
	decisions: { what: string; value: unknown }[];
	pauses: unknown[];
	days: { date: string; windows: unknown[] }[];
}

beforeAll(async () => {
	server = await startServer({ PEIL_SAMPLE_TICKETS: '1500' });
	// the first sample ticket (ids start at 1000) whose resolution clock has pauses; in the sample
	// only model B has a resolution clock and it excludes no type, so the correction (R6) is made
	// on the first model A ticket whose first response is judged
	for (let id = 1000; id < 2500 && !(ticketId && correctId); id++) {
		const r = await server!.fetch(`${server.base}/api/tickets/zendesk/${id}/explain`);
		if (!r.ok) continue;
		const e = (await r.json()) as { ticket: { type: string }; clocks: ClockJson[] };
		const res = e.clocks.find((c) => c.clock === 'resolution');
		const fr = e.clocks.find((c) => c.clock === 'first_response');
		if (!ticketId && res?.pauses.length) ticketId = String(id);
		const policy = String(fr?.decisions.find((d) => d.what === 'policy')?.value);
		if (!correctId && fr && fr.verdict !== 'excluded' && policy.startsWith('Model A'))
			correctId = String(id);
	}
	browser = await launchBrowser();
	page = await openPage(browser, server);
}, 10 * 60_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
}, 60_000);

describe('ticket page', () => {
	it('found a sample ticket with paused resolution and a model A ticket to correct', () => {
		expect(ticketId).not.toBe('');
		expect(correctId).not.toBe('');
	});

	it('shows the verdicts, the timeline drawn and the day table beside it', async () => {
		const res = await page.goto(`/tickets/zendesk/${ticketId}`);
		expect(res?.status()).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			ticketId
		);
		const verdict = await page.locator('#clock-resolution .verdict-text').textContent();
		expect(verdict).toMatch(/^(met|missed|open within target|open and missed)$/);
		const svg = page.locator('#clock-resolution svg.sla-timeline');
		expect(await svg.count()).toBe(1);
		expect(await svg.locator('rect.window').count()).toBeGreaterThan(0);
		expect(await svg.locator('rect.pause').count()).toBeGreaterThan(0);
		expect(await svg.locator('.marker.created').count()).toBe(1);
		const days = await page.locator('#clock-resolution table.days tbody tr').count();
		expect(days).toBeGreaterThan(0);
		expect(await page.locator('#clock-resolution table.days caption').textContent()).toContain(
			'day by day'
		);
	});

	it('refuses a correction without a reason, keeping what was typed', async () => {
		await page.goto(`/tickets/zendesk/${correctId}`, { waitUntil: 'networkidle' });
		await page.getByLabel('Field').selectOption('type');
		await page.getByLabel('Value').fill('feature_request');
		await page.getByLabel('Your name').fill('Test Person');
		await page.getByRole('button', { name: 'Correct' }).click();
		const alert = page.getByRole('alert');
		await alert.waitFor();
		expect(await alert.textContent()).toContain('needs a reason');
		expect(await page.getByLabel('Value').inputValue()).toBe('feature_request');
		expect(await page.getByLabel('Your name').inputValue()).toBe('Test Person');
	});

	it('corrects the type to feature_request: the first response becomes excluded (R6)', async () => {
		await page.goto(`/tickets/zendesk/${correctId}`, { waitUntil: 'networkidle' });
		await page.getByLabel('Field').selectOption('type');
		await page.getByLabel('Value').fill('feature_request');
		await page.getByLabel('Reason').fill('customer asked for a new report, not a fault');
		await page.getByLabel('Your name').fill('Anna de Vries');
		await page.getByRole('button', { name: 'Correct' }).click();
		await page.getByRole('status').waitFor();
		const verdict = page.locator('#clock-first_response .verdict-text');
		await expect
			.poll(() => verdict.textContent(), { timeout: 15_000 })
			.toMatch(/^excluded: .*feature_request.*R6/);
		const row = page.locator('table.corrections-list tbody tr');
		expect(await row.count()).toBe(1);
		const cells = await row.locator('td').allTextContents();
		expect(cells[0]).toBe('type');
		expect(cells[1]).toBe('feature_request');
		expect(cells[2]).toBe('Anna de Vries');
		expect(cells[4]).toBe('customer asked for a new report, not a fault');
	});
});
