/**
 * Building a mapping on /import for an export no profile knows, in a real browser against the
 * BUILT server (build/index.js) on a fresh, empty store (no sample). The tests run in order and
 * share that store: the mapping saved in the first is the one detection picks in the second.
 *
 * Server and browser run in Pacific/Auckland (vitest's TZ, the browser context's timezoneId), so
 * a page or mapping that read the file's wall-clock times in the host's zone would show it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { count, launchBrowser, openPage } from '../helpers/browser.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitFor, type RunningServer } from '../helpers/server.ts';

/** A customer list saved from Dutch Excel: ";"-separated, day-first times, Dutch priorities. */
const CSV = [
	'Nr;Klant;Gemeld op;Urgentie',
	'1001;Acme BV;03-03-2026 09:15;Hoog',
	'1002;Beta NV;04-03-2026 14:30;Laag',
	'1003;Acme BV;05-03-2026 08:05;Hoog',
	''
].join('\r\n');

let server: RunningServer | null = null;
let browser: Browser | null = null;
let page: Page;
let base = '';
let dir = '';
let csvFile = '';

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peil-mapping-e2e-'));
	csvFile = path.join(dir, 'klantlijst.csv');
	fs.writeFileSync(csvFile, CSV);

	server = await startServer({ PEIL_SAMPLE: '0' });
	base = server.base;

	browser = await launchBrowser();
	page = await openPage(browser, server);
}, 10 * 60_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('building a mapping on /import', () => {
	it('previews an unknown export, saves a mapping for it and imports the file with it', async () => {
		await page.goto('/import', { waitUntil: 'networkidle' });
		await page.getByLabel('Export file').setInputFiles(csvFile);

		// the preview: nothing detected, the header and the three rows
		await page.getByText('No profile fits this header').waitFor({ timeout: 30_000 });
		const preview = page.locator('section.file-preview');
		await expect(preview.locator('thead th').allTextContents()).resolves.toEqual([
			'Nr',
			'Klant',
			'Gemeld op',
			'Urgentie'
		]);
		expect(await preview.locator('tbody tr').count()).toBe(3);

		// the mapping
		const builder = page.locator('section.mapping-builder');
		await builder.waitFor();
		await expect(builder.getByLabel('Kind of record').inputValue()).resolves.toBe('tickets');
		await expect(builder.getByLabel('Zone').inputValue()).resolves.toBe('Europe/Amsterdam');
		await builder.getByLabel('ticket id', { exact: true }).selectOption('Nr');
		await builder.getByLabel('organisation', { exact: true }).selectOption('Klant');
		await builder.getByLabel('creation time', { exact: true }).selectOption('Gemeld op');
		const format = builder.getByLabel('Date format of creation time', { exact: true });
		await expect(format.getAttribute('placeholder')).resolves.toBe('dd-mm-yyyy HH:mm');
		await format.fill('dd-mm-yyyy HH:mm');
		await builder.getByLabel('priority', { exact: true }).selectOption('Urgentie');
		await builder.getByLabel('Values of priority', { exact: true }).fill('Hoog=P2\nLaag=P4');

		// a name the server refuses: its answer is shown, nothing is saved
		await builder.getByLabel('Mapping name').fill('Klant lijst');
		await builder.getByRole('button', { name: 'Save mapping' }).click();
		await expect(builder.getByRole('alert').textContent()).resolves.toContain('lower-case');

		await builder.getByLabel('Mapping name').fill('klantlijst');
		await builder.getByRole('button', { name: 'Save mapping' }).click();
		await builder.getByText('Saved the mapping').waitFor();
		expect(await builder.getByRole('alert').count()).toBe(0);

		// it is in the profile list and selected; detection now picks it for this file
		const profile = page.getByLabel('Profile', { exact: true });
		await waitFor(
			async () => (await profile.inputValue()) === 'klantlijst',
			10_000,
			'the saved mapping to be selected'
		);
		expect(await profile.locator('option[value="klantlijst"]').count()).toBe(1);
		await page.getByText('Detected profile: mapping "klantlijst"').waitFor();

		// import with it
		await page.getByLabel('Source').fill('klant');
		await page.getByRole('button', { name: 'Import', exact: true }).click();
		const report = page.locator('section.import-report');
		await report.waitFor({ timeout: 60_000 });
		const ticketsRow = report.locator('table.counts tr', {
			has: page.locator('th', { hasText: /^Tickets$/ })
		});
		// read, inserted, updated, unchanged, rejected
		expect((await ticketsRow.locator('td').allTextContents()).map(count)).toEqual([3, 3, 0, 0, 0]);
		expect(await report.locator('code', { hasText: /^klantlijst$/ }).count()).toBe(1);

		const profiles = (await (await server!.fetch(`${base}/api/profiles`)).json()) as {
			name: string;
			builtin: boolean;
			kind: string;
		}[];
		expect(profiles.find((p) => p.name === 'klantlijst')).toMatchObject({
			builtin: false,
			kind: 'tickets'
		});
	});

	it('detects the saved mapping in a preview of the same file', async () => {
		const res = await server!.fetch(`${base}/api/imports/preview?name=klantlijst.csv`, {
			method: 'POST',
			headers: { 'Content-Type': 'text/csv' },
			body: fs.readFileSync(csvFile)
		});
		expect(res.status).toBe(200);
		const preview = (await res.json()) as {
			delimiter: string;
			header: string[];
			rows: string[][];
			detected: { profile: string } | null;
		};
		expect(preview.detected?.profile).toBe('klantlijst');
		expect(preview.delimiter).toBe(';');
		expect(preview.header).toEqual(['Nr', 'Klant', 'Gemeld op', 'Urgentie']);
		expect(preview.rows).toHaveLength(3);
	});
});
