/**
 * The store: one embedded DuckDB file, opened once per process.
 *
 * Why this shape:
 *  - DuckDB lets one process hold a database file for writing. The server holds it while it runs;
 *    the command line either goes through the server (src/lib/server/cli/handoff.ts) or opens
 *    the file itself when no server runs. `StoreLockedError` turns DuckDB's lock error into words.
 *  - drizzle has no first-party DuckDB dialect. We keep the schema in drizzle's pg-core dialect
 *    (schema.ts), let drizzle-kit generate the SQL into drizzle/, and apply it with our own small
 *    migrator (migrate.ts): the stock migrator's bookkeeping table uses `serial`, which DuckDB
 *    lacks. Queries are plain SQL with $n parameters, written by pure builder functions: the
 *    analytics are SQL-shaped anyway, and it keeps DuckDB features (ASOF JOIN, read_csv, list
 *    types) first-class.
 *  - Every connection runs `SET TimeZone='UTC'`: DuckDB's session zone otherwise follows the
 *    host's TZ and silently changes date_trunc and casts of TIMESTAMPTZ.
 *  - Writes are serialised in-process (one writer at a time, on its own connection, inside a
 *    transaction) so two imports never interleave; reads get their own connections and see the
 *    last committed state while an import runs.
 */
import {
	DuckDBConnection,
	DuckDBDateValue,
	DuckDBDecimalValue,
	DuckDBInstance,
	DuckDBListValue,
	DuckDBStructValue,
	DuckDBTimestampTZValue,
	DuckDBTimestampValue,
	DuckDBTimestampMillisecondsValue,
	DuckDBTimestampSecondsValue,
	DuckDBUUIDValue,
	type DuckDBValue
} from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

/** A plain value as pages and reports see it: no BigInt, no DuckDB classes. */
export type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };
export type Row = Record<string, Plain>;
export type Param = string | number | boolean | null;

export const DEFAULT_DB_PATH = 'data/peil.duckdb';

/** The store's file: PEIL_DB if set (for every command and the server alike), else data/peil.duckdb. */
export function storePath(): string {
	return path.resolve(process.env.PEIL_DB || DEFAULT_DB_PATH);
}

export class StoreLockedError extends Error {
	constructor(
		readonly file: string,
		readonly holderPid: number | null
	) {
		super(
			`The store ${file} is open in another process${holderPid ? ` (pid ${holderPid})` : ''}. ` +
				`If that is the Peil server, commands go through it automatically once it answers; ` +
				`otherwise stop that process, or point PEIL_DB at another file.`
		);
		this.name = 'StoreLockedError';
	}
}

function toPlain(v: DuckDBValue | unknown): Plain {
	if (v === null || v === undefined) return null;
	if (typeof v === 'bigint') return Number(v);
	if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
	if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) {
		return new Date(Number(v.micros / 1000n)).toISOString();
	}
	if (v instanceof DuckDBTimestampMillisecondsValue)
		return new Date(Number(v.millis)).toISOString();
	if (v instanceof DuckDBTimestampSecondsValue)
		return new Date(Number(v.seconds) * 1000).toISOString();
	if (v instanceof DuckDBDateValue) return v.toString();
	if (v instanceof DuckDBDecimalValue) return v.toDouble();
	if (v instanceof DuckDBUUIDValue) return v.toString();
	if (v instanceof DuckDBListValue) return v.items.map(toPlain);
	if (v instanceof DuckDBStructValue) {
		const o: Record<string, Plain> = {};
		for (const [k, x] of Object.entries(v.entries)) o[k] = toPlain(x);
		return o;
	}
	return String(v);
}

async function openConnection(instance: DuckDBInstance): Promise<DuckDBConnection> {
	const c = await instance.connect();
	await c.run("SET TimeZone='UTC'");
	return c;
}

/** What a query runs on: the writer's transaction, or a reader's connection. */
export interface Queryable {
	all(sql: string, params?: Param[]): Promise<Row[]>;
	one(sql: string, params?: Param[]): Promise<Row | undefined>;
	run(sql: string, params?: Param[]): Promise<void>;
}

/** PEIL_TRACE=1 prints every statement's duration on stderr: how the benchmarks find hot spots. */
const TRACE = process.env.PEIL_TRACE === '1';

function trace(sql: string, started: number): void {
	if (TRACE)
		process.stderr.write(
			`[sql ${(performance.now() - started).toFixed(0).padStart(6)} ms] ${sql.replace(/\s+/g, ' ').slice(0, 140)}\n`
		);
}

