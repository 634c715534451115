/**
 * An XLSX workbook is a ZIP archive, and a ZIP archive can be a bomb: a few kilobytes that
 * inflate to gigabytes of XML (one entry of repeated bytes, or the same compressed entry many
 * times over), which ExcelJS would inflate and parse whole. Before ExcelJS sees a workbook this
 * module reads the archive's central directory and
 *  - refuses an archive that is not a workbook (no xl/workbook.xml), uses ZIP64 or an unknown
 *    compression method, or has more entries than a workbook has;
 *  - refuses when the sizes the directory declares add up to more than the inflated limit;
 *  - inflates every entry once, counting bytes, and stops at the first that inflates beyond what
 *    the directory declared (a directory that lies) or past the limit.
 * The limit is PEIL_XLSX_INFLATED_LIMIT (bytes, default 1 GiB: about half a million rows of 40
 * columns; larger exports are better sent as CSV).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

export class ZipGuardError extends Error {}

export function inflatedLimit(): number {
	return Number(process.env.PEIL_XLSX_INFLATED_LIMIT || 1024 ** 3);
}

interface Entry {
	name: string;
	method: number;
	compressed: number;
	size: number;
	localOffset: number;
}

const MAX_ENTRIES = 10_000;

function mb(n: number): string {
	return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`;
}

function readAt(fd: number, position: number, length: number): Buffer {
	const buf = Buffer.alloc(length);
	const n = fs.readSync(fd, buf, 0, length, position);
	return buf.subarray(0, n);
}

function centralDirectory(fd: number, size: number): Entry[] {
	const tailLength = Math.min(size, 65_557);
	const tail = readAt(fd, size - tailLength, tailLength);
	let eocd = -1;
	for (let i = tail.length - 22; i >= 0; i--)
		if (tail.readUInt32LE(i) === 0x06054b50) {
			eocd = i;
			break;
		}
	if (eocd < 0)
		throw new ZipGuardError(
			'is not a readable XLSX workbook (its ZIP directory is missing: the file is cut off or damaged)'
		);
	const count = tail.readUInt16LE(eocd + 10);
	const dirSize = tail.readUInt32LE(eocd + 12);
	const dirOffset = tail.readUInt32LE(eocd + 16);
	if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff)
		throw new ZipGuardError(
			'is a ZIP64 archive: larger than an XLSX export Peil reads (send the data as CSV)'
		);
	if (count > MAX_ENTRIES)
		throw new ZipGuardError(`holds ${count} files; an XLSX workbook has far fewer`);
	if (dirOffset + dirSize > size)
		throw new ZipGuardError('is not a readable XLSX workbook (its ZIP directory is damaged)');
	const dir = readAt(fd, dirOffset, dirSize);
	const entries: Entry[] = [];
	let p = 0;
	for (let i = 0; i < count; i++) {
		if (p + 46 > dir.length || dir.readUInt32LE(p) !== 0x02014b50)
			throw new ZipGuardError('is not a readable XLSX workbook (its ZIP directory is damaged)');
		const nameLength = dir.readUInt16LE(p + 28);
		const entry: Entry = {
			method: dir.readUInt16LE(p + 10),
			compressed: dir.readUInt32LE(p + 20),
			size: dir.readUInt32LE(p + 24),
			localOffset: dir.readUInt32LE(p + 42),
			name: dir.subarray(p + 46, p + 46 + nameLength).toString('utf8')
		};
		if (
			entry.compressed === 0xffffffff ||
			entry.size === 0xffffffff ||
			entry.localOffset === 0xffffffff
		)
			throw new ZipGuardError(
				'is a ZIP64 archive: larger than an XLSX export Peil reads (send the data as CSV)'
			);
		entries.push(entry);
		p += 46 + nameLength + dir.readUInt16LE(p + 30) + dir.readUInt16LE(p + 32);
	}
	return entries;
}

/** Inflate one entry, counting; throws as soon as it passes `allowed` bytes. */
async function inflatedSize(
	file: string,
	fd: number,
	e: Entry,
	allowed: number,
	fileSize: number
): Promise<number> {
	const local = readAt(fd, e.localOffset, 30);
	if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50)
		throw new ZipGuardError(`is not a readable XLSX workbook (${e.name} is damaged)`);
	const start = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
	if (start + e.compressed > fileSize)
		throw new ZipGuardError(`is not a readable XLSX workbook (${e.name} is cut off)`);
	if (e.method === 0) return e.compressed;
	if (e.method !== 8)
		throw new ZipGuardError(
			`is not a readable XLSX workbook (${e.name} uses compression method ${e.method})`
		);
	if (e.compressed === 0) return 0;
	const source = fs.createReadStream(file, { start, end: start + e.compressed - 1 });
	const inflate = zlib.createInflateRaw();
	let total = 0;
	return new Promise<number>((resolve, reject) => {
		const stop = (err: Error) => {
			source.destroy();
			inflate.destroy();
			reject(err);
		};
		inflate.on('data', (chunk: Buffer) => {
			total += chunk.length;
			if (total > allowed) stop(new ZipGuardError(String(total)));
		});
		inflate.on('end', () => resolve(total));
		inflate.on('error', (err) =>
			stop(
				new ZipGuardError(`is not a readable XLSX workbook (${e.name}: ${err.message})`, {
					cause: err
				})
			)
		);
		source.on('error', stop);
		source.pipe(inflate);
	});
}

/**
 * Check that `file` is an XLSX workbook that inflates to at most the limit. Throws ZipGuardError
 * with a message that follows the file's name ("… inflates to more than 1.0 GB").
 */
export async function guardXlsx(file: string): Promise<{ inflated: number; entries: number }> {
	const limit = inflatedLimit();
	const fd = fs.openSync(file, 'r');
	try {
		const size = fs.fstatSync(fd).size;
		const entries = centralDirectory(fd, size);
		const names = new Set(entries.map((e) => e.name));
		if (!names.has('xl/workbook.xml'))
			throw new ZipGuardError(
				names.has('word/document.xml')
					? 'is a Word document, not an XLSX workbook'
					: 'is a ZIP archive, not an XLSX workbook (it has no xl/workbook.xml)'
			);
		const declared = entries.reduce((s, e) => s + e.size, 0);
		if (declared > limit)
			throw new ZipGuardError(
				`inflates to ${mb(declared)}, more than the ${mb(limit)} Peil reads from a workbook (PEIL_XLSX_INFLATED_LIMIT); send the data as CSV`
			);
		let inflated = 0;
		for (const e of entries) {
			let n: number;
			try {
				n = await inflatedSize(file, fd, e, Math.min(e.size, limit - inflated), size);
			} catch (err) {
				if (err instanceof ZipGuardError && /^\d+$/.test(err.message))
					throw new ZipGuardError(
						inflated + Number(err.message) > limit
							? `inflates to more than the ${mb(limit)} Peil reads from a workbook (PEIL_XLSX_INFLATED_LIMIT); send the data as CSV`
							: `is not a safe XLSX workbook: ${e.name} inflates to more than the ${e.size} bytes its ZIP directory declares`
					);
				throw err;
			}
			inflated += n;
		}
		return { inflated, entries: entries.length };
	} finally {
		fs.closeSync(fd);
	}
}
