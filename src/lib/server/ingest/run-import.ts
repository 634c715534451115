/**
 * One import: a file in, an import report out, the store changed in one transaction.
 *
 * Contract:
 *  - A file that cannot be read at all (missing, empty, binary, no header, wrong profile forced,
 *    rows that do not parse as CSV) throws ImportFileError and writes nothing.
 *  - Otherwise every row is accounted for, per kind of record:
 *    read = inserted + updated + unchanged + rejected. Rejected rows land in import_rejects with
 *    row number, column, value and reason; the good rows load.
 *  - Everything (the import record, its rejects, the records, new unassigned accounts) is written
 *    in one transaction: a process killed halfway leaves the store as it was.
 *  - Re-importing the same file changes nothing (row hashes); a changed ticket is updated and its
 *    previous version kept in ticket_history, which is what rollback restores.
 */
import fs from 'node:fs';
import path from 'node:path';
import { literal, type Param, type Queryable, type Store, type Tx } from '../db/index.ts';
import { offsetTable, parseZone, type ZoneSpec } from '../../domain/wall-clock.ts';
import { cleanup, ImportFileError, inspectFile, type InspectedFile } from './read-file.ts';
import {
	REQUIRED_FIELDS,
	RECORD_FIELDS,
	checkProfile,
	isHelpdeskSlaField,
	type Profile,
	type RecordKind
} from './profile.ts';
import { BUILTIN_PROFILES, detectProfile, findColumn } from './profiles/index.ts';
import {
	Params,
	buildDerivedSql,
	buildNormSql,
	buildRejectsSql,
	buildStageSql,
	buildFormatSniffSql,
	chooseFormats,
	instantFormats,
	fieldChecks,
	fieldType,
	KEEP_RAW,
	valueMapRows,
	type ResolvedField
} from './build-ingest-sql.ts';
import { slugify } from '../accounts/slug.ts';
import { recomputeSla } from '../sla/recompute.ts';

export interface Counts {
	read: number;
	inserted: number;
	updated: number;
	unchanged: number;
	rejected: number;
}

export interface RejectRow {
	row: number;
	column: string | null;
	value: string | null;
	reason: string;
}

export interface ImportReport {
	importId: number;
	file: string;
	fileSize: number;
	sha256: string;
	source: string;
	profile: string;
	profileLabel: string;
	profileReason: string;
	recordKind: RecordKind;
	encoding: string;
	delimiter: string;
	zone: string;
	asOf: string | null;
	asOfOrigin: string;
	/** wall-clock times that needed R16's rule: in a spring gap, or in the repeated autumn hour */
	wallClockAdjusted: { gap: number; ambiguous: number };
	counts: { rows: Counts; tickets: Counts; events: Counts; timeEntries: Counts };
	/** Peil fields this export does not carry (stored as "not in this export") */
	notInExport: string[];
	/** fields computed from others, with where they came from */
	derived: string[];
	accountsCreated: { id: string; name: string }[];
	rejects: RejectRow[];
	rejectsTotal: number;
	startedAt: string;
	finishedAt: string;
	durationMs: number;
	isSample: boolean;
	/** the verdicts recomputed after the import: tickets in scope and milliseconds */
	verdicts?: { tickets: number; ms: number };
}

export interface ImportOptions {
	file: string;
	/** the name a person knows the file by; defaults to the file's base name */
	name?: string;
	source: string;
	profile?: string;
	zone?: string;
	asOf?: string;
	isSample?: boolean;
	onProgress?: (phase: string, fraction: number) => void;
	/** recompute the verdicts of the tickets this import touched (default true) */
	verdicts?: boolean;
}

/** A profile by name: built-in, saved in the store, or a JSON mapping file on disk. */
export async function resolveProfile(q: Queryable, name: string): Promise<Profile> {
	const builtin = BUILTIN_PROFILES.find((p) => p.name === name);
	if (builtin) return builtin;
	const saved = await q.one('SELECT body FROM import_profiles WHERE name = $1', [name]);
	if (saved) return userProfile(JSON.parse(String(saved.body)), `saved profile "${name}"`);
	if (/\.json$/i.test(name) && fs.existsSync(name)) {
		let body: unknown;
		try {
			body = JSON.parse(fs.readFileSync(name, 'utf8'));
		} catch (e) {
			throw new ImportFileError(name, `is not valid JSON (${(e as Error).message})`);
		}
		return userProfile(body, name);
	}
	const names = [...BUILTIN_PROFILES.map((p) => p.name), ...(await savedProfileNames(q))];
	throw new Error(
		`No profile "${name}". Known profiles: ${names.join(', ')}; or give the path of a mapping file (.json).`
	);
}

export async function savedProfileNames(q: Queryable): Promise<string[]> {
	return (await q.all('SELECT name FROM import_profiles ORDER BY name')).map((r) => String(r.name));
}

/** Check a user's mapping (file or form) and return it as a profile; derived SQL is not theirs to give. */
export function userProfile(body: unknown, where: string): Profile {
	const problems = checkProfile(body);
	if (body && typeof body === 'object' && 'derived' in body)
		problems.push('"derived" is reserved for the built-in profiles');
	if (problems.length)
		throw new ImportFileError(where, `is not a usable mapping: ${problems.join('; ')}`);
	const p = body as Profile;
	return { ...p, label: p.label || `mapping "${p.name}"` };
}