class ConnectionQueries implements Queryable {
	constructor(protected readonly conn: DuckDBConnection) {}
	async all(sql: string, params: Param[] = []): Promise<Row[]> {
		const started = performance.now();
		const reader = await this.conn.runAndReadAll(sql, params.length ? params : undefined);
		trace(sql, started);
		const cols = reader.columnNames();
		const rows = reader.getRows();
		return rows.map((r) => {
			const o: Row = {};
			for (let i = 0; i < cols.length; i++) o[cols[i]] = toPlain(r[i]);
			return o;
		});
	}
	async one(sql: string, params: Param[] = []): Promise<Row | undefined> {
		return (await this.all(sql, params))[0];
	}
	async run(sql: string, params: Param[] = []): Promise<void> {
		const started = performance.now();
		await this.conn.run(sql, params.length ? params : undefined);
		trace(sql, started);
	}
}

export type Tx = Queryable;

export class Store implements Queryable {
	private writeQueue: Promise<unknown> = Promise.resolve();
	private writer: DuckDBConnection | null = null;
	private closed = false;

	private constructor(
		readonly file: string,
		private readonly instance: DuckDBInstance
	) {}

	/** Open (and create) the store file. Throws StoreLockedError when another process holds it. */
	static async open(file = storePath()): Promise<Store> {
		if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
		let instance: DuckDBInstance;
		try {
			instance = await DuckDBInstance.create(file);
		} catch (e) {
			const msg = (e as Error).message ?? '';
			if (/Could not set lock on file/i.test(msg)) {
				const pid = /PID (\d+)/.exec(msg);
				throw new StoreLockedError(file, pid ? Number(pid[1]) : null);
			}
			throw e;
		}
		return new Store(file, instance);
	}

	/** Run read-only SQL on a connection of its own (sees the last committed state). */
	async all(sql: string, params: Param[] = []): Promise<Row[]> {
		const conn = await openConnection(this.instance);
		try {
			return await new ConnectionQueries(conn).all(sql, params);
		} finally {
			conn.closeSync();
		}
	}

	async one(sql: string, params: Param[] = []): Promise<Row | undefined> {
		return (await this.all(sql, params))[0];
	}

	/**
	 * Read a long result chunk by chunk (DuckDB's vectors, about 2048 rows each), column by column,
	 * on a connection of its own: how lists of 100k tickets stream out without being held whole.
	 * Values are DuckDB's own (cast in SQL to DOUBLE and VARCHAR for plain numbers and text).
	 */
	async *chunks(
		sql: string,
		params: Param[] = []
	): AsyncGenerator<{ names: string[]; columns: unknown[][]; rows: number }> {
		const conn = await openConnection(this.instance);
		const started = performance.now();
		try {
			const result = await conn.stream(sql, params.length ? params : undefined);
			const names = result.columnNames();
			for (;;) {
				const chunk = await result.fetchChunk();
				if (!chunk || chunk.rowCount === 0) break;
				yield { names, columns: chunk.getColumns(), rows: chunk.rowCount };
			}
		} finally {
			trace(sql, started);
			conn.closeSync();
		}
	}

	/** A single statement outside a transaction of ours, serialised with the other writes. */
	async run(sql: string, params: Param[] = []): Promise<void> {
		await this.write((tx) => tx.run(sql, params));
	}

	/**
	 * Run `work` inside one transaction on the single writer connection. Writes queue behind each
	 * other; if `work` throws, everything it did is rolled back and the error rethrown.
	 */
	write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
		const next = this.writeQueue.then(async () => {
			if (this.closed) throw new Error('The store is closed');
			this.writer ??= await openConnection(this.instance);
			const q = new ConnectionQueries(this.writer);
			await q.run('BEGIN TRANSACTION');
			try {
				const result = await work(q);
				await q.run('COMMIT');
				return result;
			} catch (e) {
				try {
					await q.run('ROLLBACK');
				} catch {
					// the transaction may already be aborted by DuckDB; nothing left to undo
				}
				throw e;
			}
		});
		this.writeQueue = next.catch(() => undefined);
		return next;
	}

	/** Raw connection for work that is not one transaction (migrations, CHECKPOINT). Serialised. */
	withWriter<T>(work: (conn: DuckDBConnection, q: Queryable) => Promise<T>): Promise<T> {
		const next = this.writeQueue.then(async () => {
			this.writer ??= await openConnection(this.instance);
			return work(this.writer, new ConnectionQueries(this.writer));
		});
		this.writeQueue = next.catch(() => undefined);
		return next;
	}

	async close(): Promise<void> {
		await this.writeQueue;
		this.closed = true;
		this.writer?.closeSync();
		this.writer = null;
		this.instance.closeSync();
	}
}

/** Quote an identifier for SQL text (only for names we choose, never user input). */
export function ident(name: string): string {
	return '"' + name.replaceAll('"', '""') + '"';
}

/** A SQL string literal, for the few places DuckDB takes no parameter (file paths in read_csv). */
export function literal(value: string): string {
	return "'" + value.replaceAll("'", "''") + "'";
}
