/**
 * Debian's Chromium through playwright-core (never a downloaded browser), started as this
 * machine needs it, and a page whose zone is Pacific/Auckland: a page that showed times in the
 * browser's zone instead of Dutch time would show it.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
	chromium,
	type Browser,
	type BrowserContext,
	type BrowserContextOptions,
	type Page
} from 'playwright-core';
import type { RunningServer } from './server.ts';

/** Debian's Chromium, or the browser named by PEIL_CHROMIUM. */
export const CHROMIUM = process.env.PEIL_CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
	// never skipped: without a browser the browser tests fail, saying how to get one
	if (!fs.existsSync(CHROMIUM))
		throw new Error(
			`The browser tests need Chromium at ${CHROMIUM} and it is not there. ` +
				`Install Debian's: sudo apt-get update && sudo apt-get install -y chromium ` +
				`(or point PEIL_CHROMIUM at another Chromium binary).`
		);
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

/** A browser context on the server, signed in with `cookie` (the test admin's by default). */
export async function signedInContext(
	browser: Browser,
	server: Pick<RunningServer, 'base' | 'cookie'>,
	options: BrowserContextOptions = {},
	cookie = server.cookie
): Promise<BrowserContext> {
	const context = await browser.newContext({
		baseURL: server.base,
		timezoneId: 'Pacific/Auckland',
		locale: 'en-GB',
		...options
	});
	const [name, value] = cookie.split(/=(.*)/s);
	await context.addCookies([{ name, value, url: server.base }]);
	return context;
}

export async function openPage(
	browser: Browser,
	server: Pick<RunningServer, 'base' | 'cookie'>,
	cookie?: string
): Promise<Page> {
	return (await signedInContext(browser, server, {}, cookie)).newPage();
}

/** A count as the pages print it (nl-NL grouping: 1.500). */
export function count(text: string | null): number {
	return Number((text ?? '').replace(/[^\d]/g, ''));
}

/** Where the browser tests leave a screenshot of each page they test (README: "Screenshots"). */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
	fs.mkdirSync(SCREENSHOTS, { recursive: true });
	const file = path.join(SCREENSHOTS, `${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	return file;
}
