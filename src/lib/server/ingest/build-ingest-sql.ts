/**
 * Pure builders for the SQL of one import: no I/O here, only text and parameters, so the SQL can
 * be read in a test and run on a real store in another.
 *
 * The import works in set-based steps on temporary tables (one pass of DuckDB each, fast on
 * millions of rows):
 *   stage    the file as read_csv reads it: every column VARCHAR, named c0..cN by position
 *            (header names repeat in real exports: Jira's Comment, the process logs' Variant).
 *            Its rowid is the record's position in the file (the table is made outside any
 *            transaction, in file order), so a record's row number is rowid + 2: the header is
 *            row 1, as a spreadsheet numbers it.
 *   norm     each Peil field parsed from its column: text trimmed, values mapped, numbers and
 *            booleans cast, instants parsed with the profile's formats; wall-clock times become
 *            instants through `zoneLookup` (the one rule of wall-clock.ts, as a per-year table)
 *   rejects  one row per problem: row number, column, value, reason
 *   derived  (view) norm with the profile's derived fields applied
 *   good     (view) derived minus rejected rows
 * Column names in the SQL are always ours (c0…, field names checked against RECORD_FIELDS);
 * everything that comes from a file or a user (header names, formats, map values) is a parameter.
 */
import { DEFAULT_INSTANT_FORMATS, describeFormats, hasOffset, toStrptime } from './date-formats.ts';
import { RECORD_FIELDS, isHelpdeskSlaField, type FieldSpec, type Profile } from './profile.ts';
import type { Param } from '../db/index.ts';
import { offsetTable, type ZoneSpec } from '../../domain/wall-clock.ts';

/**
 * The zone's offset rule as a constant SQL list, one struct per year: the offset in force at the
 * year's start (o0, a0) and up to four wall-clock boundaries within the year (b1..b4, in epoch
 * seconds of the reading) from which offset oN applies, aN saying the readings from there needed
 * the rule ('gap' or 'ambiguous'). A reading finds its year by index and its offset by four
 * comparisons: no join, which matters on a million rows (an ASOF join per column cost more than
 * the parsing). Built from offsetTable(), so it is the same rule the reference implements.
 * Only numbers and our own words go into the literal.
 */
export function zoneLookupSql(
	zone: ZoneSpec,
	firstYear = 1970,
	lastYear = 2100
): { list: string; firstYear: number; years: number } {
	const rows = offsetTable(zone, firstYear, lastYear);
	const FAR = 9e15;
	const q = (a: string | null) => (a ? `'${a}'` : 'NULL::VARCHAR');
	const years: string[] = [];
	for (let y = firstYear; y <= lastYear; y++) {
		const start = Date.UTC(y, 0, 1);
		const end = Date.UTC(y + 1, 0, 1);
		let base = rows[0];
		for (const r of rows) if (r.localFrom <= start) base = r;
		const inYear = rows.filter((r) => r.localFrom > start && r.localFrom < end).slice(0, 4);
		const parts = [`'o0': ${base.offsetSeconds}`, `'a0': ${q(base.adjusted)}`];
		for (let i = 0; i < 4; i++) {
			const r = inYear[i];
			parts.push(
				`'b${i + 1}': ${r ? r.localFrom / 1000 : FAR}`,
				`'o${i + 1}': ${r ? r.offsetSeconds : 0}`,
				`'a${i + 1}': ${q(r ? r.adjusted : null)}`
			);
		}
		years.push(`{${parts.join(', ')}}`);
	}
	return { list: `[${years.join(', ')}]`, firstYear, years: years.length };
}

export interface ResolvedField {
	field: string;
	spec: FieldSpec;
	/** position in the header */
	index: number;
	/** the header as the file wrote it, for reject rows */
	header: string;
	type: NonNullable<FieldSpec['type']>;
}

export interface Sql {
	text: string;
	params: Param[];
}

