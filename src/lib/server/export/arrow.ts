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
	vectorFromArray,
	type Data
} from 'apache-arrow';

export type ArrowColumnType = 'text' | 'number';

export interface ArrowColumn {
	key: string;
	type: ArrowColumnType;
}

/** Rows per record batch: large enough to keep the per-batch cost small, small enough to stream. */
const BATCH_ROWS = 16_384;

function toNumber(v: unknown): number | null {
	if (v === null || v === undefined) return null;
	if (typeof v === 'number') return v;
	if (typeof v === 'bigint') return Number(v);
	const n = Number(v);
	return Number.isFinite(n) ? n : null;
}

function toText(v: unknown): string | null {
	return v === null || v === undefined ? null : String(v);
}

/** One schema for every batch (all fields nullable): the writer starts a new stream on a change. */
function schemaOf(columns: ArrowColumn[]): Schema {
	return new Schema(
		columns.map((c) => new Field(c.key, c.type === 'number' ? new Float64() : new Utf8(), true))
	);
}

function batchOf(schema: Schema, columns: ArrowColumn[], data: unknown[][]): RecordBatch {
	const length = data[0]?.length ?? 0;
	const children: Data[] = columns.map((c, i) => {
		const v =
			c.type === 'number'
				? vectorFromArray(data[i].map(toNumber), new Float64())
				: vectorFromArray(data[i].map(toText), new Utf8());
		// a vector built from one array has one chunk
		return v.data[0];
	});
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
			writer.abort(e);
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
