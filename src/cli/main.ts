/**
 * The command line: `npm run peil -- <command>` or `npx peil <command>`.
 * Every command works on the store named by PEIL_DB (default data/peil.duckdb), through the
 * running server when one holds it (handoff.ts). Command-line imports never load the sample.
 * Exit codes: 0 done (rejected rows are reported, not fatal), 1 wrong usage, 2 the file or the
 * store cannot be used.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { storePath, StoreLockedError, type Store } from '../lib/server/db/index.ts';
import { prepareStore } from '../lib/server/bootstrap.ts';
import { importFile, type ImportReport } from '../lib/server/ingest/run-import.ts';
import { ImportFileError } from '../lib/server/ingest/read-file.ts';
import { importAccounts, type AccountsImportReport } from '../lib/server/accounts/accounts.ts';
import {
	rollbackImport,
	RollbackError,
	type RollbackResult
} from '../lib/server/ingest/rollback.ts';
import { listImports, type ImportListItem } from '../lib/server/reports/overview.ts';
import { removeSample } from '../lib/server/sample/load-sample.ts';
import {
	findServer,
	postFile,
	postJson,
	sendJson,
	authHeaders,
	type ServerInfo
} from './handoff.ts';
import { explainTicket, type Explanation } from '../lib/server/sla/explain.ts';
import { recomputeSla } from '../lib/server/sla/recompute.ts';
import { addCorrection, CorrectionError, type Correction } from '../lib/server/sla/corrections.ts';
import { formatReconcile, reconcile } from '../lib/server/sla/reconcile.ts';
import {
	currentPolicy,
	listPolicyVersions,
	previewPolicyChange,
	savePolicyVersion,
	SettingsError,
	withChange
} from '../lib/server/sla/settings.ts';
import { progressBar } from './progress.ts';
import os from 'node:os';
import { audit } from '../lib/server/auth/audit.ts';
import { generatePassword } from '../lib/server/auth/passwords.ts';
import { ROLES } from '../lib/server/auth/roles.ts';
import { createToken, listTokens, revokeToken } from '../lib/server/auth/sessions.ts';
import {
	addUser,
	listUsers,
	setAssignments,
	setDisabled,
	setPassword,
	setRole,
	UserError
} from '../lib/server/auth/users.ts';
import { eraseAccount, EraseError, type ErasureResult } from '../lib/server/accounts/erase.ts';
import { BackupError, restoreBackup, writeBackup } from '../lib/server/backup.ts';

const USAGE = `Usage: peil <command> [options]

  import <file> --source NAME [--profile NAME|mapping.json] [--zone ZONE] [--as-of INSTANT] [--json]
        Import a ticket export (or a status-history or time-entries file).
  accounts import <file> [--json]     Describe accounts from a CSV, XLSX or JSON file.
  imports [--json]                    List imports.
  rollback <import-id> [--json]       Undo an import.
  sample remove                       Remove the sample accounts and their data.
  account erase <id> --confirm [--by NAME]
        Erase one account's data (tickets, contacts, time entries, reviews, …); invoice lines of
        locked months stay, anonymised. Cannot be undone.
  backup <file>                       Write a consistent copy of the store (also while the server runs).
  restore <file>                      Replace the store with a backup (the server must be stopped).
  explain <source>/<id> [--json]      Why a ticket's verdicts are what they are.
  recompute                           Recompute every verdict.
  reconcile [--source S] [--account A] [--month yyyy-mm] [--json]
        Peil's first-response figures beside the helpdesk's own, and why they differ.
  policy list                         Policies and their versions.
  policy show <id> [--json]           The current version of a policy, every setting with its rule.
  policy set <id> <path> <value> --from yyyy-mm-dd [--save]
        Change a setting or target (e.g. clocks.first_response.targetHours.Standard.P1 2, or
        settings.pauseStatuses.value pending,hold); previews the verdicts it would change, and
        stores it as a new version from that date with --save.
  correct <source>/<id> --field F --value V --reason TEXT [--by NAME]
        Correct a ticket (type, final_priority, language, unjustified, external, authorised_contact).
  user add <name|email> --role ROLE [--name "Full Name"] [--accounts a,b] [--password-stdin]
        Add someone who may sign in (roles: admin, csm, account_manager, finance, viewer); prints
        a generated password once unless one comes on standard input.
  user list | passwd <user> [--password-stdin] | role <user> ROLE | assign <user> a,b | disable <user> | enable <user>
  token add <name> --role ROLE [--accounts a,b]   An API token for scripts (shown once).
  token list | revoke <name|id>

The store is ${storePath()} (set PEIL_DB to use another).`;

class UsageError extends Error {}

function fail(code: number, message: string): never {
	process.stderr.write(message.endsWith('\n') ? message : message + '\n');
	process.exit(code);
}

/** Who the command line acts as in the audit log when it works on the store itself. */
const CLI_ACTOR = `command line (${os.userInfo().username})`;

