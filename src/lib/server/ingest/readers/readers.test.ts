import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../db/index.ts';
import { freshStore } from '../../../../../test/helpers/fresh-store.ts';
import { importFile } from '../run-import.ts';
import { ImportFileError } from '../read-file.ts';

let store: Store;
let dir: string;
beforeEach(async () => {
	({ store, dir } = await freshStore());
});
afterEach(async () => {
	await store.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const mapping = {
	name: 'api-tickets',
	kind: 'tickets',
	fields: {
		external_id: { column: 'id' },
		organisation: { column: 'organization.name' },
		subject: { column: 'title' },
		final_priority: { column: 'priority.name', map: { urgent: 'P1', normal: 'P3' } },
		created_at: { column: 'created_at' },
		tags: { column: 'tags' }
	}
};

function writeMapping(): string {
	const f = path.join(dir, 'mapping.json');
	fs.writeFileSync(f, JSON.stringify(mapping));
	return f;
}

describe('JSON, NDJSON and Parquet', () => {
	it('reads a JSON document: nested objects as dotted columns, records inside a wrapper object', async () => {
		const file = path.join(dir, 'tickets.json');
		fs.writeFileSync(
			file,
			JSON.stringify({
				count: 3,
				tickets: [
					{
						id: 7,
						title: 'Printer',
						organization: { id: 1, name: 'Café Zoë' },
						priority: { name: 'Urgent' },
						created_at: '2024-03-04T08:15:00Z',
						tags: ['a', 'b']
					},
					{
						id: 8,
						title: 'VPN',
						organization: { id: 1, name: 'Café Zoë' },
						priority: { name: 'normal' },
						created_at: '2024-03-04T10:00:00+01:00',
						tags: []
					},
					{
						id: 9,
						title: 'Bad',
						organization: null,
						priority: { name: 'whenever' },
						created_at: '2024-03-04T10:00:00Z'
					}
				]
			})
		);
		const r = await importFile(store, { file, source: 'api', profile: writeMapping() });
		expect(r.counts.tickets).toEqual({
			read: 3,
			inserted: 2,
			updated: 0,
			unchanged: 0,
			rejected: 1
		});
		expect(r.rejects[0]).toMatchObject({ row: 4, column: 'priority.name', value: 'whenever' });
		const t = await store.all(
			'SELECT external_id, organisation, final_priority, created_at, tags FROM tickets ORDER BY external_id'
		);
		expect(t).toEqual([
			{
				external_id: '7',
				organisation: 'Café Zoë',
				final_priority: 'P1',
				created_at: '2024-03-04T08:15:00.000Z',
				tags: '["a","b"]'
			},
			{
				external_id: '8',
				organisation: 'Café Zoë',
				final_priority: 'P3',
				created_at: '2024-03-04T09:00:00.000Z',
				tags: '[]'
			}
		]);
	});

	it("reads NDJSON, one wrapped record per line, as Zendesk's incremental export writes it", async () => {
		const file = path.join(dir, 'tickets.ndjson');
		const lines = [
			{
				ticket: {
					id: 1,
					title: 'A',
					organization: { name: 'Northwind' },
					priority: { name: 'urgent' },
					created_at: '2024-05-01T07:00:00Z'
				}
			},
			{
				ticket: {
					id: 2,
					title: 'B',
					organization: { name: 'Northwind' },
					priority: { name: 'normal' },
					created_at: '2024-05-02T07:00:00Z',
					tags: ['x']
				}
			}
		];
		fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
		const r = await importFile(store, { file, source: 'api', profile: writeMapping() });
		expect(r.counts.tickets).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
		expect(
			(await importFile(store, { file, source: 'api', profile: writeMapping() })).counts.tickets
				.unchanged
		).toBe(2);
	});

	it('reads Parquet: instants with a zone as UTC, the rest as text; column names never become SQL', async () => {
		const file = path.join(dir, 'tickets.parquet');
		const inst = await DuckDBInstance.create(':memory:');
		const c = await inst.connect();
		await c.run("SET TimeZone='UTC'");
		await c.run(
			`COPY (SELECT * FROM (VALUES (11, 'Gemeente Zuidvelde', 'Urgent', TIMESTAMPTZ '2024-10-27 00:30:00+00', 'Login', 1), (12, 'Gemeente Zuidvelde', 'normal', TIMESTAMPTZ '2024-10-28 09:00:00+00', 'Mail', 2)) t(id, "organization.name", "priority.name", created_at, title, "x"", y'); DROP TABLE tickets; --")) TO '${file}' (FORMAT parquet)`
		);
		c.closeSync();
		inst.closeSync();
		const r = await importFile(store, { file, source: 'pq', profile: writeMapping() });
		expect(r.counts.tickets).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
		expect(await store.all(`SELECT external_id, created_at FROM tickets ORDER BY 1`)).toEqual([
			{ external_id: '11', created_at: '2024-10-27T00:30:00.000Z' },
			{ external_id: '12', created_at: '2024-10-28T09:00:00.000Z' }
		]);
	});

	it('says which line of an NDJSON file is broken, and writes nothing', async () => {
		const file = path.join(dir, 'broken.ndjson');
		fs.writeFileSync(
			file,
			'{"id": 1, "created_at": "2024-01-01T00:00:00Z"}\n{"id": 2, "created_at": \n{"id": 3}\n'
		);
		const err = await importFile(store, { file, source: 'api', profile: writeMapping() }).catch(
			(e) => e
		);
		expect(err).toBeInstanceOf(ImportFileError);
		expect(err.message).toMatch(/^broken\.ndjson: line 2 is not valid JSON/);
		expect((await store.one('SELECT count(*) AS n FROM imports'))?.n).toBe(0);
	});
});
