/**
 * Undo an import: restore what it changed, in one transaction.
 *  - tickets and time entries it inserted are deleted; those it updated get back the version it
 *    replaced (kept in the history tables under its id);
 *  - events it added are deleted;
 *  - unassigned accounts it created are removed when no ticket refers to them any more;
 *  - the import stays listed, marked rolled back, with its report and rejects.
 * A later import that changed the same records must be rolled back first: otherwise restoring
 * the older version would silently throw away the later one.
 */
import type { Store } from '../db/index.ts';
import { recomputeSla } from '../sla/recompute.ts';

export class RollbackError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RollbackError';
	}
}

export interface RollbackResult {
	importId: number;
	tickets: { deleted: number; restored: number };
	timeEntries: { deleted: number; restored: number };
	events: { deleted: number };
	accountsRemoved: string[];
}

const VERSIONED = [
	{ table: 'tickets', history: 'ticket_history', key: 'tickets' as const },
	{ table: 'time_entries', history: 'time_entry_history', key: 'timeEntries' as const }
];

export async function rollbackImport(store: Store, importId: number): Promise<RollbackResult> {
	const result = await store.write(async (tx) => {
		const imp = await tx.one('SELECT id, status FROM imports WHERE id = $1', [importId]);
		if (!imp) throw new RollbackError(`There is no import ${importId}.`);
		if (imp.status === 'rolled_back')
			throw new RollbackError(`Import ${importId} was already rolled back.`);

		for (const v of VERSIONED) {
			// a later import replaced a version this import wrote: that one must go first
			const later = await tx.one(
				`SELECT min(h.replaced_by) AS later, count(*) AS n FROM ${v.history} h WHERE h.import_id = $1 AND h.replaced_by > $1`,
				[importId]
			);
			if (later?.later !== null && later?.later !== undefined) {
				throw new RollbackError(
					`Import ${later.later} changed ${later.n} of the ${v.table.replace('_', ' ')} that import ${importId} wrote. Roll back import ${later.later} first.`
				);
			}
		}
		const laterEvents = await tx.one(
			`SELECT min(imp.id) AS later FROM imports imp WHERE imp.id > $1 AND imp.status = 'committed' AND imp.record_kind IN ('events', 'time_entries')
			   AND EXISTS (SELECT 1 FROM tickets t WHERE t.first_import_id = $1)
			   AND (EXISTS (SELECT 1 FROM ticket_events e JOIN tickets t ON t.source = e.source AND t.external_id = e.ticket_id WHERE e.import_id = imp.id AND t.first_import_id = $1)
			     OR EXISTS (SELECT 1 FROM time_entries te JOIN tickets t ON t.source = te.source AND t.external_id = te.ticket_id WHERE te.import_id = imp.id AND t.first_import_id = $1))`,
			[importId]
		);
		if (laterEvents?.later !== null && laterEvents?.later !== undefined) {
			throw new RollbackError(
				`Import ${laterEvents.later} added events or time entries to tickets that import ${importId} created. Roll back import ${laterEvents.later} first.`
			);
		}

		const result: RollbackResult = {
			importId,
			tickets: { deleted: 0, restored: 0 },
			timeEntries: { deleted: 0, restored: 0 },
			events: { deleted: 0 },
			accountsRemoved: []
		};
		for (const v of VERSIONED) {
			const cols = (
				await tx.all(
					`SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = 'main' ORDER BY ordinal_position`,
					[v.table]
				)
			)
				.map((r) => String(r.column_name))
				.filter((c) => c !== 'source' && c !== 'external_id');
			const restored = await tx.one(
				`SELECT count(*) AS n FROM ${v.history} WHERE replaced_by = $1`,
				[importId]
			);
			if (Number(restored?.n)) {
				await tx.run(
					`UPDATE ${v.table} t SET ${cols.map((c) => `${c} = h.${c}`).join(', ')} FROM ${v.history} h
					 WHERE h.replaced_by = $1 AND h.source = t.source AND h.external_id = t.external_id`,
					[importId]
				);
				await tx.run(`DELETE FROM ${v.history} WHERE replaced_by = $1`, [importId]);
			}
			const deleted = await tx.one(`SELECT count(*) AS n FROM ${v.table} WHERE import_id = $1`, [
				importId
			]);
			await tx.run(`DELETE FROM ${v.table} WHERE import_id = $1`, [importId]);
			result[v.key] = { deleted: Number(deleted?.n ?? 0), restored: Number(restored?.n ?? 0) };
		}
		const ev = await tx.one('SELECT count(*) AS n FROM ticket_events WHERE import_id = $1', [
			importId
		]);
		await tx.run('DELETE FROM ticket_events WHERE import_id = $1', [importId]);
		result.events.deleted = Number(ev?.n ?? 0);

		const orphans = await tx.all(
			`SELECT a.id FROM accounts a WHERE a.created_by_import = $1 AND a.status = 'unassigned'
			 AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.account_id = a.id)`,
			[importId]
		);
		for (const o of orphans) {
			await tx.run('DELETE FROM account_aliases WHERE account_id = $1', [o.id as string]);
			await tx.run('DELETE FROM accounts WHERE id = $1', [o.id as string]);
			result.accountsRemoved.push(String(o.id));
		}
		await tx.run(
			`UPDATE imports SET status = 'rolled_back', rolled_back_at = now() WHERE id = $1`,
			[importId]
		);
		return result;
	});
	// restored tickets get their verdicts back; removed ones lose theirs
	await recomputeSla(store);
	return result;
}
