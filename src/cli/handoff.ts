/**
 * DuckDB lets one process hold the store for writing. While the server runs it holds it, so a
 * command first looks for the server's `<store>.server.json`; if that server answers, the command
 * sends its work there over HTTP. Otherwise it opens the store itself — and if something else
 * holds it, it says so plainly (StoreLockedError), never with DuckDB's raw lock error.
 */
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { storePath } from '../lib/server/db/index.ts';

export interface ServerInfo {
	pid: number;
	url: string;
	store: string;
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** The running server that holds this store, if one answers. */
export async function findServer(file = storePath()): Promise<ServerInfo | null> {
	const infoFile = `${file}.server.json`;
	if (!fs.existsSync(infoFile)) return null;
	let info: ServerInfo;
	try {
		info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as ServerInfo;
	} catch {
		return null;
	}
	if (!alive(info.pid)) return null;
	try {
		const res = await fetch(`${info.url}/api/health`, { signal: AbortSignal.timeout(5000) });
		if (!res.ok) return null;
		const body = (await res.json()) as { store?: string };
		return body.store === file ? info : null;
	} catch {
		return null;
	}
}

/** POST a file to the server as the raw body, reporting upload progress. */
export async function postFile(
	server: ServerInfo,
	route: string,
	file: string,
	onProgress?: (fraction: number) => void
): Promise<{ status: number; body: unknown }> {
	const size = fs.statSync(file).size;
	let sent = 0;
	const counter = new Transform({
		transform(chunk: Buffer, _enc, cb) {
			sent += chunk.length;
			onProgress?.(size ? sent / size : 1);
			cb(null, chunk);
		}
	});
	const stream = fs.createReadStream(file).pipe(counter);
	const res = await fetch(`${server.url}${route}`, {
		method: 'POST',
		headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
		body: Readable.toWeb(stream) as unknown as BodyInit,
		duplex: 'half'
	} as RequestInit & { duplex: 'half' });
	const text = await res.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// not JSON: keep the text
	}
	return { status: res.status, body };
}

export async function postJson(
	server: ServerInfo,
	route: string,
	method = 'POST'
): Promise<{ status: number; body: unknown }> {
	const res = await fetch(`${server.url}${route}`, { method });
	const text = await res.text();
	try {
		return { status: res.status, body: JSON.parse(text) };
	} catch {
		return { status: res.status, body: text };
	}
}