function resolveFields(profile: Profile, file: InspectedFile, forced: boolean): ResolvedField[] {
	const fields: ResolvedField[] = [];
	const missingRequired: string[] = [];
	for (const [field, spec] of Object.entries(profile.fields)) {
		const index = findColumn(file.header, spec.column);
		if (index < 0) {
			if (REQUIRED_FIELDS[profile.kind].includes(field) || spec.required) {
				const names = Array.isArray(spec.column) ? spec.column.join('" or "') : spec.column;
				missingRequired.push(`"${names}"`);
			}
			continue;
		}
		fields.push({
			field,
			spec,
			index,
			header: file.header[index],
			type: fieldType(profile, field, spec)
		});
	}
	if (missingRequired.length) {
		throw new ImportFileError(
			file.name,
			`${forced ? `cannot be read with the profile "${profile.name}"` : 'is missing required columns'}: the header has no column ${missingRequired.join(', ')}. The header is: ${file.header.slice(0, 12).join(', ')}${file.header.length > 12 ? ', …' : ''}`
		);
	}
	return fields;
}

function zeroCounts(): Counts {
	return { read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
}

function n(v: unknown): number {
	return typeof v === 'number' ? v : Number(v ?? 0);
}

async function loadValueMaps(tx: Tx, fields: ResolvedField[], profile: Profile): Promise<void> {
	await tx.run('CREATE TEMP TABLE value_maps (field VARCHAR, k VARCHAR, v VARCHAR)');
	const rows = valueMapRows(fields);
	// an event log's activity names per meaning, under a field name no Peil field has
	for (const [meaning, names] of Object.entries(profile.eventLog?.activities ?? {}))
		for (const a of names ?? []) rows.push(['__meaning', a.trim().toLowerCase(), meaning]);
	for (let i = 0; i < rows.length; i += 200) {
		const chunk = rows.slice(i, i + 200);
		const params: Param[] = chunk.flat();
		const values = chunk.map((_, j) => `($${j * 3 + 1}, $${j * 3 + 2}, $${j * 3 + 3})`).join(', ');
		await tx.run(`INSERT INTO value_maps VALUES ${values}`, params);
	}
}

const TEMP_TABLES = [
	'stage',
	'norm',
	'derived',
	'rejects',
	'good',
	'incoming',
	'cls',
	'value_maps'
];

const TEMP_VIEWS = ['log_events', 'collapsed', 'log_rows', 'good', 'derived'];

async function dropTemps(tx: Tx): Promise<void> {
	// `incoming` is a view or a table (incomingKind); views first, they depend on the tables
	const existing = await tx.all(
		`SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_catalog = 'temp'`
	);
	const kind = new Map(existing.map((r) => [String(r.name), String(r.type)]));
	for (const name of [...TEMP_VIEWS, 'incoming', ...TEMP_TABLES]) {
		const type = kind.get(name);
		if (type) await tx.run(`DROP ${type === 'VIEW' ? 'VIEW' : 'TABLE'} temp.${name}`);
		kind.delete(name);
	}
}

/** Parse an --as-of value: ISO with offset, or a wall-clock time read in the import's zone. */
export function parseAsOf(value: string, zone: ZoneSpec): string {
	const withOffset = /(Z|[+-]\d\d:?\d\d)$/i.test(value.trim());
	const d = new Date(withOffset ? value : value.trim().replace(' ', 'T') + 'Z');
	if (Number.isNaN(d.getTime()))
		throw new Error(
			`--as-of "${value}" is not a date and time (use ISO 8601, e.g. 2026-10-31T23:59:59+01:00)`
		);
	if (withOffset) return d.toISOString();
	// a wall-clock reading: through the one rule
	return new Date(wallClock(d.getTime(), zone)).toISOString();
}

function wallClock(local: number, zone: ZoneSpec): number {
	const rows = offsetTable(zone);
	let off = rows[0].offsetSeconds;
	for (const r of rows) if (r.localFrom <= local) off = r.offsetSeconds;
	return local - off * 1000;
}

export async function importFile(store: Store, opts: ImportOptions): Promise<ImportReport> {
	const started = new Date();
	const name = opts.name ?? path.basename(opts.file);
	const progress = opts.onProgress ?? (() => {});
	if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(opts.source))
		throw new Error(
			`--source "${opts.source}" must be a short name of letters, digits, '.', '_' or '-' (e.g. zendesk)`
		);

	progress('reading', 0);
	const file = await inspectFile(opts.file, name, (done, total) =>
		progress('reading', (done / total) * 0.3)
	);
	try {
		let profile: Profile;
		let profileReason: string;
		if (opts.profile) {
			profile = await resolveProfile(store, opts.profile);
			profileReason =
				'named by whoever started the import (--profile, the /import page or the API)';
		} else {
			const saved: Profile[] = [];
			for (const r of await store.all('SELECT name, body FROM import_profiles ORDER BY name')) {
				try {
					saved.push(userProfile(JSON.parse(String(r.body)), String(r.name)));
				} catch {
					// a saved profile that no longer checks out is skipped for detection
				}
			}
			const found = detectProfile(file.header, [...BUILTIN_PROFILES, ...saved]);
			if (!found)
				throw new ImportFileError(
					name,
					`no profile fits its header (${file.header.slice(0, 8).join(', ')}${file.header.length > 8 ? ', …' : ''}): name one with --profile, or write a mapping file (see data/profiles/example-mapping.json)`
				);
			profile = found.profile;
			profileReason = found.reason;
		}
		const fields = resolveFields(profile, file, !!opts.profile);
		const zoneName = opts.zone ?? profile.zone ?? 'Europe/Amsterdam';
		let zone: ZoneSpec;
		try {
			zone = parseZone(zoneName);
		} catch (e) {
			throw new Error(`--zone: ${(e as Error).message}`, { cause: e });
		}
		const asOfGiven = opts.asOf ? parseAsOf(opts.asOf, zone) : null;

		progress('staging', 0.3);
		// Parsing and checking build temporary tables on the writer's connection *before* the
		// transaction: DuckDB keeps data written inside a transaction in transaction-local storage,
		// where the parsing queries run several times slower. Nothing in the store changes until
		// BEGIN below; the temporary tables vanish with the connection if the process dies.
		const report = await store.withWriter(async (_conn, tx) => {
			await dropTemps(tx);
			try {
				return await stageCheckAndMerge(tx);
			} finally {
				await dropTemps(tx);
			}
		});
		if (opts.verdicts !== false && report.recordKind !== 'time_entries') {
			progress('verdicts', 0.95);
			const v = await recomputeSla(store, { importId: report.importId });
			report.verdicts = { tickets: v.tickets, ms: Math.round(v.ms) };
		}
		progress('done', 1);
		return report;

		async function stageCheckAndMerge(tx: Tx): Promise<ImportReport> {
			const stage = buildStageSql(
				file.csvPath,
				file.delimiter,
				file.header.length,
				fields.map((f) => f.index)
			);
			try {
				await tx.run(stage.text, stage.params);
			} catch (e) {
				throw new ImportFileError(
					name,
					`cannot be read as CSV: ${cleanDuckError((e as Error).message)}`
				);
			}
			progress('checking', 0.45);
			await loadValueMaps(tx, fields, profile);
			const chosen = new Map<string, string[]>();
			for (const f of fields.filter((x) => x.type === 'instant')) {
				const candidates = instantFormats(f.spec);
				if (candidates.length === 1) continue;
				const sniff = buildFormatSniffSql(f.index, candidates);
				const r = await tx.one(sniff.text, sniff.params);
				chosen.set(f.field, chooseFormats(candidates, (r?.hits as number[]) ?? []));
			}
			const norm = buildNormSql(fields, zone, chosen, profile.nullValues ?? []);
			await tx.run(norm.text, norm.params);
			const present = new Set(fields.map((f) => f.field));
			const { sql: derivedSql, derived } = buildDerivedSql(profile, present);
			await tx.run(derivedSql.text, derivedSql.params);
			for (const d of derived) present.add(d);

			const p = new Params();
			const required = new Set([
				...REQUIRED_FIELDS[profile.kind],
				...fields.filter((f) => f.spec.required).map((f) => f.field)
			]);
			const checks = fieldChecks(fields, required, p);
			const extra = kindChecks(profile.kind, fields, present, asOfGiven, opts.source, p);
			const rj = buildRejectsSql(checks, extra, p);
			await tx.run(rj.text, rj.params);
			await tx.run(
				'CREATE TEMP VIEW good AS SELECT d.* FROM derived d ANTI JOIN rejects r ON r.row_no = d.row_no'
			);

			const rowsRead = n((await tx.one('SELECT count(*) AS c FROM stage'))?.c);
			const rejectedRows = n((await tx.one('SELECT count(DISTINCT row_no) AS c FROM rejects'))?.c);
			const instantFields = fields.filter((f) => f.type === 'instant').map((f) => f.field);
			const adjusted = { gap: 0, ambiguous: 0 };
			if (instantFields.length) {
				const adj = await tx.one(
					`SELECT ${instantFields.map((f) => `count(*) FILTER (adj_${f} = 'gap') AS g_${f}, count(*) FILTER (adj_${f} = 'ambiguous') AS a_${f}`).join(', ')} FROM good`
				);
				for (const f of instantFields) {
					adjusted.gap += n(adj?.[`g_${f}`]);
					adjusted.ambiguous += n(adj?.[`a_${f}`]);
				}
			}
			let asOf = asOfGiven;
			let asOfOrigin = asOfGiven ? 'given with --as-of' : 'the latest time in the file';
			if (!asOf) {
				const allInstants = [...present].filter(
					(f) => fieldTypeOf(profile, fields, f) === 'instant'
				);
				if (allInstants.length) {
					const r = await tx.one(
						`SELECT greatest(${allInstants.map((f) => `max(${f})`).join(', ')}) AS m FROM good`
					);
					asOf = r?.m ? String(r.m) : null;
				}
				if (!asOf) asOfOrigin = 'none: the file has no valid times';
			}

			progress('merging', 0.6);
			await tx.run('BEGIN TRANSACTION');
			try {
				return await merge();
			} catch (e) {
				await tx.run('ROLLBACK');
				throw e;
			}

			async function merge(): Promise<ImportReport> {
				const importId = n(
					(await tx.one('SELECT COALESCE(max(id), 0) + 1 AS id FROM imports'))?.id
				);
				const counts = {
					rows: zeroCounts(),
					tickets: zeroCounts(),
					events: zeroCounts(),
					timeEntries: zeroCounts()
				};
				let accountsCreated: { id: string; name: string }[] = [];
				const notInExport: string[] = [];
				const kindCounts = zeroCounts();
				kindCounts.read = rowsRead;
				kindCounts.rejected = rejectedRows;
				if (profile.kind === 'tickets') {
					for (const f of Object.keys(RECORD_FIELDS.tickets))
						if (!present.has(f)) notInExport.push(f);
					accountsCreated = await createUnknownAccounts(
						tx,
						opts.source,
						importId,
						!!opts.isSample,
						present.has('organisation')
					);
					const sla = [...present].filter(isHelpdeskSlaField);
					await buildIncomingTickets(
						tx,
						opts.source,
						present,
						new Set(fields.map((f) => f.field)),
						notInExport,
						sla,
						derivedOrigin(profile, derived)
					);
					Object.assign(
						kindCounts,
						await mergeVersioned(tx, 'tickets', 'ticket_history', importId, opts.source)
					);
					counts.tickets = kindCounts;
				} else if (profile.kind === 'time_entries') {
					await buildIncomingTimeEntries(tx, opts.source, present);
					Object.assign(
						kindCounts,
						await mergeVersioned(tx, 'time_entries', 'time_entry_history', importId, opts.source)
					);
					counts.timeEntries = kindCounts;
				} else if (profile.kind === 'event_log') {
					const log = await mergeEventLog(tx, {
						source: opts.source,
						profile,
						present,
						mapped: new Set(fields.map((f) => f.field)),
						importId,
						isSample: !!opts.isSample
					});
					accountsCreated = log.accountsCreated;
					notInExport.push(...log.notInExport);
					counts.tickets = log.tickets;
					counts.events = { ...log.events, read: rowsRead - rejectedRows };
					// every good row of an event log is one event; the rejected ones are rows only
					Object.assign(kindCounts, { ...counts.events, read: rowsRead, rejected: rejectedRows });
				} else {
					Object.assign(kindCounts, await mergeEvents(tx, opts.source, present, importId));
					counts.events = kindCounts;
				}
				counts.rows = { ...kindCounts };

				const rejectRows = await tx.all(
					'SELECT row_no, column_name, value, reason FROM rejects ORDER BY row_no, column_name'
				);
				await tx.run(
					`INSERT INTO import_rejects SELECT $1, $2, $3, row_no, column_name, value, reason FROM rejects`,
					[importId, profile.kind, name]
				);
				const finished = new Date();
				const report: ImportReport = {
					importId,
					file: name,
					fileSize: file.size,
					sha256: file.sha256,
					source: opts.source,
					profile: profile.name,
					profileLabel: profile.label,
					profileReason,
					recordKind: profile.kind,
					encoding: file.encoding,
					delimiter: file.delimiter === '\t' ? 'tab' : file.delimiter,
					zone: zone.name,
					asOf,
					asOfOrigin,
					wallClockAdjusted: adjusted,
					counts,
					notInExport,
					derived: derived.map((d) => {
						const o = profile.derived?.[d]?.origin;
						return o ? `${d} (from ${o})` : d;
					}),
					accountsCreated,
					rejects: rejectRows.slice(0, 1000).map((r) => ({
						row: n(r.row_no),
						column: r.column_name === null ? null : String(r.column_name),
						value: r.value === null ? null : String(r.value),
						reason: String(r.reason)
					})),
					rejectsTotal: rejectRows.length,
					startedAt: started.toISOString(),
					finishedAt: finished.toISOString(),
					durationMs: finished.getTime() - started.getTime(),
					isSample: !!opts.isSample
				};
				await tx.run(
					`INSERT INTO imports (id, source, record_kind, profile, profile_reason, file_name, file_size, file_sha256, encoding, zone, as_of, as_of_origin, started_at, finished_at, status, is_sample, report)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::TIMESTAMPTZ, $12, $13::TIMESTAMPTZ, $14::TIMESTAMPTZ, 'committed', $15, $16::JSON)`,
					[
						importId,
						opts.source,
						profile.kind,
						profile.name,
						profileReason,
						name,
						file.size,
						file.sha256,
						file.encoding,
						zone.name,
						asOf,
						asOfOrigin,
						report.startedAt,
						report.finishedAt,
						!!opts.isSample,
						JSON.stringify({ ...report, rejects: [] })
					]
				);
				await tx.run('COMMIT');
				return report;
			}
		}
	} finally {
		cleanup(file);
	}
}

