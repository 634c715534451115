/**
 * The server's one store, opened on start (hooks.server.ts `init`) and shared by every request.
 * While the server holds the file it also writes `<store>.server.json` (pid, address and an admin
 * API token made for this start, readable by the server's system user only) so that command-line
 * commands can hand their work to it instead of failing on DuckDB's file lock.
 */
import fs from 'node:fs';
import type { Store } from './db/index.ts';
import { storePath } from './db/index.ts';
import { prepareStore } from './bootstrap.ts';
import { loadSampleIfFirstStart } from './sample/load-sample.ts';
import { recomputeSla } from './sla/recompute.ts';
import { announceSignIn } from './auth/first-admin.ts';
import { handOffToken } from './auth/sessions.ts';

let opening: Promise<Store> | null = null;

export function serverInfoPath(file = storePath()): string {
	return `${file}.server.json`;
}

export function getStore(): Promise<Store> {
	opening ??= (async () => {
		const file = storePath();
		const store = await prepareStore(file);
		const sampleLoaded = await loadSampleIfFirstStart(store);
		// verdicts missing (tickets imported before the engine existed) or from before a migration
		// added to them: judge again
		const stale = await store.one(
			`SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM ticket_sla) AS verdicts,
			        (SELECT count(*) FROM ticket_sla WHERE created_local_date IS NULL OR created_at IS NULL) AS incomplete`
		);
		if (
			Number(stale?.tickets) > 0 &&
			(Number(stale?.verdicts) === 0 || Number(stale?.incomplete) > 0)
		)
			await recomputeSla(store);
		const port = Number(process.env.PORT || 3000);
		const host =
			process.env.HOST && process.env.HOST !== '0.0.0.0' ? process.env.HOST : '127.0.0.1';
		await announceSignIn(store, sampleLoaded, process.env.ORIGIN || `http://localhost:${port}`);
		const info = serverInfoPath(file);
		const token = await handOffToken(store);
		// readable by this system user only: it carries an admin token for the command line
		fs.rmSync(info, { force: true });
		fs.writeFileSync(
			info,
			JSON.stringify(
				{ pid: process.pid, url: `http://${host}:${port}`, store: file, token },
				null,
				2
			),
			{ mode: 0o600 }
		);
		const remove = () => {
			try {
				const current = JSON.parse(fs.readFileSync(info, 'utf8')) as { pid: number };
				if (current.pid === process.pid) fs.rmSync(info, { force: true });
			} catch {
				// already gone
			}
		};
		process.once('exit', remove);
		for (const sig of ['SIGINT', 'SIGTERM'] as const)
			process.once(sig, () => {
				remove();
				void store.close().finally(() => process.exit(0));
			});
		return store;
	})();
	return opening;
}