/**
 * Run `work` on the store directly, or through the server that holds it (whose audit log then
 * records it). Work done directly is recorded here when `audited` names it.
 */
async function withStore<T>(
	direct: (store: Store) => Promise<T>,
	viaServer: (server: ServerInfo) => Promise<T>,
	audited?: { action: string; target?: string; detail?: Record<string, unknown> | null }
): Promise<T> {
	const server = await findServer();
	if (server) {
		process.stderr.write(
			`(the Peil server at ${server.url} holds the store: sending the work there)\n`
		);
		return viaServer(server);
	}
	let store: Store;
	try {
		store = await prepareStore();
	} catch (e) {
		if (e instanceof StoreLockedError)
			fail(
				2,
				`${e.message}\nNo Peil server answered for it. Stop the process that holds it, or wait for it to finish.`
			);
		throw e;
	}
	try {
		const out = await direct(store);
		if (audited) await audit(store, { actor: CLI_ACTOR, ...audited, outcome: 'ok' });
		return out;
	} finally {
		await store.close();
	}
}

function serverError(status: number, body: unknown): never {
	const b = body as { error?: string; message?: string };
	fail(
		status === 422 || status === 413 || status === 415 ? 2 : status === 409 ? 2 : 1,
		`Error: ${b?.error ?? b?.message ?? JSON.stringify(body)}`
	);
}

function printImportReport(r: ImportReport): void {
	const kinds: [string, keyof ImportReport['counts']][] = [
		['rows', 'rows'],
		['tickets', 'tickets'],
		['events', 'events'],
		['time entries', 'timeEntries']
	];
	const lines = [
		`Import ${r.importId}: ${r.file} (${r.source})`,
		`  profile   ${r.profile} — ${r.profileReason}`,
		`  encoding  ${r.encoding}, delimiter ${r.delimiter}`,
		`  zone      ${r.zone}${r.wallClockAdjusted.gap + r.wallClockAdjusted.ambiguous ? ` (${r.wallClockAdjusted.gap} times in a DST gap moved forward, ${r.wallClockAdjusted.ambiguous} ambiguous times read as the earlier instant)` : ''}`,
		`  as-of     ${r.asOf ?? '—'} (${r.asOfOrigin})`,
		'',
		`  ${'kind'.padEnd(13)}${['read', 'inserted', 'updated', 'unchanged', 'rejected'].map((h) => h.padStart(11)).join('')}`,
		...kinds
			.filter(([, k]) => r.counts[k].read > 0 || k === 'rows')
			.map(([label, k]) => {
				const c = r.counts[k];
				return `  ${label.padEnd(13)}${[c.read, c.inserted, c.updated, c.unchanged, c.rejected].map((x) => String(x).padStart(11)).join('')}`;
			})
	];
	if (r.notInExport.length) lines.push('', `  not in this export: ${r.notInExport.join(', ')}`);
	if (r.accountsCreated.length)
		lines.push(
			'',
			`  new unassigned accounts (complete them on /accounts): ${r.accountsCreated.map((a) => a.name).join(', ')}`
		);
	if (r.rejectsTotal) {
		lines.push(
			'',
			`  rejected rows (${r.rejectsTotal}${r.rejectsTotal > 20 ? ', first 20' : ''}):`
		);
		for (const x of r.rejects.slice(0, 20))
			lines.push(`    row ${x.row}, ${x.column ?? '—'}: ${x.reason}`);
	}
	process.stdout.write(lines.join('\n') + '\n');
}

async function cmdImport(args: string[]): Promise<void> {
	const { values, positionals } = parseArgs({
		args,
		allowPositionals: true,
		options: {
			source: { type: 'string' },
			profile: { type: 'string' },
			zone: { type: 'string' },
			'as-of': { type: 'string' },
			json: { type: 'boolean', default: false }
		}
	});
	const file = positionals[0];
	if (!file) throw new UsageError('import: name the file to import');
	if (!values.source)
		throw new UsageError(
			'import: say which helpdesk it comes from with --source (e.g. --source zendesk)'
		);
	const bar = progressBar(path.basename(file));
	const report = await withStore(
		(store) =>
			importFile(store, {
				file,
				name: path.basename(file),
				source: values.source!,
				profile: values.profile,
				zone: values.zone,
				asOf: values['as-of'],
				onProgress: (phase, f) => bar.update(phase, f)
			}),
		async (server) => {
			const q = new URLSearchParams({ source: values.source!, name: path.basename(file) });
			if (values.profile) q.set('profile', values.profile);
			if (values.zone) q.set('zone', values.zone);
			if (values['as-of']) q.set('asOf', values['as-of']);
			const res = await postFile(server, `/api/imports?${q}`, file, (f) =>
				bar.update(f < 1 ? 'uploading' : 'importing on the server', f * 0.9)
			);
			bar.done();
			if (res.status !== 200) serverError(res.status, res.body);
			return res.body as ImportReport;
		},
		{ action: 'import', target: path.basename(file) }
	);
	bar.done();
	if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
	else printImportReport(report);
}