function fieldTypeOf(profile: Profile, fields: ResolvedField[], f: string): string {
	const r = fields.find((x) => x.field === f);
	if (r) return r.type;
	return RECORD_FIELDS[profile.kind][f]?.type ?? 'text';
}

function derivedOrigin(profile: Profile, derived: string[]): string | null {
	return derived.includes('first_response_at')
		? (profile.derived?.first_response_at?.origin ?? 'derived')
		: null;
}

function cleanDuckError(msg: string): string {
	return msg
		.replace(/^[A-Za-z ]+Error: /, '')
		.split('\n')
		.filter(
			(l) =>
				l.trim() &&
				!/^\s*(Possible fixes|\*|DIALECT|Original Line|file=|delimiter|quote|escape|new_line|header|skip|comment|strict_mode|date_format|timestamp_format|null_padding|sample_size|ignore_errors|all_varchar|Parser options|auto_detect|columns|max_line_size|buffer)/i.test(
					l
				)
		)
		.slice(0, 3)
		.join(' ')
		.trim();
}

/** Checks that need more than one field, per kind of record. SQL over `derived` d. */
function kindChecks(
	kind: RecordKind,
	fields: ResolvedField[],
	present: Set<string>,
	asOf: string | null,
	source: string,
	p: Params
): string[] {
	const col = (f: string) => p.add(fields.find((x) => x.field === f)?.header ?? f);
	const out: string[] = [];
	// an event log repeats its case id on every row: that is the point, not a duplicate
	const keyField = kind === 'events' || kind === 'event_log' ? null : 'external_id';
	if (keyField && present.has(keyField)) {
		const what = kind === 'tickets' ? 'ticket id' : 'time entry id';
		out.push(
			`SELECT row_no, ${col(keyField)}, ${keyField}, 'duplicate ${what} "' || ${keyField} || '": row ' || first_row || ' of this file has it too' FROM (SELECT row_no, ${keyField}, min(row_no) OVER (PARTITION BY ${keyField}) AS first_row FROM derived WHERE ${keyField} IS NOT NULL) WHERE row_no > first_row`
		);
	}
	if (kind === 'tickets') {
		for (const f of ['first_response_at', 'resolved_at', 'closed_at']) {
			if (!present.has(f) || !present.has('created_at')) continue;
			const label = RECORD_FIELDS.tickets[f].label;
			const shown = fields.some((x) => x.field === f)
				? `strftime(${f}, '%Y-%m-%d %H:%M:%S UTC')`
				: `strftime(${f}, '%Y-%m-%d %H:%M:%S UTC')`;
			out.push(
				`SELECT row_no, ${col(fields.some((x) => x.field === f) ? f : 'created_at')}, ${shown}, 'the ${label} ' || strftime(${f}, '%Y-%m-%d %H:%M:%S UTC') || ' is before the creation time ' || strftime(created_at, '%Y-%m-%d %H:%M:%S UTC') FROM derived WHERE ${f} < created_at`
			);
		}
	}
	if (asOf) {
		const t =
			kind === 'tickets' ? 'created_at' : kind === 'time_entries' ? 'started_at' : 'occurred_at';
		if (present.has(t))
			out.push(
				`SELECT row_no, ${col(t)}, strftime(${t}, '%Y-%m-%d %H:%M:%S UTC'), 'the time ' || strftime(${t}, '%Y-%m-%d %H:%M:%S UTC') || ' is after the as-of instant ' || ${p.add(asOf)} FROM derived WHERE ${t} > ${p.add(asOf)}::TIMESTAMPTZ`
			);
	}
	if (kind !== 'tickets' && present.has('ticket_id')) {
		out.push(
			`SELECT d.row_no, ${col('ticket_id')}, d.ticket_id, 'no ticket "' || d.ticket_id || '" from source ' || ${p.add(source)} || ' in the store: import the tickets file first' FROM derived d WHERE d.ticket_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.source = ${p.add(source)} AND t.external_id = d.ticket_id)`
		);
	}
	return out;
}

