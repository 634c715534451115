/**
 * Lists as an Arrow IPC stream (the browser's virtualised tables read it with apache-arrow): one
 * schema message, then record batches of about 16k rows as DuckDB hands them over, so the first
 * rows arrive while the rest are still being read and the server never holds the whole list.
 *
 * Columns are plain Arrow types: text as Utf8, numbers and instants (epoch milliseconds, UTC) as
 * Float64, nulls as nulls.
 */
import {
	Field,
	Float64,
	RecordBatch,
	RecordBatchStreamWriter,
	Schema,
	Struct,
	Utf8,
	makeData,
	type Data
} from 'apache-arrow';

export type ArrowColumnType = 'text' | 'number';

export interface ArrowColumn {
	key: string;
	type: ArrowColumnType;
}

/** Rows per record batch: large enough to keep the per-batch cost small, small enough to stream. */
const BATCH_ROWS = 16_384;

const encoder = new TextEncoder();

/** A validity bitmap (bit set = value present) and the null count, or null when none is null. */
function validity(values: unknown[]): { bitmap: Uint8Array | undefined; nulls: number } {
	let nulls = 0;
	for (const v of values) if (v === null || v === undefined) nulls++;
	if (!nulls) return { bitmap: undefined, nulls };
	const bitmap = new Uint8Array((values.length + 7) >> 3);
	for (let i = 0; i < values.length; i++)
		if (values[i] !== null && values[i] !== undefined) bitmap[i >> 3] |= 1 << (i & 7);
	return { bitmap, nulls };
}

function float64Data(values: unknown[]): Data {
	const out = new Float64Array(values.length);
	for (let i = 0; i < values.length; i++) {
		const v = values[i];
		out[i] = typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v);
	}
	const { bitmap, nulls } = validity(values);
	return makeData({
		type: new Float64(),
		length: values.length,
		nullCount: nulls,
		nullBitmap: bitmap,
		data: out
	});
}

/**
 * Utf8 data built by hand: most list columns repeat a few values (account, tier, verdict…), so
 * each distinct text is encoded once per batch and copied, which is several times faster than a
 * generic builder.
 */
function utf8Data(values: unknown[]): Data {
	const encoded = new Map<string, Uint8Array>();
	const parts: (Uint8Array | null)[] = new Array(values.length);
	let bytes = 0;
	for (let i = 0; i < values.length; i++) {
		const v = values[i];
		if (v === null || v === undefined) {
			parts[i] = null;
			continue;
		}
		const text = typeof v === 'string' ? v : String(v);
		let b = encoded.get(text);
		if (!b) {
			b = encoder.encode(text);
			if (encoded.size < 4096) encoded.set(text, b);
		}
		parts[i] = b;
		bytes += b.byteLength;
	}
	const data = new Uint8Array(bytes);
	const offsets = new Int32Array(values.length + 1);
	let at = 0;
	for (let i = 0; i < parts.length; i++) {
		const b = parts[i];
		if (b) {
			data.set(b, at);
			at += b.byteLength;
		}
		offsets[i + 1] = at;
	}
	const { bitmap, nulls } = validity(values);
	return makeData({
		type: new Utf8(),
		length: values.length,
		nullCount: nulls,
		nullBitmap: bitmap,
		valueOffsets: offsets,
		data
	});
}

/** One schema for every batch (all fields nullable): the writer starts a new stream on a change. */
function schemaOf(columns: ArrowColumn[]): Schema {
	return new Schema(
		columns.map((c) => new Field(c.key, c.type === 'number' ? new Float64() : new Utf8(), true))
	);
}

function batchOf(schema: Schema, columns: ArrowColumn[], data: unknown[][]): RecordBatch {
	const length = data[0]?.length ?? 0;
	const children: Data[] = columns.map((c, i) =>
		c.type === 'number' ? float64Data(data[i]) : utf8Data(data[i])
	);
	return new RecordBatch(
		schema,
		makeData({ type: new Struct(schema.fields), length, nullCount: 0, children })
	);
}

/**
 * An Arrow IPC stream of the chunks, in the columns' order (the query must select them in that
 * order). An empty result is a valid stream with the schema and no batches.
 */
export function arrowStream(
	chunks: AsyncIterable<{ columns: unknown[][]; rows: number }>,
	columns: ArrowColumn[]
): ReadableStream<Uint8Array> {
	const schema = schemaOf(columns);
	const writer = new RecordBatchStreamWriter();
	const body = writer.toDOMStream() as unknown as ReadableStream<Uint8Array>;
	void (async () => {
		let pending: unknown[][] = columns.map(() => []);
		let count = 0;
		let wrote = false;
		const flush = () => {
			writer.write(batchOf(schema, columns, pending));
			wrote = true;
			pending = columns.map(() => []);
			count = 0;
		};
		try {
			for await (const chunk of chunks) {
				for (let i = 0; i < columns.length; i++) {
					const target = pending[i];
					for (const v of chunk.columns[i]) target.push(v);
				}
				count += chunk.rows;
				if (count >= BATCH_ROWS) flush();
			}
			if (count > 0 || !wrote) flush();
			writer.finish();
		} catch (e) {
			// the reader went away (a closed tab, a click elsewhere) or the query failed: end the
			// stream; leaving the loop has already closed the query and its connection
			try {
				writer.abort(e);
			} catch {
				// the reader's side is already closed: nothing is waiting for the error
			}
		}
	})();
	return body;
}

export function arrowResponse(
	chunks: AsyncIterable<{ columns: unknown[][]; rows: number }>,
	columns: ArrowColumn[],
	headers: Record<string, string> = {}
): Response {
	return new Response(arrowStream(chunks, columns), {
		headers: {
			'content-type': 'application/vnd.apache.arrow.stream',
			'cache-control': 'no-store',
			'x-content-type-options': 'nosniff',
			...headers
		}
	});
}