class Params {
	readonly list: Param[] = [];
	add(v: Param): string {
		this.list.push(v);
		return `$${this.list.length}`;
	}
}

const TRUE_WORDS = ['true', 'yes', 'ja', 'y', 'j', '1', 'x', 'waar', 'wahr', 'si', 'sí', 'oui'];
const FALSE_WORDS = ['false', 'no', 'nee', 'n', '0', 'onwaar', 'falsch', 'non'];

export function fieldType(profile: Profile, field: string, spec: FieldSpec): ResolvedField['type'] {
	if (spec.type) return spec.type;
	if (isHelpdeskSlaField(field)) return 'number';
	const base = RECORD_FIELDS[profile.kind][field]?.type ?? 'text';
	// enums without a map are free text (a value map is what makes "unknown" knowable)
	return base === 'enum' && !spec.map ? 'text' : base;
}

export function instantFormats(spec: FieldSpec): string[] {
	const given = spec.format ? (Array.isArray(spec.format) ? spec.format : [spec.format]) : [];
	return given.length ? given.map(toStrptime) : DEFAULT_INSTANT_FORMATS;
}

/** Value-map rows (field, lower-cased key, value) for the `value_maps` table. */
export function valueMapRows(fields: ResolvedField[]): [string, string, string][] {
	const rows: [string, string, string][] = [];
	for (const f of fields)
		for (const [k, v] of Object.entries(f.spec.map ?? {}))
			rows.push([f.field, k.trim().toLowerCase(), v]);
	return rows;
}

/**
 * read_csv of the (UTF-8) file into `stage`, every column as text; only the columns the profile
 * uses are kept (`used`), since copying wide text tables is what an import spends its time on.
 */
