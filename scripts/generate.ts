/**
 * Generate deterministic sample exports.
 *
 *   npx tsx scripts/generate.ts --tickets N --out DIR [--seed S] [--from YYYY-MM-DD]
 *                               [--as-of ISO-INSTANT] [--tickets-only]
 *
 * --tickets-only writes only tickets.csv (the ingest benchmark needs nothing else).
 */
import { statSync } from 'node:fs';
import { generateSample, type GenerateOptions } from '../src/lib/server/sample/generate';

const USAGE =
	'usage: npx tsx scripts/generate.ts --tickets N --out DIR [--seed S] [--from YYYY-MM-DD] [--as-of ISO-INSTANT] [--tickets-only]';

function fail(message: string): never {
	process.stderr.write(`${message}\n${USAGE}\n`);
	process.exit(2);
}

function parseArgs(argv: string[]): GenerateOptions {
	let tickets: number | undefined;
	let outDir: string | undefined;
	const opts: Partial<GenerateOptions> = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const [flag, inline] =
			arg.startsWith('--') && arg.includes('=')
				? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
				: [arg, undefined];
		const value = (): string => {
			if (inline !== undefined) return inline;
			const v = argv[++i];
			if (v === undefined || v.startsWith('--')) fail(`${flag} needs a value`);
			return v;
		};
		const integer = (name: string, v: string): number => {
			const n = Number(v.replace(/_/g, ''));
			if (!Number.isInteger(n) || n < 0) fail(`${name}: expected a whole number >= 0, got "${v}"`);
			return n;
		};
		switch (flag) {
			case '--tickets':
				tickets = integer('--tickets', value());
				break;
			case '--out':
				outDir = value();
				break;
			case '--seed':
				opts.seed = integer('--seed', value());
				break;
			case '--from':
				opts.from = value();
				break;
			case '--as-of':
				opts.asOf = value();
				break;
			case '--tickets-only':
				opts.ticketsOnly = true;
				break;
			case '-h':
			case '--help':
				process.stdout.write(USAGE + '\n');
				process.exit(0);
				break;
			default:
				fail(`unknown argument "${arg}"`);
		}
	}
	if (tickets === undefined) fail('--tickets is required');
	if (!outDir) fail('--out is required');
	return { ...opts, tickets, outDir };
}

function size(path: string): string {
	const bytes = statSync(path).size;
	return bytes >= 1 << 20
		? `${(bytes / (1 << 20)).toFixed(1)} MB`
		: `${(bytes / 1024).toFixed(1)} KB`;
}

const opts = parseArgs(process.argv.slice(2));
const started = performance.now();
let lastReport = started;
const result = await generateSample({
	...opts,
	onProgress: (done, total) => {
		const now = performance.now();
		if (process.stderr.isTTY && now - lastReport > 500) {
			lastReport = now;
			process.stderr.write(
				`\r${done.toLocaleString('en')} / ${total.toLocaleString('en')} tickets`
			);
		}
	}
});
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
const seconds = ((performance.now() - started) / 1000).toFixed(1);

const lines: [string, string, number][] = [
	['accounts', result.files.accounts, result.accounts],
	['tickets', result.files.tickets, result.tickets],
	['events', result.files.events, result.events],
	['time entries', result.files.timeEntries, result.timeEntries]
];
for (const [what, path, rows] of lines) {
	if (!path) continue;
	process.stdout.write(`${path}: ${rows.toLocaleString('en')} ${what}, ${size(path)}\n`);
}
process.stdout.write(`done in ${seconds} s (as of ${result.asOf})\n`);
