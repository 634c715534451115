/**
 * Corrections to a ticket, made by a person with a reason (PRODUCT.md R4, R5, R7, R24): stored
 * apart from imported data, so a re-import never overwrites them, and applied on top of the
 * imported values wherever the engine reads a ticket (`effectiveTicketsSql`). The latest
 * correction per ticket and field wins; earlier ones stay as the history.
 */
import type { Queryable, Store } from '../db/index.ts';
import { PRIORITIES, TYPES } from '../ingest/profile.ts';

export const CORRECTABLE = {
	type: { label: 'type', values: TYPES as readonly string[] },
	final_priority: { label: 'final priority', values: PRIORITIES as readonly string[] },
	language: { label: 'language', values: null },
	unjustified: { label: 'unjustified (R24)', values: ['true', 'false'] },
	external: { label: 'external problem (R7)', values: ['true', 'false'] },
	authorised_contact: { label: 'raised by an authorised contact (R4)', values: ['true', 'false'] }
} as const;

export type CorrectableField = keyof typeof CORRECTABLE;

export interface CorrectionInput {
	source: string;
	externalId: string;
	field: string;
	value: string;
	reason: string;
	by: string;
}

export interface Correction {
	id: string;
	field: CorrectableField;
	value: string | null;
	reason: string;
	by: string;
	at: string;
}

export class CorrectionError extends Error {}

export async function addCorrection(store: Store, c: CorrectionInput): Promise<Correction> {
	const spec = CORRECTABLE[c.field as CorrectableField];
	if (!spec)
		throw new CorrectionError(
			`"${c.field}" cannot be corrected; fields: ${Object.keys(CORRECTABLE).join(', ')}`
		);
	const value = c.value.trim();
	const allowed = spec.values as readonly string[] | null;
	if (allowed && !allowed.includes(value))
		throw new CorrectionError(`${spec.label} "${value}" is not one of ${allowed.join(', ')}`);
	if (c.field === 'language' && !/^[a-z]{2}$/.test(value))
		throw new CorrectionError(`language "${value}" is not a two-letter code such as nl or en`);
	if (!c.reason.trim()) throw new CorrectionError('a correction needs a reason');
	if (!c.by.trim()) throw new CorrectionError('a correction needs the name of who made it');
	return store.write(async (tx) => {
		const t = await tx.one('SELECT 1 AS x FROM tickets WHERE source = $1 AND external_id = $2', [
			c.source,
			c.externalId
		]);
		if (!t) throw new CorrectionError(`there is no ticket ${c.source}/${c.externalId}`);
		const row = await tx.one(
			`INSERT INTO ticket_corrections (source, external_id, field, value, reason, corrected_by, corrected_at)
			 VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id, corrected_at`,
			[c.source, c.externalId, c.field, value, c.reason.trim(), c.by.trim()]
		);
		return {
			id: String(row?.id),
			field: c.field as CorrectableField,
			value,
			reason: c.reason.trim(),
			by: c.by.trim(),
			at: String(row?.corrected_at)
		};
	});
}

export async function listCorrections(
	q: Queryable,
	source: string,
	externalId: string
): Promise<Correction[]> {
	const rows = await q.all(
		`SELECT id, field, value, reason, corrected_by, corrected_at FROM ticket_corrections WHERE source = $1 AND external_id = $2 ORDER BY corrected_at, id`,
		[source, externalId]
	);
	return rows.map((r) => ({
		id: String(r.id),
		field: r.field as CorrectableField,
		value: r.value === null ? null : String(r.value),
		reason: String(r.reason),
		by: String(r.corrected_by),
		at: String(r.corrected_at)
	}));
}

/**
 * SQL for the tickets as the engine sees them: imported values with the latest correction per
 * field applied, and the corrected fields listed (`corrected`).
 */
export function effectiveTicketsSql(): string {
	return `SELECT t.* REPLACE (
	    COALESCE(lc.type, t.type) AS type,
	    COALESCE(lc.final_priority, t.final_priority) AS final_priority,
	    COALESCE(lc.language, t.language) AS language),
	  lc.unjustified = 'true' AS unjustified,
	  lc.external = 'true' AS external_flag,
	  lc.authorised_contact AS authorised_contact,
	  lc.fields AS corrected,
	  t.rowid AS tk
	FROM tickets t
	LEFT JOIN (
	  SELECT source, external_id,
	    arg_max(value, corrected_at) FILTER (field = 'type') AS type,
	    arg_max(value, corrected_at) FILTER (field = 'final_priority') AS final_priority,
	    arg_max(value, corrected_at) FILTER (field = 'language') AS language,
	    arg_max(value, corrected_at) FILTER (field = 'unjustified') AS unjustified,
	    arg_max(value, corrected_at) FILTER (field = 'external') AS external,
	    arg_max(value, corrected_at) FILTER (field = 'authorised_contact') AS authorised_contact,
	    list(DISTINCT field ORDER BY field) AS fields
	  FROM ticket_corrections GROUP BY source, external_id
	) lc ON lc.source = t.source AND lc.external_id = t.external_id`;
}
