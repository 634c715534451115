import { DuckDBInstance } from '@duckdb/node-api';
import { expect, it } from 'vitest';
import { localDateSql } from './local-date-sql.ts';

// The lookup must give exactly DuckDB's own local date, on instants around every kind of change.
it('gives the same local dates as timezone(), around the daylight-saving changes of several zones', async () => {
	const inst = await DuckDBInstance.create(':memory:');
	const c = await inst.connect();
	await c.run("SET TimeZone='UTC'");
	const zones = [
		'Europe/Amsterdam',
		'Europe/London',
		'America/New_York',
		'Australia/Sydney',
		'Asia/Kolkata',
		'Pacific/Chatham'
	];
	await c.run(`CREATE TABLE z (zone VARCHAR)`);
	for (const z of zones) await c.run(`INSERT INTO z VALUES ('${z}')`);
	await c.run(`INSERT INTO z VALUES ('America/Sao_Paulo')`); // not in the list: the ICU fallback
	// every 37 minutes over three years, and the hours around midnight near each change
	await c.run(
		`CREATE TABLE t AS SELECT TIMESTAMPTZ '2023-12-30 00:00:00+00' + to_seconds(i * 2220) AS ts, zone FROM range(0, 43000) r(i), z`
	);
	const { offsets, localDate } = localDateSql('t.ts', 't.zone', zones);
	const r = await c.runAndReadAll(
		`SELECT count(*) AS n, count(*) FILTER (mine <> icu) AS wrong FROM (
		   SELECT ${localDate('o')} AS mine, CAST(timezone(zone, ts) AS DATE) AS icu FROM (SELECT t.*, ${offsets} AS o FROM t) t)`
	);
	const [n, wrong] = r.getRows()[0].map(Number);
	expect(n).toBe(43000 * 7);
	expect(wrong).toBe(0);
	c.closeSync();
	inst.closeSync();
});
