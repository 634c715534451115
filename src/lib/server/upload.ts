/**
 * Uploads arrive as a raw request body (the file itself, any Content-Type but a form's) and are
 * streamed to a temporary file, never held in memory: a ticket export can be hundreds of MB.
 * PEIL_UPLOAD_LIMIT (bytes, default 1 GiB) bounds them; adapter-node's own BODY_SIZE_LIMIT is
 * lifted by scripts/start.js so that this limit is the one that speaks, with a clear message.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class UploadError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

export function uploadLimit(): number {
	return Number(process.env.PEIL_UPLOAD_LIMIT || 1024 * 1024 * 1024);
}

/** A file name safe to show and store: the base name only, no path, no control characters. */
export function safeFileName(name: string | null | undefined, fallback: string): string {
	const base = path
		.basename(String(name ?? '').replaceAll('\\', '/'))
		.replace(/\p{Cc}/gu, '')
		.trim();
	return base && base !== '.' && base !== '..' ? base.slice(0, 200) : fallback;
}

/**
 * The name an upload says it has (`?name=` or `X-File-Name`), checked: a file's own name only.
 * A name with a path in it (`../../etc/passwd`, `C:\\Users\\…`), control characters or over 200
 * characters is refused — nothing Peil stores or shows should carry one. No name: `fallback`.
 */
export function uploadName(raw: string | null | undefined, fallback: string): string {
	const name = String(raw ?? '').trim();
	if (!name) return fallback;
	const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
	const base = safeFileName(name, '');
	if (/[/\\]/.test(name) || name === '.' || name === '..')
		throw new UploadError(
			400,
			`The file name ${shown} holds a path: send the file's own name${base ? ` ("${base}")` : ''}. Nothing was imported.`
		);
	if (/\p{Cc}/u.test(name))
		throw new UploadError(
			400,
			`The file name ${shown} holds control characters: send the file's own name. Nothing was imported.`
		);
	if (name.length > 200)
		throw new UploadError(
			400,
			`The file name ${shown} is longer than 200 characters. Nothing was imported.`
		);
	return name;
}

/**
 * Read and discard a refused body (up to 16 MB) so the client receives the answer instead of a
 * connection reset while it is still sending; past that, the answer goes out at once.
 */
async function discard(request: Request): Promise<void> {
	if (!request.body) return;
	const reader = request.body.getReader();
	let seen = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return;
		seen += value.byteLength;
		if (seen > 16 * 1024 * 1024) {
			await reader.cancel();
			return;
		}
	}
}

/**
 * Receive the body as a temporary file. `rawName` is the name the client gave (checked first, by
 * uploadName); every refusal names the file.
 */
export async function receiveUpload(
	request: Request,
	rawName: string | null | undefined,
	fallback: string
): Promise<{ file: string; size: number; name: string }> {
	let name: string;
	try {
		name = uploadName(rawName, fallback);
	} catch (e) {
		await discard(request);
		throw e;
	}
	const limit = uploadLimit();
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (declared > limit) {
		await discard(request);
		throw new UploadError(
			413,
			`${name}: the file is ${declared} bytes; the limit is ${limit} bytes (PEIL_UPLOAD_LIMIT). Nothing was imported.`
		);
	}
	const type = request.headers.get('content-type') ?? '';
	if (/multipart\/form-data|application\/x-www-form-urlencoded/i.test(type)) {
		await discard(request);
		throw new UploadError(
			415,
			`${name}: send the file itself as the request body (curl --data-binary @export.csv -H "Content-Type: text/csv"), not as a form.`
		);
	}
	if (!request.body)
		throw new UploadError(
			400,
			`${name}: the request has no body: send the export file as the body.`
		);
	const file = path.join(
		os.tmpdir(),
		`peil-upload-${process.pid}-${crypto.randomBytes(8).toString('hex')}`
	);
	const out = fs.createWriteStream(file);
	let size = 0;
	try {
		const reader = request.body.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			if (size > limit) {
				// read on (up to 16 MB) so the client hears the answer rather than a reset
				for (let more = 0; more < 16 * 1024 * 1024;) {
					const next = await reader.read();
					if (next.done) break;
					more += next.value.byteLength;
				}
				await reader.cancel();
				throw new UploadError(
					413,
					`${name}: the file is larger than allowed: the limit is ${limit} bytes (PEIL_UPLOAD_LIMIT). Nothing was imported.`
				);
			}
			if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
		}
		await new Promise<void>((resolve, reject) =>
			out.end((err?: Error | null) => (err ? reject(err) : resolve()))
		);
		return { file, size, name };
	} catch (e) {
		out.destroy();
		fs.rmSync(file, { force: true });
		throw e;
	}
}