/**
 * Organisations no account knows (by alias for this source or any source, or by name) become
 * "unassigned" accounts, listed on /accounts for a person to complete; their tickets load.
 */
async function createUnknownAccounts(
	tx: Tx,
	source: string,
	importId: number,
	isSample: boolean,
	hasOrganisation: boolean,
	relation = 'good'
): Promise<{ id: string; name: string }[]> {
	if (!hasOrganisation) return [];
	const unknown = await tx.all(
		`SELECT DISTINCT g.organisation AS name FROM ${relation} g
		 WHERE g.organisation IS NOT NULL
		   AND NOT EXISTS (SELECT 1 FROM account_aliases a WHERE a.source IN ($1, '*') AND a.alias_key = lower(regexp_replace(trim(g.organisation), '\\s+', ' ', 'g')))
		   AND NOT EXISTS (SELECT 1 FROM accounts c WHERE lower(c.name) = lower(trim(g.organisation)))
		 ORDER BY 1`,
		[source]
	);
	if (!unknown.length) return [];
	const taken = new Set((await tx.all('SELECT id FROM accounts')).map((r) => String(r.id)));
	const created: { id: string; name: string }[] = [];
	for (const u of unknown) {
		const name = String(u.name).trim();
		let id = slugify(name) || 'account';
		for (let i = 2; taken.has(id); i++) id = `${slugify(name) || 'account'}-${i}`;
		taken.add(id);
		await tx.run(
			`INSERT INTO accounts (id, name, status, is_sample, created_by_import, created_at, updated_at) VALUES ($1, $2, 'unassigned', $3, $4, now(), now())`,
			[id, name, isSample, importId]
		);
		await tx.run(
			`INSERT INTO account_aliases VALUES ($1, lower(regexp_replace(trim($2), '\\s+', ' ', 'g')), $2, $3)`,
			[source, name, id]
		);
		created.push({ id, name });
	}
	return created;
}

