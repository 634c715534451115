/**
 * `peil backup` and `peil restore` on real stores through the command line: a backup restores to
 * exactly the contents it was made of; files that are no usable backup are refused with a clear
 * message and the store stays byte for byte as it was; with the built server running, a backup
 * is handed to it and a restore is refused.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/lib/server/db/index.ts';
import { FIXTURES, storeContents, tempDir } from '../helpers/fresh-store.ts';
import { ROOT, startServer, type RunningServer } from '../helpers/server.ts';

function peil(args: string[], env: Record<string, string>) {
	const r = spawnSync(process.execPath, ['bin/peil.js', ...args], {
		cwd: ROOT,
		env: { ...process.env, ...env },
		encoding: 'utf8'
	});
	return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha = (file: string) =>
	crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The store's contents, leaving out the marks a backup and a restore add to `meta`. */
async function contents(file: string): Promise<string> {
	const store = await Store.open(file);
	try {
		return await storeContents(
			store,
			(t, row) => t === 'meta' && /^\{'key': '?(backup|restored_from)'?, /.test(row)
		);
	} finally {
		await store.close();
	}
}

const dirs: string[] = [];
afterAll(() => {
	for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('backup and restore from the command line', () => {
	const dir = tempDir();
	dirs.push(dir);
	const db = path.join(dir, 'peil.duckdb');
	const env = { PEIL_DB: db };
	const backup = path.join(dir, 'backups', 'before.duckdb');
	let original = '';

	it('restores a backup to exactly what was backed up, keeping the replaced store beside it', async () => {
		expect(
			peil(['import', path.join(FIXTURES, 'zendesk-small.csv'), '--source', 'zendesk'], env).code
		).toBe(0);
		const accounts = path.join(dir, 'accounts.csv');
		fs.writeFileSync(
			accounts,
			'id,name,policy,tiers,contacts\nzuidvelde,Gemeente Zuidvelde,model-a,2024-01-01=Premium,Jan Jansen <jan@zuidvelde.nl>!\n'
		);
		expect(peil(['accounts', 'import', accounts], env).code).toBe(0);
		original = await contents(db);
		expect(original).toMatch(/^tickets: /m);

		const b = peil(['backup', backup], env);
		expect(b.stderr).toBe('');
		expect(b.code).toBe(0);
		expect(b.stdout).toMatch(/^Backup written: .*before\.duckdb \(\d+\.\d MB, the store as of /);
		expect(fs.readdirSync(path.dirname(backup))).toEqual(['before.duckdb']);

		// change the store: another import and an erasure
		expect(
			peil(['import', path.join(FIXTURES, 'freshdesk-tickets.csv'), '--source', 'freshdesk'], env)
				.code
		).toBe(0);
		const erase = peil(['account', 'erase', 'zuidvelde', '--confirm', '--by', 'Admin'], env);
		expect(erase.stderr).toBe('');
		expect(erase.stdout).toMatch(/^Account zuidvelde erased by Admin/);
		const changed = await contents(db);
		expect(changed).not.toBe(original);

		const r = peil(['restore', backup], env);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain(`The store it replaced is kept as ${db}.before-restore.`);
		expect(await contents(db)).toBe(original);
		expect(await contents(`${db}.before-restore`)).toBe(changed);
		expect(fs.readdirSync(dir).filter((f) => f.includes('restoring'))).toEqual([]);
	});

	it('refuses files that are no usable backup, with a clear message and the store unchanged', async () => {
		const before = sha(db);
		const bad = (name: string, content: Buffer | string) => {
			const f = path.join(dir, name);
			fs.writeFileSync(f, content);
			return f;
		};
		// a DuckDB database of something else
		const other = path.join(dir, 'other.duckdb');
		const inst = await DuckDBInstance.create(other);
		const conn = await inst.connect();
		await conn.run('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
		conn.closeSync();
		inst.closeSync();
		// a backup made by a newer Peil: a migration this version does not know
		const newer = path.join(dir, 'newer.duckdb');
		fs.copyFileSync(backup, newer);
		const n = await Store.open(newer);
		await n.run(`INSERT INTO peil_migrations VALUES ('0999_from_the_future', now())`);
		await n.close();
		// a backup cut off halfway (a copy that did not finish)
		const whole = fs.readFileSync(backup);
		const cases: [string, RegExp][] = [
			[
				bad('notes.duckdb', 'these are not the tickets you are looking for\n'),
				/^Error: notes\.duckdb: is not a Peil backup \(not a DuckDB database file\); nothing was restored$/
			],
			[path.join(dir, 'missing.duckdb'), /^Error: missing\.duckdb: no such file$/],
			[
				other,
				/^Error: other\.duckdb: is a DuckDB database but not a Peil backup \(it has no Peil schema\); nothing was restored$/
			],
			[
				newer,
				/^Error: newer\.duckdb: was made by a newer version of Peil \(its schema has migration 0999_from_the_future, which this version does not know\); update Peil, then restore\. Nothing was restored$/
			],
			[
				bad('cut.duckdb', whole.subarray(0, Math.floor(whole.length / 2))),
				/^Error: cut\.duckdb: (is damaged and cannot be opened|cannot be brought to this version's schema or read in full) \(.+\); nothing was restored$/
			]
		];
		for (const [file, message] of cases) {
			const r = peil(['restore', file], env);
			expect(r.code, file).toBe(2);
			expect(r.stderr.trim(), file).toMatch(message);
			expect(sha(db), file).toBe(before);
		}
		expect(await contents(db)).toBe(original);
		expect(fs.readdirSync(dir).filter((f) => f.includes('restoring'))).toEqual([]);
		const usage = peil(['restore'], env);
		expect(usage.code).toBe(1);
		expect(usage.stderr).toMatch(/^restore: name the backup file to restore/);
	});
});

describe('backup and restore with the server running', () => {
	let server: RunningServer;
	const dir = tempDir();
	dirs.push(dir);
	const db = path.join(dir, 'peil.duckdb');
	const env = { PEIL_DB: db };
	afterAll(async () => {
		await server?.stop();
	});

	it('hands a backup to the server, refuses a restore while it runs, and restores once it stopped', async () => {
		server = await startServer({ PEIL_SAMPLE: '0', PEIL_DB: db });
		expect(
			peil(['import', path.join(FIXTURES, 'zendesk-small.csv'), '--source', 'zendesk'], env).code
		).toBe(0);
		const file = path.join(dir, 'while-running.duckdb');
		const b = peil(['backup', file], env);
		expect(b.stderr).toMatch(/holds the store: sending the work there/);
		expect(b.code).toBe(0);
		expect(fs.readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
		const backedUp = await contents(file);
		expect(backedUp).toMatch(/^tickets: /m);

		// the server goes on working: another import after the backup
		expect(
			peil(['import', path.join(FIXTURES, 'freshdesk-tickets.csv'), '--source', 'freshdesk'], env)
				.code
		).toBe(0);
		const refused = peil(['restore', file], env);
		expect(refused.code).toBe(2);
		expect(refused.stderr.trim()).toMatch(
			/^The Peil server at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\) holds the store .*peil\.duckdb: stop it, then restore\. Nothing was restored\.$/
		);

		await server.stop();
		const r = peil(['restore', file], env);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(await contents(db)).toBe(backedUp);
		expect(await contents(`${db}.before-restore`)).toMatch(/^imports: .*freshdesk/m);
	}, 300_000);
});