async function cmdAccounts(args: string[]): Promise<void> {
	const [sub, ...rest] = args;
	if (sub !== 'import') throw new UsageError('accounts: the command is "accounts import <file>"');
	const { values, positionals } = parseArgs({
		args: rest,
		allowPositionals: true,
		options: { json: { type: 'boolean', default: false } }
	});
	const file = positionals[0];
	if (!file) throw new UsageError('accounts import: name the accounts file');
	const report = await withStore(
		(store) => importAccounts(store, file, { name: path.basename(file) }),
		async (server) => {
			const res = await postFile(
				server,
				`/api/accounts/import?name=${encodeURIComponent(path.basename(file))}`,
				file
			);
			if (res.status !== 200) serverError(res.status, res.body);
			return res.body as AccountsImportReport;
		},
		{ action: 'accounts import', target: path.basename(file) }
	);
	if (values.json) {
		process.stdout.write(JSON.stringify(report) + '\n');
		return;
	}
	process.stdout.write(
		`Accounts from ${report.file}: ${report.read} read, ${report.inserted} new, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejected} rejected\n` +
			report.problems
				.map((p) => `  row ${p.row}, ${p.field}: ${p.reason}${p.value ? ` (${p.value})` : ''}\n`)
				.join('')
	);
}

async function cmdImports(args: string[]): Promise<void> {
	const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
	const list = await withStore(
		(store) => listImports(store),
		async (server) => {
			const res = await fetch(`${server.url}/api/imports`, { headers: authHeaders(server) });
			return (await res.json()) as ImportListItem[];
		}
	);
	if (values.json) {
		process.stdout.write(JSON.stringify(list) + '\n');
		return;
	}
	if (!list.length) {
		process.stdout.write('No imports yet.\n');
		return;
	}
	for (const i of list) {
		const c = i.counts.rows;
		process.stdout.write(
			`${String(i.id).padStart(4)}  ${i.finishedAt.slice(0, 19).replace('T', ' ')}Z  ${i.status.padEnd(11)} ${i.source}/${i.profile}  ${i.file}  read ${c.read}, inserted ${c.inserted}, updated ${c.updated}, unchanged ${c.unchanged}, rejected ${c.rejected}${i.isSample ? '  (sample)' : ''}\n`
		);
	}
}

async function cmdRollback(args: string[]): Promise<void> {
	const { values, positionals } = parseArgs({
		args,
		allowPositionals: true,
		options: { json: { type: 'boolean', default: false } }
	});
	const id = Number(positionals[0]);
	if (!Number.isInteger(id) || id < 1)
		throw new UsageError('rollback: give the id of the import to undo (see "peil imports")');
	const result = await withStore(
		async (store) => {
			try {
				return await rollbackImport(store, id);
			} catch (e) {
				if (e instanceof RollbackError) fail(2, e.message);
				throw e;
			}
		},
		async (server) => {
			const res = await postJson(server, `/api/imports/${id}/rollback`);
			if (res.status !== 200) serverError(res.status, res.body);
			return res.body as RollbackResult;
		},
		{ action: 'rollback', target: `import ${id}` }
	);
	if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
	else
		process.stdout.write(
			`Import ${id} rolled back: ${result.tickets.deleted} tickets removed, ${result.tickets.restored} restored; ${result.events.deleted} events and ${result.timeEntries.deleted} time entries removed, ${result.timeEntries.restored} restored${result.accountsRemoved.length ? `; unassigned accounts removed: ${result.accountsRemoved.join(', ')}` : ''}.\n`
		);
}

async function cmdSample(args: string[]): Promise<void> {
	if (args[0] !== 'remove') throw new UsageError('sample: the command is "sample remove"');
	const r = await withStore(
		(store) => removeSample(store),
		async (server) => {
			const res = await postJson(server, '/api/sample', 'DELETE');
			if (res.status !== 200) serverError(res.status, res.body);
			return res.body as Awaited<ReturnType<typeof removeSample>>;
		},
		{ action: 'sample remove' }
	);
	process.stdout.write(
		`Sample removed: ${r.accounts} accounts, ${r.tickets} tickets, ${r.imports} imports.\n`
	);
}

