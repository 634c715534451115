import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { freshStore } from '../../../../test/helpers/fresh-store.ts';
import {
	instantToWallClock,
	localText,
	parseZone,
	wallClockToInstant
} from '../../domain/wall-clock.ts';
import { importFile } from './run-import.ts';

let store: Store;
let dir: string;
beforeAll(async () => {
	({ store, dir } = await freshStore());
});
afterAll(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

// The import's SQL (ASOF join on the offset table) must agree with the TypeScript reference on
// every reading, DST weeks included — the suite itself runs with TZ=Pacific/Auckland.
it('the import reads wall-clock times exactly as the reference does, around DST changes', async () => {
	const zone = parseZone('Europe/Amsterdam');
	const readings: number[] = [];
	for (const week of [
		'2023-03-24',
		'2023-10-27',
		'2024-03-29',
		'2024-10-25',
		'2025-03-28',
		'2025-10-24'
	]) {
		for (
			let t = Date.parse(week + 'T00:00:00Z');
			t < Date.parse(week + 'T00:00:00Z') + 4 * 86400_000;
			t += 17 * 60_000
		)
			readings.push(t);
	}
	// readings inside the gap and the overlap, made from instants so both hours appear
	for (
		let t = Date.parse('2024-10-27T00:00:00Z');
		t < Date.parse('2024-10-27T02:00:00Z');
		t += 10 * 60_000
	)
		readings.push(instantToWallClock(t, zone));
	const header = 'ticket_id,opened\n';
	const body = readings.map((r, i) => `T${i},${localText(r)}`).join('\n');
	const file = path.join(dir, 'times.csv');
	fs.writeFileSync(file, header + body + '\n');
	const mappingFile = path.join(dir, 'm.json');
	fs.writeFileSync(
		mappingFile,
		JSON.stringify({
			name: 'times',
			kind: 'tickets',
			fields: {
				external_id: { column: 'ticket_id' },
				created_at: { column: 'opened', format: 'yyyy-MM-dd HH:mm:ss' }
			}
		})
	);
	const r = await importFile(store, {
		file,
		source: 'dst',
		profile: mappingFile,
		zone: 'Europe/Amsterdam'
	});
	expect(r.counts.tickets.inserted).toBe(readings.length);
	const rows = await store.all(`SELECT external_id, created_at FROM tickets WHERE source = 'dst'`);
	const got = new Map(rows.map((x) => [String(x.external_id), String(x.created_at)]));
	let adjusted = 0;
	readings.forEach((reading, i) => {
		const ref = wallClockToInstant(reading, zone);
		if (ref.adjusted) adjusted++;
		expect(got.get(`T${i}`), localText(reading)).toBe(new Date(ref.epochMs).toISOString());
	});
	expect(r.wallClockAdjusted.gap + r.wallClockAdjusted.ambiguous).toBe(adjusted);
	expect(adjusted).toBeGreaterThan(10);
});
