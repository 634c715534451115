/**
 * The BUILT server (build/index.js, made by `npm run build` before the tests) on a free port,
 * with a fresh store and data folder in a temporary directory. Used by the browser tests and the
 * command-line hand-off tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningServer {
	base: string;
	dir: string;
	db: string;
	dataDir: string;
	log: () => string;
	stop: () => Promise<void>;
	/** the admin token the server wrote beside the store for the command line */
	adminToken: string;
	/** `peil_session=…` of a signed-in admin (made for the test) */
	cookie: string;
	/** fetch a path (or URL) of this server as the signed-in admin */
	fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
	/** add a user through the admin API; returns the sign-in name and generated password */
	addUser: (
		email: string,
		role: string,
		accounts?: string[]
	) => Promise<{ email: string; password: string }>;
	/** sign in through /login; returns the session cookie, or throws with the page's answer */
	signIn: (email: string, password: string) => Promise<string>;
}

/**
 * fetch, tried once more when the server had closed the kept-alive connection it reused: a test
 * that blocks its event loop (spawnSync of a command) cannot notice the server closing an idle
 * connection, and a POST is never retried on its own.
 */
export async function fetchOnce(url: string | URL, init?: RequestInit): Promise<Response> {
	try {
		return await fetch(url, init);
	} catch (e) {
		const code = ((e as Error).cause as { code?: string } | undefined)?.code;
		if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw e;
		return fetch(url, init);
	}
}

/** A password for a test user: random, never one written in the code. */
export function testPassword(): string {
	return randomBytes(18).toString('base64url');
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as net.AddressInfo).port;
			s.close(() => resolve(port));
		});
	});
}

export async function waitFor(
	check: () => Promise<boolean> | boolean,
	timeoutMs: number,
	what: string
): Promise<void> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 300));
	}
}

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
	if (!fs.existsSync(path.join(ROOT, 'build/index.js')))
		execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peil-server-'));
	const dataDir = path.join(dir, 'data');
	for (const d of ['policies', 'calendars', 'rates'])
		fs.cpSync(path.join(ROOT, 'data', d), path.join(dataDir, d), { recursive: true });
	// Other test runs on this machine start servers too: a port found free can be taken before this
	// server binds it. So the health check must come from this very process (its pid), and a
	// server that lost the port is started again on another.
	let base = '';
	const db = env.PEIL_DB ?? path.join(dir, 'peil.duckdb');
	let log = '';
	let server: ChildProcess | undefined;
	for (let attempt = 1; !server; attempt++) {
		const port = await freePort();
		base = `http://127.0.0.1:${port}`;
		log = '';
		const child: ChildProcess = spawn(process.execPath, ['scripts/serve.js'], {
			cwd: ROOT,
			env: {
				...process.env,
				PORT: String(port),
				HOST: '127.0.0.1',
				ORIGIN: base,
				PEIL_DB: db,
				PEIL_DATA_DIR: dataDir,
				...env
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		child.stdout?.on('data', (d) => (log += String(d)));
		child.stderr?.on('data', (d) => (log += String(d)));
		let exited = false;
		child.once('exit', () => (exited = true));
		try {
			await waitFor(
				async () => {
					if (exited) throw new Error(`The server stopped before it answered:\n${log}`);
					try {
						const res = await fetch(`${base}/api/health`);
						return res.ok && ((await res.json()) as { pid?: number }).pid === child.pid;
					} catch {
						return false;
					}
				},
				180_000,
				`GET /api/health\n${log}`
			);
			server = child;
		} catch (e) {
			child.kill('SIGKILL');
			if (attempt < 3 && /EADDRINUSE/.test(log)) continue;
			throw e;
		}
	}
	const running: ChildProcess = server;
	const adminToken = (JSON.parse(fs.readFileSync(`${db}.server.json`, 'utf8')) as { token: string })
		.token;
	const addUser = async (email: string, role: string, accounts: string[] = []) => {
		const password = testPassword();
		const res = await fetchOnce(`${base}/api/users`, {
			method: 'POST',
			headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
			body: JSON.stringify({ email, role, password })
		});
		if (!res.ok) throw new Error(`Could not add ${email}: ${res.status} ${await res.text()}`);
		if (accounts.length) {
			const a = await fetchOnce(`${base}/api/users/${encodeURIComponent(email)}`, {
				method: 'PATCH',
				headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
				body: JSON.stringify({ accounts })
			});
			if (!a.ok) throw new Error(`Could not assign ${email}: ${a.status} ${await a.text()}`);
		}
		return { email, password };
	};
	const signIn = async (email: string, password: string) => {
		const res = await fetchOnce(`${base}/login`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				origin: base,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: new URLSearchParams({ name: email, password, next: '/' })
		});
		const cookie = /peil_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
		if (res.status !== 303 || !cookie)
			throw new Error(`Sign-in of ${email} answered ${res.status}: ${await res.text()}`);
		return cookie;
	};
	const admin = await addUser('tester@peil.test', 'admin');
	const cookie = await signIn(admin.email, admin.password);
	return {
		base,
		dir,
		db,
		dataDir,
		log: () => log,
		adminToken,
		cookie,
		addUser,
		signIn,
		fetch: (url, init = {}) => {
			const headers = new Headers(init.headers);
			headers.set('cookie', cookie);
			if (init.method && init.method !== 'GET') headers.set('origin', base);
			return fetchOnce(new URL(url, base), { ...init, headers });
		},
		stop: async () => {
			if (running.exitCode === null) {
				const stopped = new Promise((r) => running.once('exit', r));
				running.kill('SIGTERM');
				await Promise.race([stopped, new Promise((r) => setTimeout(r, 10_000))]);
				if (running.exitCode === null) running.kill('SIGKILL');
			}
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}
