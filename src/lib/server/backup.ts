/**
 * Backup and restore of the store.
 *
 * A backup is a DuckDB database file of its own: the store copied with `ATTACH` and
 * `COPY FROM DATABASE` (tables with their keys and indexes, every row) inside one read
 * transaction, so it is consistent while imports run, and written by the process that holds the
 * store — the server, when it runs. A row in its `meta` table (`backup`) marks it as a Peil backup
 * and lists the migrations its schema has. Why a DuckDB file rather than `EXPORT DATABASE` to
 * Parquet: restoring it is a file rename after a check, not a re-import of every table (which at
 * a million tickets takes minutes and rebuilds every key), and it is one file to keep.
 *
 * Restore never writes into the store in place: the backup is copied next to the store, opened,
 * checked (a DuckDB file, a Peil schema, no migration this version does not know), migrated to
 * this version's schema, closed; only then does one rename put it in place. Until that rename the
 * old store is untouched; afterwards it stays beside the new one as `<store>.before-restore`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { literal, Store, StoreLockedError } from './db/index.ts';
import { migrate, migrationsFolder } from './db/migrate.ts';

export class BackupError extends Error {
	constructor(message: string, options?: ErrorOptions) {
		super(message, options);
		this.name = 'BackupError';
	}
}

export interface BackupInfo {
	file: string;
	bytes: number;
	createdAt: string;
	migrations: string[];
	tables: number;
	ms: number;
}

function knownMigrations(): string[] {
	const journal = JSON.parse(
		fs.readFileSync(path.join(migrationsFolder(), 'meta/_journal.json'), 'utf8')
	) as { entries: { tag: string }[] };
	return journal.entries.map((e) => e.tag);
}

function tempBeside(file: string, what: string): string {
	return path.join(
		path.dirname(file),
		`.${path.basename(file)}.${what}-${crypto.randomBytes(6).toString('hex')}`
	);
}

function removeDb(file: string): void {
	for (const f of [file, `${file}.wal`]) fs.rmSync(f, { force: true });
}

/**
 * Write a consistent copy of the store to `dest` (replaced when it exists). Runs on the writer's
 * connection, so no import commits halfway through it; readers go on.
 */
export async function writeBackup(store: Store, dest: string): Promise<BackupInfo> {
	const started = performance.now();
	const target = path.resolve(dest);
	fs.mkdirSync(path.dirname(target), { recursive: true });
	const temp = tempBeside(target, 'partial');
	const alias = `peil_backup_${crypto.randomBytes(4).toString('hex')}`;
	const createdAt = new Date().toISOString();
	try {
		const { migrations, tables } = await store.withWriter(async (_conn, q) => {
			const db = String((await q.one('SELECT current_database() AS d'))?.d);
			await q.run(`ATTACH ${literal(temp)} AS ${alias}`);
			try {
				await q.run(`COPY FROM DATABASE "${db.replaceAll('"', '""')}" TO ${alias}`);
				const migrations = (
					await q.all(`SELECT tag FROM ${alias}.peil_migrations ORDER BY tag`)
				).map((r) => String(r.tag));
				const tables = Number(
					(
						await q.one(
							`SELECT count(*) AS n FROM information_schema.tables WHERE table_catalog = $1`,
							[alias]
						)
					)?.n
				);
				await q.run(`INSERT OR REPLACE INTO ${alias}.meta VALUES ('backup', $1)`, [
					JSON.stringify({ createdAt, store: store.file, migrations })
				]);
				return { migrations, tables };
			} finally {
				await q.run(`DETACH ${alias}`);
			}
		});
		fs.renameSync(temp, target);
		return {
			file: target,
			bytes: fs.statSync(target).size,
			createdAt,
			migrations,
			tables,
			ms: performance.now() - started
		};
	} catch (e) {
		removeDb(temp);
		throw e;
	}
}

/** Is this a DuckDB database file? (its header carries "DUCK" at byte 8) */
function isDuckDbFile(file: string): boolean {
	const fd = fs.openSync(file, 'r');
	try {
		const head = Buffer.alloc(12);
		return fs.readSync(fd, head, 0, 12, 0) === 12 && head.subarray(8, 12).toString() === 'DUCK';
	} finally {
		fs.closeSync(fd);
	}
}

