import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { Store } from '../../src/lib/server/db/index.ts';
import { prepareStore } from '../../src/lib/server/bootstrap.ts';
import { importFile } from '../../src/lib/server/ingest/run-import.ts';
import { generateSample } from '../../src/lib/server/sample/generate.ts';
import { FIXTURES, snapshot, tempDir } from '../helpers/fresh-store.ts';

// One import is one transaction: a process killed while it writes leaves the store as it was.
it('a process killed in the middle of an import leaves the store exactly as before', async () => {
	const dir = tempDir();
	const db = path.join(dir, 'peil.duckdb');
	let store = await prepareStore(db);
	await importFile(store, { file: path.join(FIXTURES, 'zendesk-small.csv'), source: 'zendesk' });
	const before = await snapshot(store);
	await store.close();

	const gen = await generateSample({ tickets: 150_000, outDir: path.join(dir, 'big') });
	const child = spawn(
		process.execPath,
		['--import', 'tsx', 'test/helpers/import-child.ts', gen.files.tickets, db],
		{
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	const phases: string[] = [];
	let stderr = '';
	child.stderr.on('data', (d) => (stderr += d));
	const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
		child.on('exit', (code, signal) => resolve({ code, signal }))
	);
	child.stdout.on('data', (d: Buffer) => {
		for (const line of d.toString().split('\n').filter(Boolean)) {
			phases.push(line);
			// the rows are parsed and being merged into the tickets table: kill it now
			if (line === 'phase merging') setTimeout(() => child.kill('SIGKILL'), 150);
		}
	});
	const { signal } = await exit;
	expect(stderr).toBe('');
	expect(phases).toContain('phase merging');
	expect(phases).not.toContain('finished');
	expect(signal).toBe('SIGKILL');

	store = await Store.open(db);
	try {
		expect(await snapshot(store)).toEqual(before);
	} finally {
		await store.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
