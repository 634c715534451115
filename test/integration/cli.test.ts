import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, tempDir } from '../helpers/fresh-store.ts';
import { ROOT, startServer, waitFor, type RunningServer } from '../helpers/server.ts';
import { Store } from '../../src/lib/server/db/index.ts';

function peil(args: string[], env: Record<string, string>) {
	const r = spawnSync(process.execPath, ['bin/peil.js', ...args], {
		cwd: ROOT,
		env: { ...process.env, ...env },
		encoding: 'utf8'
	});
	return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const zendesk = path.join(FIXTURES, 'zendesk-small.csv');

describe('the command line on its own', () => {
	it('imports, lists and rolls back, and never loads the sample', () => {
		const dir = tempDir();
		const env = { PEIL_DB: path.join(dir, 'peil.duckdb') };
		const r = peil(['import', zendesk, '--source', 'zendesk', '--json'], env);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		const report = JSON.parse(r.stdout);
		expect(report.counts.tickets).toEqual({
			read: 8,
			inserted: 3,
			updated: 0,
			unchanged: 0,
			rejected: 5
		});
		expect(report.profile).toBe('zendesk');
		const list = JSON.parse(peil(['imports', '--json'], env).stdout);
		expect(list).toHaveLength(1);
		expect(list[0].isSample).toBe(false);
		const rb = peil(['rollback', '1'], env);
		expect(rb.code).toBe(0);
		expect(rb.stdout).toMatch(/Import 1 rolled back: 3 tickets removed/);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('adds users and tokens, prints a generated password once, and records its work in the audit log', async () => {
		const dir = tempDir();
		const env = { PEIL_DB: path.join(dir, 'peil.duckdb') };
		const add = peil(
			['user', 'add', 'Eva@Example.nl', '--role', 'csm', '--name', 'Eva Janssen'],
			env
		);
		expect(add.stderr).toBe('');
		expect(add.code).toBe(0);
		const password = /Password \(shown only now\): (\S+)/.exec(add.stdout)?.[1];
		expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
		const bad = peil(['user', 'add', 'x@example.nl', '--role', 'owner'], env);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(
			/"owner" is not a role \(one of admin, csm, account_manager, finance, viewer\)/
		);
		const chosen = spawnSync(
			process.execPath,
			['bin/peil.js', 'user', 'add', 'finance@example.nl', '--role', 'finance', '--password-stdin'],
			{ cwd: ROOT, env: { ...process.env, ...env }, input: 'short\n', encoding: 'utf8' }
		);
		expect(chosen.status).toBe(2);
		expect(chosen.stderr).toMatch(/at least 12 characters/);
		const list = JSON.parse(peil(['user', 'list', '--json'], env).stdout) as {
			email: string;
			role: string;
			hasPassword: boolean;
		}[];
		expect(list).toEqual([
			expect.objectContaining({ email: 'eva@example.nl', role: 'csm', hasPassword: true })
		]);
		const token = peil(['token', 'add', 'nightly-import', '--role', 'admin'], env);
		expect(token.code).toBe(0);
		expect(token.stdout).toMatch(/\npeil_[A-Za-z0-9_-]{40,}\n/);
		expect(peil(['token', 'revoke', 'nightly-import'], env).stdout).toMatch(/revoked/);
		peil(['import', zendesk, '--source', 'zendesk'], env);
		// the audit log, read from the store itself: the hash never the password
		const store = await Store.open(env.PEIL_DB);
		try {
			const rows = await store.all(
				'SELECT actor, action, target, detail::VARCHAR AS detail FROM audit_log ORDER BY occurred_at'
			);
			expect(rows.map((r) => r.action)).toEqual([
				'POST /api/users',
				'POST /api/tokens',
				'DELETE /api/tokens/nightly-import',
				'import'
			]);
			expect(String(rows[0].actor)).toMatch(/^command line \(/);
			expect(JSON.stringify(rows)).not.toContain(password);
			const stored = await store.one('SELECT password_hash FROM users');
			expect(String(stored?.password_hash)).toMatch(/^\$argon2id\$/);
		} finally {
			await store.close();
		}
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('exits non-zero with one clear message for a file it cannot read', () => {
		const dir = tempDir();
		const empty = path.join(dir, 'empty.csv');
		fs.writeFileSync(empty, '');
		const r = peil(['import', empty, '--source', 'zendesk'], {
			PEIL_DB: path.join(dir, 'peil.duckdb')
		});
		expect(r.code).toBe(2);
		expect(r.stderr.trim()).toBe('Error: empty.csv: is empty (0 bytes): nothing to import');
		const usage = peil(['import', zendesk], { PEIL_DB: path.join(dir, 'peil.duckdb') });
		expect(usage.code).toBe(1);
		expect(usage.stderr).toMatch(/--source/);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('says plainly that another process holds the store, never a raw lock error', async () => {
		const dir = tempDir();
		const db = path.join(dir, 'peil.duckdb');
		const holder = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/hold-store.ts', db], {
			cwd: ROOT,
			stdio: ['ignore', 'pipe', 'inherit']
		});
		let out = '';
		holder.stdout.on('data', (d) => (out += d));
		try {
			await waitFor(() => out.includes('holding'), 30_000, 'the holder');
			const r = peil(['import', zendesk, '--source', 'zendesk'], { PEIL_DB: db });
			expect(r.code).toBe(2);
			expect(r.stderr).toMatch(/is open in another process \(pid \d+\)/);
			expect(r.stderr).toMatch(/No Peil server answered/);
			expect(r.stderr).not.toMatch(/Conflicting lock|IO Error/);
		} finally {
			holder.kill('SIGKILL');
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('with the server running', () => {
	let server: RunningServer;
	beforeAll(async () => {
		server = await startServer({ PEIL_SAMPLE: '0', PEIL_UPLOAD_LIMIT: '200000' });
	}, 300_000);
	afterAll(async () => {
		await server?.stop();
	});

	it('hands command-line work to the server that holds the store', async () => {
		const env = { PEIL_DB: server.db };
		const r = peil(['import', zendesk, '--source', 'zendesk', '--json'], env);
		expect(r.code).toBe(0);
		expect(r.stderr).toMatch(/holds the store: sending the work there/);
		expect(JSON.parse(r.stdout).counts.tickets.inserted).toBe(3);
		const accounts = path.join(server.dir, 'accounts.csv');
		fs.writeFileSync(
			accounts,
			'id,name,policy,tiers\nzuidvelde,Gemeente Zuidvelde,model-a,2024-01-01=Premium\n'
		);
		const a = peil(['accounts', 'import', accounts, '--json'], env);
		expect(a.code).toBe(0);
		expect(JSON.parse(a.stdout)).toMatchObject({ read: 1, updated: 1 });
		const list = JSON.parse(peil(['imports', '--json'], env).stdout);
		expect(list.map((i: { file: string }) => i.file)).toContain('zendesk-small.csv');
		const again = peil(['rollback', String(list[0].id), '--json'], env);
		expect(again.code).toBe(0);
		expect(JSON.parse(again.stdout).tickets.deleted).toBe(3);
		// users are added through the server too, with the hand-off token it wrote for this start
		const add = peil(['user', 'add', 'ops@example.nl', '--role', 'viewer'], env);
		expect(add.code).toBe(0);
		expect(add.stderr).toMatch(/holds the store: sending the work there/);
		const password = /Password \(shown only now\): (\S+)/.exec(add.stdout)![1];
		expect(await server.signIn('ops@example.nl', password)).toMatch(/^peil_session=/);
		// the server's file with that token is readable by its own system user only
		expect(fs.statSync(`${server.db}.server.json`).mode & 0o077).toBe(0);
		// without it, a command gets a clear refusal
		const refused = peil(['imports', '--json'], { ...env, PEIL_TOKEN: 'peil_not-a-token' });
		expect(refused.code).not.toBe(0);
	});

	it('imports a raw body posted to /api/imports and answers with the report', async () => {
		const res = await server!.fetch(
			`${server.base}/api/imports?source=zendesk-api&name=export.csv`,
			{
				method: 'POST',
				headers: { 'content-type': 'text/csv' },
				body: fs.readFileSync(zendesk)
			}
		);
		expect(res.status).toBe(200);
		const report = await res.json();
		expect(report.file).toBe('export.csv');
		expect(report.counts.tickets).toMatchObject({ read: 8, inserted: 3, rejected: 5 });
		const bytes = Buffer.from(
			await (
				await server!.fetch(`${server.base}/api/imports/${report.importId}/rejects.csv`)
			).arrayBuffer()
		);
		// UTF-8 with BOM and ';' for Dutch Excel
		expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const csv = bytes.subarray(3).toString('utf8');
		expect(csv.slice(0, 27)).toBe('row;column;value;reason\r\n4;');
		expect(csv.split('\r\n').filter(Boolean)).toHaveLength(6);
	});

	it('refuses an upload over the limit, a form post and an unreadable file, with the store unchanged', async () => {
		const before = await (await server!.fetch(`${server.base}/api/imports`)).json();
		const big = await server!.fetch(`${server.base}/api/imports?source=zendesk`, {
			method: 'POST',
			headers: { 'content-type': 'text/csv' },
			body: Buffer.alloc(300_000, 'a')
		});
		expect(big.status).toBe(413);
		expect((await big.json()).error).toMatch(/the limit is 200000 bytes/);
		const form = new FormData();
		form.append('file', new Blob([fs.readFileSync(zendesk)]), 'x.csv');
		const multipart = await server!.fetch(`${server.base}/api/imports?source=zendesk`, {
			method: 'POST',
			body: form,
			headers: { origin: server.base }
		});
		expect(multipart.status).toBe(415);
		const bin = await server!.fetch(`${server.base}/api/imports?source=zendesk&name=export.csv`, {
			method: 'POST',
			headers: { 'content-type': 'application/octet-stream' },
			body: Buffer.from([0, 1, 2, 3, 0, 0, 9])
		});
		expect(bin.status).toBe(422);
		expect((await bin.json()).error).toBe('export.csv: is a binary file, not a CSV or XLSX export');
		expect(await (await server!.fetch(`${server.base}/api/imports`)).json()).toEqual(before);
	});
});