async function cmdAccount(args: string[]): Promise<void> {
	const [sub, ...rest] = args;
	if (sub !== 'erase')
		throw new UsageError('account: the command is "account erase <id> --confirm"');
	const { values, positionals } = parseArgs({
		args: rest,
		allowPositionals: true,
		options: {
			confirm: { type: 'boolean', default: false },
			by: { type: 'string' },
			json: { type: 'boolean', default: false }
		}
	});
	const id = positionals[0];
	if (!id) throw new UsageError('account erase: name the account (its id, as on /accounts)');
	if (!values.confirm)
		fail(
			1,
			`Erasing account "${id}" deletes its tickets, contacts, time entries, reviews and every other record of it, and cannot be undone. Add --confirm to erase it.`
		);
	const by = values.by ?? process.env.USER ?? 'command line';
	const r = await withStore(
		async (store) => {
			try {
				return await eraseAccount(store, id, by);
			} catch (e) {
				if (e instanceof EraseError) fail(2, `Error: ${e.message}`);
				throw e;
			}
		},
		async (server) => {
			const res = await fetch(`${server.url}/api/accounts/${encodeURIComponent(id)}/erase`, {
				method: 'POST',
				headers: { ...authHeaders(server), 'content-type': 'application/json' },
				body: JSON.stringify({ confirm: id, by })
			});
			const body = await res.json();
			if (!res.ok) fail(2, `Error: ${(body as { error?: string }).error ?? res.status}`);
			return body as ErasureResult;
		}
	);
	if (values.json) {
		process.stdout.write(JSON.stringify(r) + '\n');
		return;
	}
	const c = r.counts;
	process.stdout.write(
		`Account ${id} erased by ${r.erasedBy} at ${r.erasedAt}: ${c.tickets} tickets, ${c.ticket_events} status changes, ${c.time_entries} time entries, ${c.contacts} contacts, ${c.reviews} reviews, ${c.training_records} training records, ${c.billing_materials} material lines removed; ${c.invoice_lines_anonymised} invoice lines of locked months kept anonymised.\n`
	);
}

