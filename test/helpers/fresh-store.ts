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
