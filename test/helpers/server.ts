/**
 * The BUILT server (build/index.js, made by `npm run build` before the tests) on a free port,
 * with a fresh store and data folder in a temporary directory. Used by the browser tests and the
 * command-line hand-off tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
	return {
		base,
		dir,
		db,
		dataDir,
		log: () => log,
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