const TICKET_COLUMNS = [
	'source',
	'external_id',
	'account_id',
	'organisation',
	'subject',
	'status',
	'status_raw',
	'submitted_priority',
	'final_priority',
	'priority_raw',
	'type',
	'type_raw',
	'category',
	'channel',
	'language',
	'requester_name',
	'requester_email',
	'requester_id',
	'line',
	'phone_pin_valid',
	'tags',
	'created_at',
	'first_response_at',
	'first_response_origin',
	'resolved_at',
	'closed_at',
	'updated_at',
	'helpdesk_sla',
	'missing_fields',
	'defaulted_fields',
	'row_hash'
];

/** SQL list literal of our own field names (never user text). */
function nameList(names: string[]): string {
	return names.length ? `[${names.map((x) => `'${x}'`).join(', ')}]::VARCHAR[]` : 'NULL::VARCHAR[]';
}

/**
 * `incoming` is materialised when records of this source exist (the merge reads it three times);
 * for a source's first import everything is new and a view saves copying a million rows once more.
 */
async function incomingKind(
	tx: Tx,
	table: 'tickets' | 'time_entries',
	source: string
): Promise<'TABLE' | 'VIEW'> {
	const r = await tx.one(`SELECT EXISTS (SELECT 1 FROM ${table} WHERE source = $1) AS any`, [
		source
	]);
	return r?.any === true ? 'TABLE' : 'VIEW';
}

