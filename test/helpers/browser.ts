/**
 * Debian's Chromium through playwright-core (never a downloaded browser), started as this
 * machine needs it, and a page whose zone is Pacific/Auckland: a page that showed times in the
 * browser's zone instead of Dutch time would show it.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitFor } from './server.ts';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
	await waitFor(() => fs.existsSync(CHROMIUM), 5 * 60_000, `${CHROMIUM} to be installed`);
	return chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--no-first-run'
		]
	});
}

export async function openPage(browser: Browser, baseURL: string): Promise<Page> {
	const context = await browser.newContext({
		baseURL,
		timezoneId: 'Pacific/Auckland',
		locale: 'en-GB'
	});
	return context.newPage();
}

/** A count as the pages print it (nl-NL grouping: 1.500). */
export function count(text: string | null): number {
	return Number((text ?? '').replace(/[^\d]/g, ''));
}
