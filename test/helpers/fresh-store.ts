/**
 * A fresh, migrated store in a temporary folder: the real DuckDB file, never a mock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../../src/lib/server/db/index.ts';
import { prepareStore } from '../../src/lib/server/bootstrap.ts';

export function tempDir(prefix = 'peil-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freshStore(): Promise<{ store: Store; dir: string; file: string }> {
	const dir = tempDir();
	const file = path.join(dir, 'peil.duckdb');
	const store = await prepareStore(file);
	return { store, dir, file };
}

/** Everything a user could see change, as one comparable value. */
export async function snapshot(store: Store): Promise<Record<string, unknown>> {
	const out: Record<string, unknown> = {};
	for (const t of [
		'accounts',
		'account_aliases',
		'tickets',
		'ticket_history',
		'ticket_events',
		'time_entries',
		'time_entry_history',
		'imports',
		'import_rejects',
		'tier_history',
		'contacts',
		'arrears'
	]) {
		const r = await store.one(
			`SELECT count(*) AS n, md5(string_agg(x::VARCHAR, '|' ORDER BY x::VARCHAR)) AS h FROM ${t} x`
		);
		out[t] = r;
	}
	return out;
}

export const FIXTURES = path.resolve('test/fixtures');

/** Every table of the store (drizzle's "public" schema is DuckDB's main). */
export async function storeTables(store: Store): Promise<string[]> {
	return (
		await store.all(
			`SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1`
		)
	).map((r) => String(r.table_name));
}

/** Every row of every table as text, one line each, in a stable order: the store's whole content. */
export async function storeContents(
	store: Store,
	skip: (table: string, row: string) => boolean = () => false
): Promise<string> {
	let out = '';
	for (const t of await storeTables(store))
		for (const r of await store.all(`SELECT x::VARCHAR AS v FROM "${t}" x ORDER BY v`))
			if (!skip(t, String(r.v))) out += `${t}: ${String(r.v)}\n`;
	return out;
}
