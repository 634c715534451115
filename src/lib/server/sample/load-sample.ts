/**
 * The bundled sample: generated deterministically (fixed seed) into data/sample/ and imported
 * through the same paths a user's files take, every record marked as sample. The server loads it
 * on its first start unless PEIL_SAMPLE=0; command-line commands never do. `removeSample` takes
 * it all out again in one transaction and remembers that, so it does not come back.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/index.ts';
import { dataDir, getMeta, setMeta } from '../bootstrap.ts';
import { generateSample } from './generate.ts';
import { importAccounts } from '../accounts/accounts.ts';
import { importFile } from '../ingest/run-import.ts';
import { recomputeSla } from '../sla/recompute.ts';

export const SAMPLE_TICKETS = Number(process.env.PEIL_SAMPLE_TICKETS || 20_000);

export function sampleWanted(): boolean {
	return process.env.PEIL_SAMPLE !== '0';
}

export async function loadSampleIfFirstStart(
	store: Store,
	log: (m: string) => void = console.log
): Promise<boolean> {
	if (!sampleWanted()) return false;
	if ((await getMeta(store, 'sample_loaded')) || (await getMeta(store, 'sample_removed')))
		return false;
	const any = await store.one(
		'SELECT (SELECT count(*) FROM imports) + (SELECT count(*) FROM accounts) AS n'
	);
	if (Number(any?.n) > 0) return false; // a store someone already uses: never mix the sample in
	const dir = path.join(dataDir(), 'sample');
	log(`Peil: first start — generating the sample (${SAMPLE_TICKETS} tickets) in ${dir} …`);
	fs.mkdirSync(dir, { recursive: true });
	const gen = await generateSample({ tickets: SAMPLE_TICKETS, outDir: dir });
	await importAccounts(store, gen.files.accounts, { isSample: true });
	for (const [file, profile] of [
		[gen.files.tickets, 'zendesk'],
		[gen.files.events, 'peil-events'],
		[gen.files.timeEntries, 'peil-time-entries']
	] as const) {
		const r = await importFile(store, {
			file,
			source: 'zendesk',
			profile,
			isSample: true,
			asOf: gen.asOf
		});
		log(
			`Peil: loaded ${path.basename(file)}: ${r.counts.rows.inserted} records, ${r.counts.rows.rejected} rejected`
		);
	}
	await setMeta(store, 'sample_loaded', 'true');
	return true;
}

export interface SampleRemoval {
	accounts: number;
	tickets: number;
	imports: number;
}

export async function removeSample(store: Store): Promise<SampleRemoval> {
	const result = await store.write(async (tx) => {
		const counts = await tx.one(
			`SELECT (SELECT count(*) FROM accounts WHERE is_sample) AS accounts,
			        (SELECT count(*) FROM tickets t WHERE t.first_import_id IN (SELECT id FROM imports WHERE is_sample) OR t.account_id IN (SELECT id FROM accounts WHERE is_sample)) AS tickets,
			        (SELECT count(*) FROM imports WHERE is_sample) AS imports`
		);
		const sampleImports = '(SELECT id FROM imports WHERE is_sample)';
		const sampleAccounts = '(SELECT id FROM accounts WHERE is_sample)';
		const sampleTickets = `(SELECT source, external_id FROM tickets WHERE first_import_id IN ${sampleImports} OR account_id IN ${sampleAccounts})`;
		await tx.run(
			`DELETE FROM ticket_events WHERE import_id IN ${sampleImports} OR (source, ticket_id) IN ${sampleTickets}`
		);
		await tx.run(
			`DELETE FROM time_entry_history WHERE import_id IN ${sampleImports} OR replaced_by IN ${sampleImports}`
		);
		await tx.run(
			`DELETE FROM time_entries WHERE first_import_id IN ${sampleImports} OR (source, ticket_id) IN ${sampleTickets}`
		);
		await tx.run(
			`DELETE FROM ticket_history WHERE first_import_id IN ${sampleImports} OR replaced_by IN ${sampleImports} OR account_id IN ${sampleAccounts}`
		);
		await tx.run(
			`DELETE FROM tickets WHERE first_import_id IN ${sampleImports} OR account_id IN ${sampleAccounts}`
		);
		for (const t of [
			'account_aliases',
			'contacts',
			'tier_history',
			'arrears',
			'account_assignments'
		])
			await tx.run(`DELETE FROM ${t} WHERE account_id IN ${sampleAccounts}`);
		await tx.run(`DELETE FROM accounts WHERE is_sample`);
		await tx.run(`DELETE FROM import_rejects WHERE import_id IN ${sampleImports}`);
		await tx.run(`DELETE FROM imports WHERE is_sample`);
		return {
			accounts: Number(counts?.accounts),
			tickets: Number(counts?.tickets),
			imports: Number(counts?.imports)
		};
	});
	await setMeta(store, 'sample_removed', 'true');
	await recomputeSla(store);
	await store.run(`DELETE FROM meta WHERE key = 'sample_loaded'`);
	return result;
}