export function buildStageSql(
	csvPath: string,
	delimiter: string,
	columns: number,
	used?: number[]
): Sql {
	const p = new Params();
	const cols = Array.from({ length: columns }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
	const keep = used
		? [...new Set(used)]
				.sort((a, b) => a - b)
				.map((i) => `c${i}`)
				.join(', ')
		: '*';
	return {
		text: `CREATE TEMP TABLE stage AS SELECT ${keep || '*'} FROM read_csv(${p.add(csvPath)}, delim = ${p.add(delimiter)}, quote = '"', escape = '"', header = true, auto_detect = false, columns = {${cols}}, null_padding = false, strict_mode = false, max_line_size = 10000000)`,
		params: p.list
	};
}

/**
 * For each instant column, the candidate formats that parse a sample of its values, most
 * successful first. Trying a dozen formats on every value of a million-row file is what makes
 * an import slow; the sample settles it once per column. Values in no chosen format are rejected
 * with the format named, as any unparseable value is.
 */
export function buildFormatSniffSql(column: number, formats: string[]): Sql {
	const p = new Params();
	const counts = formats.map((f) => `count(try_strptime(v, ${p.add(f)}))`).join(', ');
	return {
		text: `SELECT [${counts}] AS hits, count(*) AS n FROM (SELECT regexp_replace(trim("c${column}"), '(Z|z| UTC)$', '+00:00') AS v FROM stage WHERE NULLIF(trim("c${column}"), '') IS NOT NULL LIMIT 5000)`,
		params: p.list
	};
}

/** The formats to use, given the sample's hit counts: those that parsed anything, best first. */
export function chooseFormats(formats: string[], hits: number[]): string[] {
	const used = formats.map((f, i) => ({ f, h: hits[i] ?? 0, i })).filter((x) => x.h > 0);
	used.sort((a, b) => b.h - a.h || a.i - b.i);
	return used.length ? used.map((x) => x.f) : formats.slice(0, 1);
}

/** Fields whose text as exported is stored beside Peil's value (tickets.status_raw, …). */
export const KEEP_RAW = new Set(['status', 'final_priority', 'type']);

/**
 * Parse every mapped field of `stage` into `norm`: per field its value, `x_<field>` (the cell was
 * not empty) for the checks, and for KEEP_RAW fields `r_<field>`, the text as exported.
 */
export function buildNormSql(
	fields: ResolvedField[],
	zone: ZoneSpec,
	chosenFormats: Map<string, string[]> = new Map(),
	nullValues: string[] = []
): Sql {
	const p = new Params();
	const inner: string[] = ['t.row_no AS row_no'];
	const joins: string[] = [];
	const outer: string[] = [];
	const excluded: string[] = [];
	const lookups: string[] = [];
	const zl = fields.some((f) => f.type === 'instant') ? zoneLookupSql(zone) : null;
	for (const f of fields) {
		// each cell is trimmed once, in the `t` step below, however often the field uses it
		const cell = `t.t${f.index}`;
		inner.push(`(${cell} IS NOT NULL) AS x_${f.field}`);
		if (KEEP_RAW.has(f.field)) inner.push(`${cell} AS r_${f.field}`);
		// localised month names, AM/PM markers…: replaced (lower-cased) before parsing
		let raw = cell;
		for (const [from, to] of Object.entries(f.spec.replace ?? {}))
			raw = `replace(${raw === cell ? `lower(${cell})` : raw}, ${p.add(from.toLowerCase())}, ${p.add(to)})`;
		if (f.spec.map && (f.type === 'text' || f.type === 'enum')) {
			joins.push(
				`LEFT JOIN value_maps m_${f.field} ON m_${f.field}.field = '${f.field}' AND m_${f.field}.k = lower(${raw})`
			);
		}
		switch (f.type) {
			case 'text':
				inner.push(
					f.spec.map ? `COALESCE(m_${f.field}.v, ${raw}) AS ${f.field}` : `${raw} AS ${f.field}`
				);
				break;
			case 'enum': {
				const empty = f.spec.emptyAs !== undefined ? p.add(f.spec.emptyAs) : 'NULL';
				inner.push(`CASE WHEN ${raw} IS NULL THEN ${empty} ELSE m_${f.field}.v END AS ${f.field}`);
				break;
			}
			case 'integer':
				inner.push(`TRY_CAST(${raw} AS BIGINT) AS ${f.field}`);
				break;
			case 'number':
				inner.push(`TRY_CAST(replace(${raw}, ',', '.') AS DOUBLE) AS ${f.field}`);
				break;
			case 'duration': {
				const unit = f.spec.unit ?? 'minutes';
				if (unit === 'clock') {
					const part = (i: number) =>
						`TRY_CAST(NULLIF(split_part(${raw}, ':', ${i}), '') AS DOUBLE)`;
					inner.push(
						`CASE WHEN regexp_full_match(${raw}, '-?[0-9]+:[0-9]{1,2}(:[0-9]{1,2})?') THEN (CASE WHEN starts_with(${raw}, '-') THEN -1 ELSE 1 END) * (abs(${part(1)}) * 60 + ${part(2)} + COALESCE(${part(3)}, 0) / 60) END AS ${f.field}`
					);
				} else {
					const factor = unit === 'hours' ? ' * 60' : unit === 'seconds' ? ' / 60' : '';
					inner.push(`TRY_CAST(replace(${raw}, ',', '.') AS DOUBLE)${factor} AS ${f.field}`);
				}
				break;
			}
			case 'boolean': {
				const yes = (f.spec.trueValues ?? TRUE_WORDS).map((w) => p.add(w.toLowerCase())).join(', ');
				const no = FALSE_WORDS.map((w) => p.add(w)).join(', ');
				inner.push(
					`CASE WHEN lower(${raw}) IN (${yes}) THEN true WHEN lower(${raw}) IN (${no}) THEN false END AS ${f.field}`
				);
				break;
			}
			case 'instant': {
				const formats = chosenFormats.get(f.field) ?? instantFormats(f.spec);
				const local = formats.filter((x) => !hasOffset(x));
				const zoned = formats.filter(hasOffset);
				const l = local.length
					? `COALESCE(${local.map((x) => `try_strptime(${raw}, ${p.add(x)})`).join(', ')})`
					: 'NULL::TIMESTAMP';
				const zv = `regexp_replace(${raw}, '(Z|z| UTC)$', '+00:00')`;
				if (!local.length) {
					// every value carries its offset: no wall-clock reading, no zone lookup
					inner.push(
						`COALESCE(${zoned.map((x) => `try_strptime(${zv}, ${p.add(x)})`).join(', ')}) AS ${f.field}`
					);
					inner.push(`NULL::VARCHAR AS adj_${f.field}`);
					break;
				}
				const z = zoned.length
					? `COALESCE(${zoned.map((x) => `try_strptime(${zv}, ${p.add(x)})`).join(', ')})`
					: 'NULL::TIMESTAMPTZ';
				inner.push(`${l} AS l_${f.field}`, `${z} AS z_${f.field}`);
				excluded.push(`l_${f.field}`, `z_${f.field}`);
				const y = `y_${f.field}`;
				const e = `e_${f.field}`;
				lookups.push(
					`epoch(l_${f.field}) AS ${e}`,
					`list_extract(zl.years, least(greatest(year(l_${f.field}) - ${zl!.firstYear} + 1, 1), ${zl!.years})) AS ${y}`
				);
				excluded.push(e, y);
				const pick = (k: 'o' | 'a') =>
					`CASE WHEN ${e} >= ${y}.b4 THEN ${y}.${k}4 WHEN ${e} >= ${y}.b3 THEN ${y}.${k}3 WHEN ${e} >= ${y}.b2 THEN ${y}.${k}2 WHEN ${e} >= ${y}.b1 THEN ${y}.${k}1 ELSE ${y}.${k}0 END`;
				outer.push(
					`COALESCE(z_${f.field}, CAST(l_${f.field} - to_seconds(${pick('o')}) AS TIMESTAMPTZ)) AS ${f.field}`,
					`CASE WHEN z_${f.field} IS NULL AND l_${f.field} IS NOT NULL THEN ${pick('a')} END AS adj_${f.field}`
				);
				break;
			}
		}
	}
	const star = excluded.length ? `p.* EXCLUDE (${excluded.join(', ')})` : 'p.*';
	const nulls = nullValues.map((v) => p.add(v));
	const cells = [...new Set(fields.map((f) => f.index))].map((i) => {
		let cell = `NULLIF(trim(s."c${i}"), '')`;
		for (const n of nulls) cell = `NULLIF(${cell}, ${n})`;
		return `${cell} AS t${i}`;
	});
	const text = `CREATE TEMP TABLE norm AS
WITH t AS (SELECT (s.rowid + 2)::INTEGER AS row_no, ${cells.join(', ')} FROM stage s),
p AS (SELECT ${inner.join(',\n  ')} FROM t ${joins.join(' ')}),
q AS (SELECT p.*${lookups.length ? ', ' + lookups.join(', ') : ''} FROM p${zl ? `, (SELECT ${zl.list} AS years) zl` : ''})
SELECT ${[star.replace('p.*', 'q.*'), ...outer].join(',\n  ')} FROM q`;
	return { text, params: p.list };
}

/** Apply derived fields (built-in profiles only) to `norm`, giving `derived`. */
export function buildDerivedSql(
	profile: Profile,
	present: Set<string>
): { sql: Sql; derived: string[] } {
	const replace: string[] = [];
	const add: string[] = [];
	const derived: string[] = [];
	for (const [field, d] of Object.entries(profile.derived ?? {})) {
		if (!d.uses.every((u) => present.has(u))) continue;
		derived.push(field);
		if (present.has(field)) replace.push(`(${d.sql}) AS ${field}`);
		else add.push(`(${d.sql}) AS ${field}`);
	}
	const star = replace.length ? `n.* REPLACE (${replace.join(', ')})` : 'n.*';
	return {
		sql: {
			text: `CREATE TEMP VIEW derived AS SELECT ${[star, ...add].join(', ')} FROM norm n`,
			params: []
		},
		derived
	};
}

export interface RejectCheck {
	/** SQL condition over `derived` (aliased d) that marks the row bad */
	when: string;
	column: string;
	/** the raw value to show: SQL over d */
	value: string;
	/** SQL string expression for the reason */
	reason: string;
}

/** Field-level checks: required and empty, not parseable, not in the value map. */
export function fieldChecks(
	fields: ResolvedField[],
	required: Set<string>,
	p: Params
): RejectCheck[] {
	const checks: RejectCheck[] = [];
	for (const f of fields) {
		let colParam: string | null = null;
		const colRef = () => (colParam ??= p.add(f.header));
		const r = `NULLIF(trim(s."c${f.index}"), '')`;
		const present = `d.x_${f.field}`;
		const label =
			RECORD_FIELDS.tickets[f.field]?.label ??
			RECORD_FIELDS.events[f.field]?.label ??
			RECORD_FIELDS.time_entries[f.field]?.label ??
			f.field;
		if (required.has(f.field)) {
			checks.push({
				when: `NOT ${present}`,
				column: colRef(),
				value: 'NULL',
				reason: p.add(`the ${label} is empty`)
			});
		}
		switch (f.type) {
			case 'instant': {
				const fmt = describeFormats(
					f.spec.format
						? Array.isArray(f.spec.format)
							? f.spec.format
							: [f.spec.format]
						: ['ISO 8601 (yyyy-mm-dd HH:mm:ss, with or without offset)']
				);
				checks.push({
					when: `${present} AND d.${f.field} IS NULL`,
					column: colRef(),
					value: r,
					reason: `'"' || ${r} || '" is not a possible date and time in the form ' || ${p.add(fmt)}`
				});
				break;
			}
			case 'enum': {
				const known = [...new Set(Object.keys(f.spec.map ?? {}))].slice(0, 12).join(', ');
				checks.push({
					when: `${present} AND d.${f.field} IS NULL`,
					column: colRef(),
					value: r,
					reason: `'unknown ${label} "' || ${r} || '": expected one of ' || ${p.add(known)} || ' (or add it to the profile''s value map)'`
				});
				break;
			}
			case 'integer':
			case 'number':
			case 'duration':
				checks.push({
					when: `${present} AND d.${f.field} IS NULL`,
					column: colRef(),
					value: r,
					reason: `'"' || ${r} || '" is not ${f.type === 'duration' && f.spec.unit === 'clock' ? 'a duration (h:mm or h:mm:ss)' : 'a number'}'`
				});
				break;
			case 'boolean':
				checks.push({
					when: `${present} AND d.${f.field} IS NULL`,
					column: colRef(),
					value: r,
					reason: `'"' || ${r} || '" is not yes/no, true/false or 1/0'`
				});
				break;
		}
	}
	return checks;
}

export { Params };

/** All checks as one INSERT into `rejects` (row_no, column_name, value, reason). */
export function buildRejectsSql(checks: RejectCheck[], extra: string[], p: Params): Sql {
	const parts = checks.map(
		(c) =>
			`SELECT d.row_no, ${c.column}::VARCHAR AS column_name, ${c.value}::VARCHAR AS value, (${c.reason})::VARCHAR AS reason FROM derived d JOIN stage s ON s.rowid + 2 = d.row_no WHERE ${c.when}`
	);
	parts.push(...extra);
	const body = parts.length
		? parts.join('\nUNION ALL\n')
		: 'SELECT NULL::BIGINT, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR WHERE false';
	return {
		text: `CREATE TEMP TABLE rejects AS SELECT * FROM (${body}) r(row_no, column_name, value, reason)`,
		params: p.list
	};
}
