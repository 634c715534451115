/**
 * JSON and NDJSON exports (helpdesk APIs: Zammad, TOPdesk, Zendesk's incremental export) become a
 * CSV the import reads like any other, so profiles map them the same way:
 *  - the records are the top-level array, or the first array of objects inside a top-level
 *    object (`{"tickets": [...]}`), or one object per line (NDJSON);
 *  - a record wrapped as `{"ticket": {...}}` (one key holding an object) is unwrapped;
 *  - nested objects flatten to dotted names (`priority.name`), arrays and other values become
 *    their JSON text, nulls empty cells;
 *  - the header is every key seen, in the order first seen.
 * NDJSON is streamed twice (keys, then rows), so large files stay out of memory; a JSON document
 * is parsed whole.
 */
import fs from 'node:fs';
import readline from 'node:readline';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class JsonShapeError extends Error {}

function flatten(value: Json, prefix: string, out: Map<string, string>): void {
	if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
		const keys = Object.keys(value);
		if (!keys.length && prefix) out.set(prefix, '');
		for (const k of keys) flatten(value[k], prefix ? `${prefix}.${k}` : k, out);
		return;
	}
	if (!prefix) return;
	out.set(
		prefix,
		value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
	);
}

function unwrap(record: Json): Json {
	if (record && typeof record === 'object' && !Array.isArray(record)) {
		const keys = Object.keys(record);
		const only = keys.length === 1 ? record[keys[0]] : null;
		if (only && typeof only === 'object' && !Array.isArray(only)) return only;
	}
	return record;
}

function records(doc: Json): Json[] {
	if (Array.isArray(doc)) return doc;
	if (doc && typeof doc === 'object') {
		for (const v of Object.values(doc))
			if (
				Array.isArray(v) &&
				v.length &&
				v.every((x) => x && typeof x === 'object' && !Array.isArray(x))
			)
				return v;
		return [doc];
	}
	throw new JsonShapeError(
		'holds no records: expected an array of objects, an object with one, or one object per line'
	);
}

function csvCell(v: string): string {
	return /[",\n\r]/.test(v) ? '"' + v.replaceAll('"', '""') + '"' : v;
}

async function writeRows(
	out: fs.WriteStream,
	header: string[],
	rows: AsyncIterable<Map<string, string>> | Iterable<Map<string, string>>
): Promise<void> {
	const write = (line: string) =>
		out.write(line) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
	await write(header.map(csvCell).join(',') + '\n');
	for await (const m of rows)
		await write(header.map((h) => csvCell(m.get(h) ?? '')).join(',') + '\n');
	await new Promise<void>((resolve, reject) =>
		out.end((e?: Error | null) => (e ? reject(e) : resolve()))
	);
}

/**
 * Is this NDJSON? When its first line is a complete JSON object and more lines follow: a JSON
 * document spread over lines never has a complete object on its first line, and a single-line
 * document has no second line.
 */
export function looksLikeNdjson(head: string): boolean {
	const lines = head
		.replace(/^\uFEFF/, '')
		.split(/\r?\n/)
		.filter((l) => l.trim());
	if (lines.length < 2) return false;
	try {
		const first = JSON.parse(lines[0]) as unknown;
		return !!first && typeof first === 'object' && !Array.isArray(first);
	} catch {
		return false;
	}
}

export async function jsonToCsv(
	file: string,
	to: string,
	ndjson: boolean
): Promise<{ records: number }> {
	const header: string[] = [];
	const seen = new Set<string>();
	const addKeys = (m: Map<string, string>) => {
		for (const k of m.keys())
			if (!seen.has(k)) {
				seen.add(k);
				header.push(k);
			}
	};
	if (!ndjson) {
		let doc: Json;
		try {
			doc = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as Json;
		} catch (e) {
			throw new JsonShapeError(`is not valid JSON (${(e as Error).message})`, { cause: e });
		}
		const flat = records(doc).map((r) => {
			const m = new Map<string, string>();
			flatten(unwrap(r), '', m);
			addKeys(m);
			return m;
		});
		if (!header.length) throw new JsonShapeError('holds no fields');
		await writeRows(fs.createWriteStream(to), header, flat);
		return { records: flat.length };
	}
	const lines = async function* () {
		const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
		let n = 0;
		for await (const line of rl) {
			n++;
			if (!line.trim()) continue;
			let value: Json;
			try {
				value = JSON.parse(n === 1 ? line.replace(/^\uFEFF/, '') : line) as Json;
			} catch (e) {
				throw new JsonShapeError(`line ${n} is not valid JSON (${(e as Error).message})`, {
					cause: e
				});
			}
			const m = new Map<string, string>();
			flatten(unwrap(value), '', m);
			yield m;
		}
	};
	let count = 0;
	for await (const m of lines()) {
		addKeys(m);
		count++;
	}
	if (!header.length) throw new JsonShapeError('holds no fields');
	await writeRows(fs.createWriteStream(to), header, lines());
	return { records: count };
}