function megabytes(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function cmdBackup(args: string[]): Promise<void> {
	const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
	const file = positionals[0];
	if (!file) throw new UsageError('backup: name the file to write, e.g. peil-2026-11-23.duckdb');
	const target = path.resolve(file);
	if (target === storePath()) throw new UsageError('backup: the backup cannot be the store itself');
	const info = await withStore(
		async (store) => {
			const r = await writeBackup(store, target);
			return { bytes: r.bytes, createdAt: r.createdAt };
		},
		async (server) => {
			const res = await fetch(`${server.url}/api/backup`, { headers: authHeaders(server) });
			if (!res.ok || !res.body) serverError(res.status, await res.text());
			const expected = Number(res.headers.get('content-length'));
			// written beside the target and renamed once whole: a cut connection leaves no half file
			const partial = `${target}.partial-${crypto.randomBytes(4).toString('hex')}`;
			try {
				await pipeline(
					Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
					fs.createWriteStream(partial)
				);
				const bytes = fs.statSync(partial).size;
				if (expected && bytes !== expected)
					fail(2, `Error: the backup arrived incomplete (${bytes} of ${expected} bytes)`);
				fs.renameSync(partial, target);
				const meta = JSON.parse(res.headers.get('x-peil-backup') ?? '{}') as {
					createdAt?: string;
				};
				return { bytes, createdAt: meta.createdAt ?? new Date().toISOString() };
			} finally {
				fs.rmSync(partial, { force: true });
			}
		}
	);
	process.stdout.write(
		`Backup written: ${target} (${megabytes(info.bytes)}, the store as of ${info.createdAt}).\n`
	);
}

async function cmdRestore(args: string[]): Promise<void> {
	const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
	const file = positionals[0];
	if (!file) throw new UsageError('restore: name the backup file to restore');
	const store = storePath();
	const server = await findServer(store);
	if (server)
		fail(
			2,
			`The Peil server at ${server.url} (pid ${server.pid}) holds the store ${store}: stop it, then restore. Nothing was restored.`
		);
	try {
		const r = await restoreBackup(store, file);
		process.stdout.write(
			`Restored ${store} from ${r.from}${r.backupCreatedAt ? ` (backup of ${r.backupCreatedAt})` : ''}${r.migrationsApplied.length ? `; schema brought up to date (${r.migrationsApplied.join(', ')})` : ''}.${r.previous ? ` The store it replaced is kept as ${r.previous}.` : ''}\n`
		);
	} catch (e) {
		if (e instanceof BackupError) fail(2, `Error: ${e.message}`);
		if (e instanceof StoreLockedError) fail(2, `${e.message}\nNothing was restored.`);
		throw e;
	}
}

function ticketRef(arg: string | undefined, command: string): { source: string; id: string } {
	const m = /^([^/]+)\/(.+)$/.exec(arg ?? '');
	if (!m) throw new UsageError(`${command}: name the ticket as <source>/<id>, e.g. zendesk/1042`);
	return { source: m[1], id: m[2] };
}

async function cmdExplain(args: string[]): Promise<void> {
	const { values, positionals } = parseArgs({
		args,
		allowPositionals: true,
		options: { json: { type: 'boolean', default: false } }
	});
	const { source, id } = ticketRef(positionals[0], 'explain');
	const e = await withStore(
		(store) => explainTicket(store, source, id),
		async (server) => {
			const res = await fetch(
				`${server.url}/api/tickets/${encodeURIComponent(source)}/${encodeURIComponent(id)}/explain`,
				{ headers: authHeaders(server) }
			);
			if (res.status === 404) return null;
			if (!res.ok) serverError(res.status, await res.json());
			return (await res.json()) as Explanation;
		}
	);
	if (!e) fail(2, `There is no ticket ${source}/${id}.`);
	if (values.json) {
		process.stdout.write(JSON.stringify(e) + '\n');
		return;
	}
	const out: string[] = [
		`Ticket ${source}/${id}: ${e.ticket.subject ?? ''}`,
		`  account ${e.ticket.account ?? '—'}, created ${e.ticket.createdAt}, priority ${e.ticket.priority ?? '—'}, type ${e.ticket.type ?? '—'}, language ${e.ticket.language ?? '—'}`
	];
	for (const c of e.corrections)
		out.push(`  corrected ${c.field} = ${c.value} by ${c.by} at ${c.at}: ${c.reason}`);
	for (const n of e.notes) out.push(`  note: ${n}`);
	if (e.notInExport.length) out.push(`  not in this export: ${e.notInExport.join(', ')}`);
	for (const c of e.clocks) {
		out.push(
			'',
			`${c.clock.replace('_', ' ')}: ${c.verdict.replaceAll('_', ' ')}${c.excludedReason ? ` (${c.excludedReason})` : ''}`
		);
		for (const d of c.decisions)
			out.push(
				`  ${d.what}: ${d.value ?? '—'}${d.rule ? ` [${d.rule}${d.kind ? `, ${d.kind}` : ''}]` : ''}${d.setting ? ` setting ${d.setting}` : ''} — ${d.why}`
			);
		for (const day of c.days)
			out.push(
				`    ${day.date}  ${day.closed ? `closed (${day.closed})` : day.windows.map((w) => `${w.from.slice(11)}–${w.to.slice(11)}`).join(', ')}  ${day.seconds} s`
			);
		for (const p of c.pauses) out.push(`    paused ${p.from} – ${p.to}: ${p.seconds} s`);
		for (const a of c.arithmetic) out.push(`  ${a}`);
	}
	process.stdout.write(out.join('\n') + '\n');
}

async function cmdRecompute(): Promise<void> {
	const r = await withStore(
		(store) => recomputeSla(store),
		async (server) => {
			const res = await postJson(server, '/api/verdicts');
			if (res.status !== 200) serverError(res.status, res.body);
			return res.body as Awaited<ReturnType<typeof recomputeSla>>;
		},
		{ action: 'recompute' }
	);
	process.stdout.write(
		`Verdicts recomputed: ${r.tickets} tickets, ${r.rows} verdicts, ${Math.round(r.ms)} ms.\n`
	);
}

async function cmdCorrect(args: string[]): Promise<void> {
	const { values, positionals } = parseArgs({
		args,
		allowPositionals: true,
		options: {
			field: { type: 'string' },
			value: { type: 'string' },
			reason: { type: 'string' },
			by: { type: 'string' }
		}
	});
	const { source, id } = ticketRef(positionals[0], 'correct');
	if (!values.field || values.value === undefined || !values.reason)
		throw new UsageError('correct: give --field, --value and --reason');
	const input = {
		field: values.field,
		value: values.value,
		reason: values.reason,
		by: values.by ?? process.env.USER ?? 'command line'
	};
	const c = await withStore(
		async (store) => {
			try {
				const done = await addCorrection(store, { source, externalId: id, ...input });
				await recomputeSla(store, { tickets: [{ source, externalId: id }] });
				return done;
			} catch (e) {
				if (e instanceof CorrectionError) fail(2, `Error: ${e.message}`);
				throw e;
			}
		},
		async (server) => {
			const res = await fetch(
				`${server.url}/api/tickets/${encodeURIComponent(source)}/${encodeURIComponent(id)}/corrections`,
				{
					method: 'POST',
					headers: { ...authHeaders(server), 'content-type': 'application/json' },
					body: JSON.stringify(input)
				}
			);
			const body = await res.json();
			if (!res.ok) serverError(res.status, body);
			return body as Correction;
		},
		{ action: 'correct', target: `${source}/${id} ${input.field}=${input.value}` }
	);
	process.stdout.write(
		`Corrected ${source}/${id}: ${c.field} = ${c.value} (${c.reason}, by ${c.by}).\n`
	);
}

async function cmdPolicy(args: string[]): Promise<void> {
	const [sub, ...rest] = args;
	const { values, positionals } = parseArgs({
		args: rest,
		allowPositionals: true,
		options: {
			json: { type: 'boolean', default: false },
			from: { type: 'string' },
			save: { type: 'boolean', default: false }
		}
	});
	// policy work runs on the store directly; with a server running, use the /settings page
	const direct = async <T>(work: (store: Store) => Promise<T>): Promise<T> =>
		withStore(work, async () =>
			fail(
				2,
				'The Peil server holds the store: change policies on its /settings page, or stop it first.'
			)
		);
	if (sub === 'list') {
		const list = await direct((store) => listPolicyVersions(store));
		for (const p of list)
			process.stdout.write(
				`${p.id.padEnd(12)} v${p.version}  from ${p.effectiveFrom}  ${p.origin.padEnd(7)}  ${p.name}\n`
			);
		return;
	}
	const id = positionals[0];
	if (!id) throw new UsageError('policy: name the policy (see "peil policy list")');
	if (sub === 'show') {
		const cur = await direct((store) => currentPolicy(store, id));
		if (!cur) fail(2, `There is no policy "${id}".`);
		if (values.json) {
			process.stdout.write(JSON.stringify(cur) + '\n');
			return;
		}
		const p = cur.policy;
		const out = [`${p.name} — version ${cur.version}, from ${cur.effectiveFrom}`];
		for (const [clock, c] of Object.entries(p.clocks)) {
			if (!c) continue;
			out.push(
				`  ${clock} targets (hours${c.example ? ', examples' : ''}) [${c.rule ?? ''}, ${c.kind}]`
			);
			for (const [tier, row] of Object.entries(c.targetHours))
				out.push(
					`    ${tier.padEnd(10)} ${Object.entries(row)
						.map(([k, v]) => `${k} ${v}`)
						.join('  ')}`
				);
		}
		out.push('  calendars:');
		p.calendars.choose.forEach((r, i) =>
			out.push(
				`    [${i}] ${r.calendar} when ${JSON.stringify(r.when)} [${r.rule ?? ''}, ${r.kind}] — ${r.why}`
			)
		);
		out.push('  settings:');
		for (const [k, s] of Object.entries(p.settings))
			out.push(
				`    ${k} = ${JSON.stringify(s.value)} [${s.rule ?? ''}${s.rule ? ', ' : ''}${s.kind}]${s.doc ? ` — ${s.doc}` : ''}`
			);
		process.stdout.write(out.join('\n') + '\n');
		return;
	}
	if (sub === 'set') {
		const [, pathArg, raw] = positionals;
		if (!pathArg || raw === undefined || !values.from)
			throw new UsageError('policy set: give <id> <path> <value> --from yyyy-mm-dd');
		const value: unknown = /^-?\d+(\.\d+)?$/.test(raw)
			? Number(raw)
			: raw === 'true' || raw === 'false'
				? raw === 'true'
				: raw.includes(',') ||
					  pathArg.endsWith('Statuses.value') ||
					  pathArg.endsWith('Types.value') ||
					  pathArg.endsWith('firstResponse.value')
					? raw
							.split(',')
							.map((x) => x.trim())
							.filter(Boolean)
					: raw;
		await direct(async (store) => {
			const cur = await currentPolicy(store, id);
			if (!cur) fail(2, `There is no policy "${id}".`);
			try {
				const body = withChange(cur.policy, pathArg, value);
				const preview = await previewPolicyChange(store, { id, body, effectiveFrom: values.from! });
				process.stdout.write(
					`Version ${preview.version} of ${id} from ${values.from} would cover ${preview.tickets} tickets; verdicts that change:\n`
				);
				for (const [k, n] of Object.entries(preview.summary))
					process.stdout.write(`  ${k}: ${n}\n`);
				if (!Object.keys(preview.summary).length) process.stdout.write('  none\n');
				if (values.save) {
					const saved = await savePolicyVersion(store, { id, body, effectiveFrom: values.from! });
					await audit(store, {
						actor: CLI_ACTOR,
						action: 'policy set',
						target: `${id} ${pathArg} from ${values.from}`,
						outcome: 'ok',
						detail: { value: value as never, version: saved.version }
					});
					process.stdout.write(
						`Saved as version ${saved.version}; ${saved.recomputed} tickets recomputed.\n`
					);
				} else process.stdout.write('Nothing saved: add --save to store it as a new version.\n');
			} catch (e) {
				if (e instanceof SettingsError) fail(2, `Error: ${e.message}`);
				throw e;
			}
		});
		return;
	}
	throw new UsageError('policy: the commands are list, show and set');
}

async function cmdReconcile(args: string[]): Promise<void> {
	const { values } = parseArgs({
		args,
		options: {
			source: { type: 'string' },
			account: { type: 'string' },
			month: { type: 'string' },
			json: { type: 'boolean', default: false }
		}
	});
	const filter = { source: values.source, accountId: values.account, month: values.month };
	const r = await withStore(
		(store) => reconcile(store, filter),
		async () =>
			fail(
				2,
				'The Peil server holds the store: stop it to run the reconciliation report from the command line.'
			)
	);
	process.stdout.write(values.json ? JSON.stringify(r) + '\n' : formatReconcile(r) + '\n');
}

async function readStdin(): Promise<string> {
	const parts: Buffer[] = [];
	for await (const chunk of process.stdin) parts.push(chunk as Buffer);
	return Buffer.concat(parts)
		.toString('utf8')
		.replace(/\r?\n$/, '');
}

/** Run a user or token change on the store, or through the server's admin API when it holds it. */
async function adminWork<T>(
	direct: (store: Store) => Promise<T>,
	route: string,
	method: string,
	body: unknown
): Promise<T> {
	try {
		return await withStore(
			direct,
			async (server) => {
				const res = await sendJson(server, route, method, body);
				if (res.status !== 200) serverError(res.status, res.body);
				return res.body as T;
			},
			// the same action the server's audit log names for that request
			method === 'GET'
				? undefined
				: {
						action: `${method} ${route}`,
						target: route,
						detail: body && typeof body === 'object' ? hideSecrets(body) : null
					}
		);
	} catch (e) {
		if (e instanceof UserError) fail(2, `Error: ${e.message}`);
		throw e;
	}
}

function hideSecrets(body: object): Record<string, unknown> {
	return Object.fromEntries(
		Object.entries(body).map(([k, v]) => [k, /password|secret/i.test(k) ? '(hidden)' : v])
	);
}

async function cmdUser(args: string[]): Promise<void> {
	const [sub, ...rest] = args;
	const { values, positionals } = parseArgs({
		args: rest,
		allowPositionals: true,
		options: {
			role: { type: 'string' },
			name: { type: 'string' },
			accounts: { type: 'string' },
			'password-stdin': { type: 'boolean', default: false },
			json: { type: 'boolean', default: false }
		}
	});
	const email = positionals[0];
	if (sub === 'list') {
		const users = await adminWork((store) => listUsers(store), '/api/users', 'GET', null);
		if (values.json) process.stdout.write(JSON.stringify(users) + '\n');
		else
			for (const u of users)
				process.stdout.write(
					`${u.email.padEnd(30)} ${u.role.padEnd(16)} ${u.name}${u.disabled ? '  (disabled)' : ''}${u.accounts.length ? `  accounts: ${u.accounts.join(', ')}` : ''}\n`
				);
		return;
	}
	if (!email)
		throw new UsageError(`user ${sub ?? ''}: name the user (their sign-in name or email)`);
	const password = async (): Promise<{ password: string; shown: boolean }> =>
		values['password-stdin']
			? { password: await readStdin(), shown: false }
			: { password: generatePassword(), shown: true };
	if (sub === 'add') {
		if (!values.role)
			throw new UsageError(`user add: give the role with --role (${ROLES.join(', ')})`);
		const pw = await password();
		const input = { email, name: values.name, role: values.role, password: pw.password };
		const user = await adminWork((store) => addUser(store, input), '/api/users', 'POST', input);
		if (values.accounts)
			await adminWork(
				(store) => setAssignments(store, email, values.accounts!.split(',')),
				`/api/users/${encodeURIComponent(email)}`,
				'PATCH',
				{ accounts: values.accounts.split(',') }
			);
		process.stdout.write(
			`User ${user.email} added as ${user.role}.${pw.shown ? `\nPassword (shown only now): ${pw.password}` : ''}\n`
		);
		return;
	}
	const change = async (body: Record<string, unknown>, work: (store: Store) => Promise<void>) =>
		adminWork(
			async (store) => {
				await work(store);
				return { ok: true };
			},
			`/api/users/${encodeURIComponent(email)}`,
			'PATCH',
			body
		);
	if (sub === 'passwd') {
		const pw = await password();
		await change({ password: pw.password }, (store) => setPassword(store, email, pw.password));
		process.stdout.write(
			`Password of ${email} changed; their sessions ended.${pw.shown ? `\nNew password (shown only now): ${pw.password}` : ''}\n`
		);
		return;
	}
	if (sub === 'role') {
		const role = positionals[1];
		if (!role) throw new UsageError(`user role: give the new role (${ROLES.join(', ')})`);
		await change({ role }, (store) => setRole(store, email, role));
		process.stdout.write(`${email} is now ${role}.\n`);
		return;
	}
	if (sub === 'assign') {
		const accounts = positionals.slice(1).join(',').split(',').filter(Boolean);
		await change({ accounts }, (store) => setAssignments(store, email, accounts));
		process.stdout.write(`${email} is assigned: ${accounts.join(', ') || 'no accounts'}.\n`);
		return;
	}
	if (sub === 'disable' || sub === 'enable') {
		await change({ disabled: sub === 'disable' }, (store) =>
			setDisabled(store, email, sub === 'disable')
		);
		process.stdout.write(`${email} ${sub}d.\n`);
		return;
	}
	throw new UsageError('user: the commands are add, list, passwd, role, assign, disable, enable');
}

async function cmdToken(args: string[]): Promise<void> {
	const [sub, ...rest] = args;
	const { values, positionals } = parseArgs({
		args: rest,
		allowPositionals: true,
		options: {
			role: { type: 'string' },
			accounts: { type: 'string' },
			json: { type: 'boolean', default: false }
		}
	});
	if (sub === 'list') {
		const tokens = await adminWork((store) => listTokens(store), '/api/tokens', 'GET', null);
		if (values.json) process.stdout.write(JSON.stringify(tokens) + '\n');
		else
			for (const t of tokens)
				process.stdout.write(
					`${t.id}  ${t.name.padEnd(24)} ${t.role.padEnd(16)} made ${t.createdAt} by ${t.createdBy}${t.revokedAt ? `  revoked ${t.revokedAt}` : `  last used ${t.lastUsedAt ?? 'never'}`}\n`
				);
		return;
	}
	const name = positionals[0];
	if (!name) throw new UsageError(`token ${sub ?? ''}: name the token`);
	if (sub === 'add') {
		if (!values.role)
			throw new UsageError(`token add: give the role with --role (${ROLES.join(', ')})`);
		const input = {
			name,
			role: values.role,
			accounts: values.accounts?.split(',') ?? [],
			createdBy: CLI_ACTOR
		};
		const made = await adminWork(
			(store) => createToken(store, input),
			'/api/tokens',
			'POST',
			input
		);
		process.stdout.write(
			`Token "${made.token.name}" (${made.token.role}) made. Send it as "Authorization: Bearer <token>"; shown only now:\n${made.secret}\n`
		);
		return;
	}
	if (sub === 'revoke') {
		const t = await adminWork(
			(store) => revokeToken(store, name),
			`/api/tokens/${encodeURIComponent(name)}`,
			'DELETE',
			null
		);
		process.stdout.write(`Token "${t.name}" revoked.\n`);
		return;
	}
	throw new UsageError('token: the commands are add, list and revoke');
}

async function main(argv: string[]): Promise<void> {
	const [command, ...rest] = argv;
	switch (command) {
		case 'import':
			return cmdImport(rest);
		case 'accounts':
			return cmdAccounts(rest);
		case 'imports':
			if (rest[0] === 'rollback') return cmdRollback(rest.slice(1));
			return cmdImports(rest);
		case 'rollback':
			return cmdRollback(rest);
		case 'sample':
			return cmdSample(rest);
		case 'account':
			return cmdAccount(rest);
		case 'backup':
			return cmdBackup(rest);
		case 'restore':
			return cmdRestore(rest);
		case 'explain':
			return cmdExplain(rest);
		case 'recompute':
			return cmdRecompute();
		case 'policy':
			return cmdPolicy(rest);
		case 'reconcile':
			return cmdReconcile(rest);
		case 'correct':
			return cmdCorrect(rest);
		case 'user':
			return cmdUser(rest);
		case 'token':
			return cmdToken(rest);
		case undefined:
		case 'help':
		case '--help':
		case '-h':
			process.stdout.write(USAGE + '\n');
			return;
		default:
			throw new UsageError(`Unknown command "${command}".`);
	}
}

try {
	await main(process.argv.slice(2));
} catch (e) {
	if (e instanceof UsageError) fail(1, `${e.message}\n\n${USAGE}`);
	if (e instanceof ImportFileError) fail(2, `Error: ${e.message}`);
	if (e instanceof StoreLockedError) fail(2, e.message);
	if (e instanceof Error && /^(--|No profile)/.test(e.message)) fail(1, `Error: ${e.message}`);
	if (
		e instanceof Error &&
		e.name === 'TypeError' &&
		/parseArgs|Unknown option/i.test(e.message + (e as NodeJS.ErrnoException).code)
	)
		fail(1, `${e.message}\n\n${USAGE}`);
	throw e;
}
