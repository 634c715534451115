import { describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { arrowStream } from './arrow.ts';

const columns = [
	{ key: 'name', type: 'text' as const },
	{ key: 'hours', type: 'number' as const }
];

async function* chunks(n: number, size: number, state: { closed: boolean; served: number }) {
	try {
		for (let c = 0; c < n; c++) {
			const names: (string | null)[] = [];
			const hours: (number | null)[] = [];
			for (let i = 0; i < size; i++) {
				const k = c * size + i;
				names.push(k % 7 === 0 ? null : `ticket ${k % 5} é`);
				hours.push(k % 11 === 0 ? null : k / 4);
			}
			state.served++;
			yield { columns: [names, hours], rows: size };
			await new Promise((r) => setTimeout(r, 1));
		}
	} finally {
		state.closed = true;
	}
}

describe('arrowStream', () => {
	it('writes every row, with nulls and repeated text, as one schema across batches', async () => {
		const state = { closed: false, served: 0 };
		const bytes = new Uint8Array(
			await new Response(arrowStream(chunks(20, 2048, state), columns)).arrayBuffer()
		);
		const t = tableFromIPC(bytes);
		expect(t.numRows).toBe(20 * 2048);
		expect(t.batches.length).toBeGreaterThan(1);
		const names = t.getChild('name')!;
		const hours = t.getChild('hours')!;
		expect(names.get(0)).toBeNull();
		expect(names.get(1)).toBe('ticket 1 é');
		expect(hours.get(11)).toBeNull();
		expect(hours.get(40_001)).toBe(40_001 / 4);
		expect(names.get(40_001)).toBe(`ticket ${40_001 % 5} é`);
		expect(state.closed).toBe(true);
	});

	it('an empty list is a valid stream with the schema and no rows', async () => {
		const state = { closed: false, served: 0 };
		const t = tableFromIPC(
			new Uint8Array(await new Response(arrowStream(chunks(0, 0, state), columns)).arrayBuffer())
		);
		expect(t.numRows).toBe(0);
		expect(t.schema.fields.map((f) => f.name)).toEqual(['name', 'hours']);
	});

	it('stops reading, and throws nowhere, when the reader goes away', async () => {
		const state = { closed: false, served: 0 };
		const unhandled: unknown[] = [];
		const onUnhandled = (e: unknown) => unhandled.push(e);
		process.on('unhandledRejection', onUnhandled);
		try {
			const reader = arrowStream(chunks(1000, 2048, state), columns).getReader();
			await reader.read();
			await reader.cancel();
			for (let i = 0; i < 100 && !state.closed; i++) await new Promise((r) => setTimeout(r, 10));
			expect(state.closed).toBe(true);
			expect(state.served).toBeLessThan(1000);
			await new Promise((r) => setTimeout(r, 50));
			expect(unhandled).toEqual([]);
		} finally {
			process.off('unhandledRejection', onUnhandled);
		}
	});
});