async function buildIncomingTickets(
	tx: Tx,
	source: string,
	present: Set<string>,
	mapped: Set<string>,
	notInExport: string[],
	sla: string[],
	firstResponseOrigin: string | null,
	relation = 'good'
): Promise<void> {
	const v = (f: string, cast = '') =>
		present.has(f) ? `g.${f}${cast}` : `NULL${cast || '::VARCHAR'}`;
	const raw = (f: string) => (mapped.has(f) && KEEP_RAW.has(f) ? `g.r_${f}` : 'NULL::VARCHAR');
	const langDefault = present.has('language')
		? `CASE WHEN g.language IS NULL AND a.default_language IS NOT NULL THEN ['language'] ELSE NULL END`
		: `CASE WHEN a.default_language IS NOT NULL THEN ['language'] ELSE NULL END`;
	const slaJson = sla.length
		? `json_object(${sla.map((f) => `'${f.slice(4)}', g.${f}`).join(', ')})`
		: 'NULL::JSON';
	const fro = present.has('first_response_at')
		? `CASE WHEN g.first_response_at IS NOT NULL THEN '${firstResponseOrigin ?? 'export'}' END`
		: 'NULL::VARCHAR';
	const accountJoin = present.has('organisation')
		? `LEFT JOIN (SELECT alias_key, any_value(account_id) AS account_id FROM account_aliases WHERE source IN (${literal(source)}, '*') GROUP BY alias_key) al ON al.alias_key = lower(regexp_replace(trim(g.organisation), '\\s+', ' ', 'g'))
		   LEFT JOIN accounts byname ON al.account_id IS NULL AND lower(byname.name) = lower(trim(g.organisation))
		   LEFT JOIN accounts a ON a.id = COALESCE(al.account_id, byname.id)`
		: `LEFT JOIN accounts a ON false`;
	await tx.run(
		`CREATE TEMP ${await incomingKind(tx, 'tickets', source)} incoming AS SELECT *, ${rowHashSql(TICKET_COLUMNS.filter((c) => c !== 'row_hash'))} AS row_hash FROM (
		 SELECT ${literal(source)}::VARCHAR AS source, g.external_id, a.id AS account_id, ${v('organisation')} AS organisation, ${v('subject')} AS subject,
		   ${v('status')} AS status, ${raw('status')} AS status_raw, ${v('submitted_priority')} AS submitted_priority, ${v('final_priority')} AS final_priority,
		   ${raw('final_priority')} AS priority_raw, ${v('type')} AS type, ${raw('type')} AS type_raw, ${v('category')} AS category, ${v('channel')} AS channel,
		   COALESCE(${v('language')}, a.default_language) AS language, ${v('requester_name')} AS requester_name, ${v('requester_email')} AS requester_email,
		   ${v('requester_id')} AS requester_id, ${v('line')} AS line, ${v('phone_pin_valid', '::BOOLEAN')} AS phone_pin_valid, ${v('tags')} AS tags,
		   g.created_at, ${v('first_response_at', '::TIMESTAMPTZ')} AS first_response_at, ${fro} AS first_response_origin,
		   ${v('resolved_at', '::TIMESTAMPTZ')} AS resolved_at, ${v('closed_at', '::TIMESTAMPTZ')} AS closed_at, ${v('updated_at', '::TIMESTAMPTZ')} AS updated_at,
		   ${slaJson} AS helpdesk_sla, ${nameList(notInExport)} AS missing_fields, ${langDefault} AS defaulted_fields
		 FROM ${relation} g ${accountJoin})`
	);
}

const TIME_ENTRY_COLUMNS = [
	'source',
	'external_id',
	'ticket_id',
	'started_at',
	'minutes',
	'work_type',
	'billable',
	'on_site',
	'order_reference',
	'agent',
	'row_hash'
];

async function buildIncomingTimeEntries(
	tx: Tx,
	source: string,
	present: Set<string>
): Promise<void> {
	const v = (f: string, cast = '::VARCHAR') => (present.has(f) ? `g.${f}${cast}` : `NULL${cast}`);
	await tx.run(
		`CREATE TEMP ${await incomingKind(tx, 'time_entries', source)} incoming AS SELECT *, ${rowHashSql(TIME_ENTRY_COLUMNS.filter((c) => c !== 'row_hash'))} AS row_hash FROM (SELECT ${literal(source)}::VARCHAR AS source, g.external_id, g.ticket_id, g.started_at, g.minutes::DOUBLE AS minutes,
		   ${v('work_type')} AS work_type, ${v('billable', '::BOOLEAN')} AS billable, ${v('on_site', '::BOOLEAN')} AS on_site,
		   ${v('order_reference')} AS order_reference, ${v('agent')} AS agent FROM good g)`
	);
}

/** The row hash decides unchanged vs updated on a re-import: every stored column but the import ids. */
/** The row hash of a stored ticket, for code that changes a ticket column outside an import. */
export function ticketRowHashSql(): string {
	return rowHashSql(TICKET_COLUMNS.filter((c) => c !== 'row_hash'));
}

function rowHashSql(columns: string[]): string {
	// DuckDB's own 64-bit hash of the values: far cheaper than md5 over their text
	return `hash(${columns.join(', ')})::VARCHAR`;
}

/**
 * Insert new records, update changed ones (keeping the replaced version in the history table
 * under this import's id), count the rest as unchanged.
 */
