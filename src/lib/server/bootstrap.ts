/**
 * Getting a store ready: migrate it, load the built-in policies and calendars (data/policies,
 * data/calendars) as version 1 the first time, and — for the server's first start only — the
 * bundled sample. Command-line commands call `prepareStore` without the sample.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Store } from './db/index.ts';
import { migrate } from './db/migrate.ts';

export function dataDir(): string {
	return path.resolve(process.env.PEIL_DATA_DIR || 'data');
}

async function loadBuiltins(store: Store): Promise<void> {
	for (const [dir, table] of [
		['policies', 'policies'],
		['calendars', 'calendars']
	] as const) {
		const folder = path.join(dataDir(), dir);
		if (!fs.existsSync(folder)) continue;
		for (const f of fs
			.readdirSync(folder)
			.filter((x) => x.endsWith('.json'))
			.sort()) {
			const body = JSON.parse(fs.readFileSync(path.join(folder, f), 'utf8')) as {
				id: string;
				name: string;
				timeZone?: string;
				effectiveFrom?: string;
			};
			const have = await store.one(`SELECT 1 AS x FROM ${table} WHERE id = $1`, [body.id]);
			if (have) continue;
			if (table === 'policies') {
				await store.run(
					`INSERT INTO policies VALUES ($1, 1, $2, $3::DATE, $4::JSON, 'builtin', now())`,
					[body.id, body.name, body.effectiveFrom ?? '2020-01-01', JSON.stringify(body)]
				);
			} else {
				await store.run(
					`INSERT INTO calendars VALUES ($1, 1, $2, $3, $4::DATE, $5::JSON, 'builtin', now())`,
					[
						body.id,
						body.name,
						body.timeZone ?? 'Europe/Amsterdam',
						body.effectiveFrom ?? '2020-01-01',
						JSON.stringify(body)
					]
				);
			}
		}
	}
}

/** Open, migrate and seed the built-in policies. The caller closes the store. */
export async function prepareStore(file?: string): Promise<Store> {
	const store = await Store.open(file);
	try {
		await migrate(store);
		await loadBuiltins(store);
	} catch (e) {
		await store.close();
		throw e;
	}
	return store;
}

export async function getMeta(store: Store, key: string): Promise<string | null> {
	const r = await store.one('SELECT value FROM meta WHERE key = $1', [key]);
	return r ? String(r.value) : null;
}

export async function setMeta(store: Store, key: string, value: string): Promise<void> {
	await store.run('INSERT OR REPLACE INTO meta VALUES ($1, $2)', [key, value]);
}
