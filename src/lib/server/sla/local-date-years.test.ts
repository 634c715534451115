import { DuckDBInstance } from '@duckdb/node-api';
import { expect, it } from 'vitest';
import { localDateSql } from './local-date-sql.ts';

// Restricted to a few years, the lookup still gives exactly DuckDB's own local date: instants in
// those years read the lists, instants outside them take the ICU path.
it('gives the same local dates as timezone() when given the years, inside and outside them', async () => {
	const inst = await DuckDBInstance.create(':memory:');
	const c = await inst.connect();
	await c.run("SET TimeZone='UTC'");
	const zones = ['Europe/Amsterdam', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'];
	await c.run(`CREATE TABLE z (zone VARCHAR)`);
	for (const zone of [...zones, 'America/Sao_Paulo'])
		await c.run(`INSERT INTO z VALUES ('${zone}')`);
	// every 53 minutes from the end of 2022 to the start of 2027, and a few far instants
	await c.run(
		`CREATE TABLE t AS SELECT TIMESTAMPTZ '2022-12-25 00:00:00+00' + to_seconds(i * 3180) AS ts, zone FROM range(0, 40000) r(i), z
		 UNION ALL SELECT ts, zone FROM (VALUES (TIMESTAMPTZ '1985-06-01 12:00:00+00'), (TIMESTAMPTZ '2075-01-01 00:30:00+00'), (NULL)) v(ts), z`
	);
	for (const years of [
		{ from: 2024, to: 2025 },
		{ from: 2023, to: 2026 },
		{ from: 1980, to: 2080 },
		{ from: 2030, to: 2020 }
	]) {
		const { offsets, localDate } = localDateSql('t.ts', 't.zone', zones, years);
		const r = await c.runAndReadAll(
			`SELECT count(*) AS n, count(*) FILTER (mine IS DISTINCT FROM icu) AS wrong, count(*) FILTER (o IS NOT NULL) AS listed FROM (
			   SELECT ${localDate('o')} AS mine, CAST(timezone(zone, ts) AS DATE) AS icu, o FROM (SELECT t.*, ${offsets} AS o FROM t) t)`
		);
		const [n, wrong, listed] = r.getRows()[0].map(Number);
		expect(n, JSON.stringify(years)).toBe(40003 * 5);
		expect(wrong, JSON.stringify(years)).toBe(0);
		expect(listed).toBeGreaterThan(0);
	}
	c.closeSync();
	inst.closeSync();
});