async function mergeVersioned(
	tx: Tx,
	table: 'tickets' | 'time_entries',
	history: string,
	importId: number,
	source: string
): Promise<Omit<Counts, 'read' | 'rejected'>> {
	const cols = table === 'tickets' ? TICKET_COLUMNS : TIME_ENTRY_COLUMNS;
	const insertSql = (filter: string) =>
		`INSERT INTO ${table} (${cols.join(', ')}, import_id, first_import_id)
		 SELECT ${cols.map((x) => `i.${x}`).join(', ')}, $1, $1 FROM incoming i ${filter}`;
	if ((await incomingKind(tx, table, source)) === 'VIEW') {
		// the source's first import: everything is new, no classification needed
		await tx.run(insertSql(''), [importId]);
		const c = await tx.one(`SELECT count(*) AS n FROM ${table} WHERE import_id = $1`, [importId]);
		return { inserted: n(c?.n), updated: 0, unchanged: 0 };
	}
	await tx.run(
		`CREATE TEMP TABLE cls AS SELECT i.source, i.external_id,
		   CASE WHEN t.external_id IS NULL THEN 'insert' WHEN t.row_hash = i.row_hash THEN 'same' ELSE 'update' END AS op
		 FROM incoming i LEFT JOIN ${table} t ON t.source = i.source AND t.external_id = i.external_id`
	);
	const c = await tx.one(
		`SELECT count(*) FILTER (op = 'insert') AS ins, count(*) FILTER (op = 'update') AS upd, count(*) FILTER (op = 'same') AS same FROM cls`
	);
	const updated = n(c?.upd);
	if (updated) {
		await tx.run(
			`INSERT INTO ${history} SELECT $1, t.* FROM ${table} t SEMI JOIN (SELECT * FROM cls WHERE op = 'update') c ON c.source = t.source AND c.external_id = t.external_id`,
			[importId]
		);
		const set = cols
			.filter((x) => x !== 'source' && x !== 'external_id')
			.map((x) => `${x} = i.${x}`);
		await tx.run(
			`UPDATE ${table} t SET ${set.join(', ')}, import_id = $1 FROM incoming i, cls c
			 WHERE c.op = 'update' AND c.source = i.source AND c.external_id = i.external_id AND t.source = i.source AND t.external_id = i.external_id`,
			[importId]
		);
	}
	if (n(c?.ins))
		await tx.run(
			insertSql(
				`SEMI JOIN (SELECT * FROM cls WHERE op = 'insert') c ON c.source = i.source AND c.external_id = i.external_id`
			),
			[importId]
		);
	return { inserted: n(c?.ins), updated, unchanged: n(c?.same) };
}

/** Events are facts: the same event exported twice is one event; new ones are added. */
async function mergeEvents(
	tx: Tx,
	source: string,
	present: Set<string>,
	importId: number,
	relation = 'good'
): Promise<Omit<Counts, 'read' | 'rejected'>> {
	const v = (f: string) => (present.has(f) ? `g.${f}` : 'NULL::VARCHAR');
	await tx.run(
		`CREATE TEMP TABLE incoming AS
		 SELECT $1::VARCHAR AS source, ticket_id, occurred_at, kind, from_value, to_value, actor,
		   h || '#' || row_number() OVER (PARTITION BY ticket_id, h ORDER BY row_no) AS event_key
		 FROM (SELECT g.row_no, g.ticket_id, g.occurred_at, g.kind, ${v('from_value')} AS from_value, ${v('to_value')} AS to_value, ${v('actor')} AS actor,
		         md5(concat_ws('\u001f', strftime(g.occurred_at, '%Y-%m-%dT%H:%M:%S.%f'), g.kind, COALESCE(${v('from_value')}, ''), COALESCE(${v('to_value')}, ''), COALESCE(${v('actor')}, ''))) AS h
		       FROM ${relation} g)`,
		[source]
	);
	const c = await tx.one(
		`SELECT count(*) AS total, count(e.event_key) AS existing FROM incoming i LEFT JOIN ticket_events e ON e.source = i.source AND e.ticket_id = i.ticket_id AND e.event_key = i.event_key`
	);
	await tx.run(
		`INSERT INTO ticket_events (source, ticket_id, event_key, "at", kind, from_value, to_value, actor, import_id)
		 SELECT i.source, i.ticket_id, i.event_key, i.occurred_at, i.kind, i.from_value, i.to_value, i.actor, $1 FROM incoming i
		 ANTI JOIN ticket_events e ON e.source = i.source AND e.ticket_id = i.ticket_id AND e.event_key = i.event_key`,
		[importId]
	);
	return { inserted: n(c?.total) - n(c?.existing), updated: 0, unchanged: n(c?.existing) };
}

/**
 * An event log becomes tickets and events (EventLogSpec):
 *  - `log_rows`: the good rows with the meaning of their activity (created, first_response,
 *    pause_start, pause_end, resolved, closed) from the profile's activity map;
 *  - `collapsed`: one ticket per case. Its attributes are the last non-empty value (so a
 *    priority changed mid-life ends as the final priority; the first one is the submitted
 *    priority); its times come from the columns when the log has them (ServiceNow's opened_at…)
 *    and otherwise from the activities (first "created", first "first_response", last "resolved",
 *    last "closed"; a case with no creation activity starts at its first row);
 *  - `log_events`: every row as one event. In activity mode its kind is the meaning (or
 *    "activity") and its value the activity; in snapshot mode (a row per update) the kind says
 *    what changed since the case's previous row: the state (as its meaning, "pause_end" when
 *    leaving a pause, or "status"), else the priority, else "update".
 * The tickets merge like any tickets file; the events like a status-history file.
 */
