/**
 * Applies the migrations drizzle-kit generated under drizzle/ to DuckDB.
 *
 * drizzle's own migrator keeps its bookkeeping in a table keyed by `serial`, which DuckDB does not
 * have, so this small one does the same job: read drizzle/meta/_journal.json, apply each
 * migration not yet recorded in `peil_migrations` in journal order, one transaction per
 * migration, statements split on drizzle's `--> statement-breakpoint`. Postgres-only syntax that
 * drizzle-kit emits and DuckDB rejects (`USING btree`) is stripped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from './index.ts';

interface Journal {
	entries: { idx: number; tag: string; when: number }[];
}

/** drizzle/ sits at the project root; found from this file, so it works from src/ and build/. */
export function migrationsFolder(): string {
	const candidates = [
		process.env.PEIL_MIGRATIONS,
		path.resolve('drizzle'),
		path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../drizzle')
	].filter((x): x is string => !!x);
	for (const c of candidates) if (fs.existsSync(path.join(c, 'meta/_journal.json'))) return c;
	throw new Error(`No migrations found (looked in ${candidates.join(', ')})`);
}

export function toDuckDbSql(statement: string): string {
	return statement.replace(/\s+USING\s+btree\s*/gi, ' ');
}

/** Apply pending migrations; returns the tags applied. Safe to call on every start. */
export async function migrate(store: Store, folder = migrationsFolder()): Promise<string[]> {
	const journal = JSON.parse(
		fs.readFileSync(path.join(folder, 'meta/_journal.json'), 'utf8')
	) as Journal;
	return store.withWriter(async (_conn, q) => {
		await q.run(
			'CREATE TABLE IF NOT EXISTS peil_migrations (tag TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)'
		);
		const done = new Set((await q.all('SELECT tag FROM peil_migrations')).map((r) => r.tag));
		const applied: string[] = [];
		for (const entry of [...journal.entries].sort((a, b) => a.idx - b.idx)) {
			if (done.has(entry.tag)) continue;
			const text = fs.readFileSync(path.join(folder, `${entry.tag}.sql`), 'utf8');
			const statements = text
				.split('--> statement-breakpoint')
				.map((s) => s.trim())
				.filter(Boolean);
			await q.run('BEGIN TRANSACTION');
			try {
				for (const s of statements) await q.run(toDuckDbSql(s));
				await q.run('INSERT INTO peil_migrations VALUES ($1, now())', [entry.tag]);
				await q.run('COMMIT');
			} catch (e) {
				await q.run('ROLLBACK');
				throw new Error(`Migration ${entry.tag} failed: ${(e as Error).message}`, { cause: e });
			}
			applied.push(entry.tag);
		}
		return applied;
	});
}