export interface RestoreResult {
	store: string;
	from: string;
	backupCreatedAt: string | null;
	migrationsApplied: string[];
	previous: string | null;
	ms: number;
}

/**
 * Replace the store `storeFile` with the backup `backupFile`. The caller has made sure no Peil
 * server holds the store; any other process that holds it makes this fail with StoreLockedError.
 * Throws BackupError, with the store unchanged, for a file that is not a usable Peil backup.
 */
export async function restoreBackup(storeFile: string, backupFile: string): Promise<RestoreResult> {
	const started = performance.now();
	const from = path.resolve(backupFile);
	const name = path.basename(from);
	let stat: fs.Stats;
	try {
		stat = fs.statSync(from);
	} catch {
		throw new BackupError(`${name}: no such file`);
	}
	if (!stat.isFile()) throw new BackupError(`${name}: is not a file`);
	if (path.resolve(storeFile) === from)
		throw new BackupError(`${name}: is the store itself, not a backup of it`);
	if (!isDuckDbFile(from))
		throw new BackupError(
			`${name}: is not a Peil backup (not a DuckDB database file); nothing was restored`
		);

	const temp = tempBeside(storeFile, 'restoring');
	fs.copyFileSync(from, temp);
	let backupCreatedAt: string | null = null;
	let migrationsApplied: string[];
	try {
		let copy: Store;
		try {
			copy = await Store.open(temp);
		} catch (e) {
			throw new BackupError(
				`${name}: is damaged and cannot be opened (${(e as Error).message.split('\n')[0]}); nothing was restored`,
				{ cause: e }
			);
		}
		try {
			const tables = new Set(
				(
					await copy.all(
						`SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()`
					)
				).map((r) => String(r.table_name))
			);
			if (!tables.has('peil_migrations') || !tables.has('meta') || !tables.has('tickets'))
				throw new BackupError(
					`${name}: is a DuckDB database but not a Peil backup (it has no Peil schema); nothing was restored`
				);
			const tags = (await copy.all('SELECT tag FROM peil_migrations')).map((r) => String(r.tag));
			const known = new Set(knownMigrations());
			const unknown = tags.filter((t) => !known.has(t));
			if (unknown.length)
				throw new BackupError(
					`${name}: was made by a newer version of Peil (its schema has migration ${unknown.join(', ')}, which this version does not know); update Peil, then restore. Nothing was restored`
				);
			const mark = await copy.one(`SELECT value FROM meta WHERE key = 'backup'`);
			if (mark)
				backupCreatedAt =
					(JSON.parse(String(mark.value)) as { createdAt?: string }).createdAt ?? null;
			try {
				migrationsApplied = await migrate(copy);
				// reading every table proves the file is whole (a damaged block fails here)
				for (const t of tables)
					await copy.one(`SELECT count(*) AS n FROM "${t.replaceAll('"', '""')}"`);
			} catch (e) {
				throw new BackupError(
					`${name}: cannot be brought to this version's schema or read in full (${(e as Error).message.split('\n')[0]}); nothing was restored`,
					{ cause: e }
				);
			}
			await copy.run(`INSERT OR REPLACE INTO meta VALUES ('restored_from', $1)`, [
				JSON.stringify({ file: from, at: new Date().toISOString(), backupCreatedAt })
			]);
		} finally {
			await copy.close();
		}

		// the store must be free: opening it proves no process holds it (and closing it leaves
		// no write-ahead log behind to be replayed onto the restored file)
		let previous: string | null = null;
		if (fs.existsSync(storeFile)) {
			const current = await Store.open(storeFile);
			await current.close();
			previous = `${storeFile}.before-restore`;
			removeDb(previous);
			fs.linkSync(storeFile, previous);
		}
		fs.rmSync(`${storeFile}.wal`, { force: true });
		fs.renameSync(temp, storeFile);
		return {
			store: storeFile,
			from,
			backupCreatedAt,
			migrationsApplied,
			previous,
			ms: performance.now() - started
		};
	} catch (e) {
		removeDb(temp);
		if (e instanceof StoreLockedError || e instanceof BackupError) throw e;
		throw new BackupError(`${name}: ${(e as Error).message}; nothing was restored`, { cause: e });
	}
}