async function mergeEventLog(
	tx: Tx,
	o: {
		source: string;
		profile: Profile;
		present: Set<string>;
		mapped: Set<string>;
		importId: number;
		isSample: boolean;
	}
): Promise<{
	tickets: Counts;
	events: Counts;
	accountsCreated: { id: string; name: string }[];
	notInExport: string[];
}> {
	const spec = o.profile.eventLog!;
	const has = (m: string) => (spec.activities[m as keyof typeof spec.activities] ?? []).length > 0;
	await tx.run(
		`CREATE TEMP VIEW log_rows AS SELECT g.*, m.v AS meaning FROM good g LEFT JOIN value_maps m ON m.field = '__meaning' AND m.k = lower(g.activity)`
	);
	const last = (f: string) => `arg_max(${f}, occurred_at) FILTER (${f} IS NOT NULL)`;
	const first = (f: string) => `arg_min(${f}, occurred_at) FILTER (${f} IS NOT NULL)`;
	const cols: string[] = ['external_id'];
	const present = new Set<string>(['external_id', 'created_at', 'updated_at']);
	const skip = new Set([
		'external_id',
		'occurred_at',
		'activity',
		'actor',
		'created_at',
		'first_response_at',
		'resolved_at',
		'closed_at',
		'updated_at',
		'status',
		'submitted_priority'
	]);
	for (const f of o.present) {
		if (skip.has(f)) continue;
		cols.push(`${last(f)} AS ${f}`);
		present.add(f);
	}
	for (const f of KEEP_RAW) if (o.mapped.has(f)) cols.push(`${last(`r_${f}`)} AS r_${f}`);
	const fromColumn = (f: string, agg: 'min' | 'last') =>
		o.present.has(f) ? (agg === 'min' ? `min(${f})` : last(f)) : null;
	const fromActivity = (m: string, agg: 'min' | 'max') =>
		has(m) ? `${agg}(occurred_at) FILTER (meaning = '${m}')` : null;
	const coalesce = (...xs: (string | null)[]) => {
		const parts = xs.filter((x): x is string => !!x);
		return parts.length ? `COALESCE(${parts.join(', ')})` : null;
	};
	const times: [string, string | null][] = [
		[
			'created_at',
			coalesce(fromColumn('created_at', 'min'), fromActivity('created', 'min'), 'min(occurred_at)')
		],
		[
			'first_response_at',
			coalesce(fromColumn('first_response_at', 'min'), fromActivity('first_response', 'min'))
		],
		['resolved_at', coalesce(fromColumn('resolved_at', 'last'), fromActivity('resolved', 'max'))],
		['closed_at', coalesce(fromColumn('closed_at', 'last'), fromActivity('closed', 'max'))],
		['updated_at', coalesce(fromColumn('updated_at', 'last'), 'max(occurred_at)')]
	];
	for (const [f, sql] of times) {
		if (!sql) continue;
		cols.push(`${sql} AS ${f}`);
		present.add(f);
	}
	cols.push(
		o.present.has('status')
			? `${last('status')} AS status`
			: `CASE ${last('meaning')} WHEN 'closed' THEN 'closed' WHEN 'resolved' THEN 'solved' WHEN 'pause_start' THEN 'pending' WHEN 'created' THEN 'new' ELSE 'open' END AS status`
	);
	present.add('status');
	if (o.present.has('submitted_priority') || o.present.has('final_priority')) {
		cols.push(
			`${first(o.present.has('submitted_priority') ? 'submitted_priority' : 'final_priority')} AS submitted_priority`
		);
		present.add('submitted_priority');
	}
	await tx.run(
		`CREATE TEMP VIEW collapsed AS SELECT ${cols.join(', ')} FROM log_rows GROUP BY external_id`
	);

	const notInExport = Object.keys(RECORD_FIELDS.tickets).filter((f) => !present.has(f));
	const accountsCreated = await createUnknownAccounts(
		tx,
		o.source,
		o.importId,
		o.isSample,
		present.has('organisation'),
		'collapsed'
	);
	const sla = [...present].filter(isHelpdeskSlaField);
	await buildIncomingTickets(tx, o.source, present, o.mapped, notInExport, sla, null, 'collapsed');
	const tickets = await mergeVersioned(tx, 'tickets', 'ticket_history', o.importId, o.source);
	const ticketsRead = n((await tx.one('SELECT count(DISTINCT external_id) AS n FROM good'))?.n);
	await tx.run('DROP TABLE IF EXISTS temp.cls');
	const incoming = await tx.one(
		`SELECT table_type AS t FROM information_schema.tables WHERE table_catalog = 'temp' AND table_name = 'incoming'`
	);
	if (incoming) await tx.run(`DROP ${incoming.t === 'VIEW' ? 'VIEW' : 'TABLE'} temp.incoming`);

	const prio = o.mapped.has('final_priority')
		? 'r_final_priority'
		: o.present.has('final_priority')
			? 'final_priority'
			: 'NULL::VARCHAR';
	const actor = o.present.has('actor') ? 'actor' : 'NULL::VARCHAR';
	const eventsSql =
		spec.mode === 'activity'
			? `SELECT row_no, external_id AS ticket_id, occurred_at, COALESCE(meaning, 'activity') AS kind, NULL::VARCHAR AS from_value, activity AS to_value, ${actor} AS actor FROM log_rows`
			: `SELECT row_no, external_id AS ticket_id, occurred_at,
			     CASE WHEN prev_state IS DISTINCT FROM activity THEN COALESCE(meaning, CASE WHEN prev_meaning = 'pause_start' THEN 'pause_end' ELSE 'status' END)
			          WHEN prev_prio IS DISTINCT FROM prio THEN 'priority' ELSE 'update' END AS kind,
			     CASE WHEN prev_state IS DISTINCT FROM activity THEN prev_state WHEN prev_prio IS DISTINCT FROM prio THEN prev_prio END AS from_value,
			     CASE WHEN prev_state IS DISTINCT FROM activity THEN activity WHEN prev_prio IS DISTINCT FROM prio THEN prio ELSE activity END AS to_value,
			     actor
			   FROM (SELECT row_no, external_id, occurred_at, activity, meaning, ${prio} AS prio, ${actor} AS actor,
			           lag(activity) OVER w AS prev_state, lag(meaning) OVER w AS prev_meaning, lag(${prio}) OVER w AS prev_prio
			         FROM log_rows WINDOW w AS (PARTITION BY external_id ORDER BY occurred_at, row_no))`;
	await tx.run(`CREATE TEMP VIEW log_events AS ${eventsSql}`);
	const events = await mergeEvents(
		tx,
		o.source,
		new Set(['from_value', 'to_value', 'actor']),
		o.importId,
		'log_events'
	);
	return {
		tickets: { read: ticketsRead, rejected: 0, ...tickets },
		events: { read: 0, rejected: 0, ...events },
		accountsCreated,
		notInExport
	};
}
