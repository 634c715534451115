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
	/**
	 * The admin token the server made for this hand-off when it started (the file is readable by
	 * the server's own system user only). PEIL_TOKEN, when set, is sent instead.
	 */
	token?: string;
}

/** The Authorization header for a request to the server. */
export function authHeaders(server: ServerInfo): Record<string, string> {
	const token = process.env.PEIL_TOKEN || server.token;
	return token ? { authorization: `Bearer ${token}` } : {};
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
		const res = await fetch(`${info.url}/api/health`, {
			headers: authHeaders(info),
			signal: AbortSignal.timeout(5000)
		});
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
		headers: {
			...authHeaders(server),
			'content-type': 'application/octet-stream',
			'content-length': String(size)
		},
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
	return sendJson(server, route, method, null);
}

/** A request with a JSON body (or none), answered in JSON. */
export async function sendJson(
	server: ServerInfo,
	route: string,
	method: string,
	body: unknown
): Promise<{ status: number; body: unknown }> {
	const res = await fetch(`${server.url}${route}`, {
		method,
		headers: {
			...authHeaders(server),
			...(body == null ? {} : { 'content-type': 'application/json' })
		},
		body: body == null ? undefined : JSON.stringify(body)
	});
	const text = await res.text();
	try {
		return { status: res.status, body: JSON.parse(text) };
	} catch {
		return { status: res.status, body: text };
	}
}
