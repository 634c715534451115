/**
 * The audit log: who signed in (or failed to), imported, rolled back, changed a setting or rate,
 * corrected a ticket or an entry, recorded training, finalised a review, locked a month or
 * downloaded an export. Requests are recorded centrally (hooks.server.ts) from the route table,
 * so a new form or download cannot be forgotten; the command line records its own work.
 */
import type { Queryable, Store } from '../db/index.ts';

export interface AuditEntry {
	actor: string;
	role?: string | null;
	action: string;
	target?: string | null;
	outcome: string;
	detail?: Record<string, unknown> | null;
	ip?: string | null;
}

export async function audit(store: Store, e: AuditEntry): Promise<void> {
	await store.run(
		`INSERT INTO audit_log (id, occurred_at, actor, role, action, target, outcome, detail, ip)
		 VALUES (gen_random_uuid(), now(), $1, $2, $3, $4, $5, $6::JSON, $7)`,
		[
			e.actor,
			e.role ?? null,
			e.action,
			e.target ?? null,
			e.outcome,
			e.detail ? JSON.stringify(e.detail) : null,
			e.ip ?? null
		]
	);
}

export interface AuditRow {
	at: string;
	actor: string;
	role: string | null;
	action: string;
	target: string | null;
	outcome: string;
	detail: string | null;
	ip: string | null;
}

export interface AuditQuery {
	actor?: string;
	action?: string;
	from?: string;
	to?: string;
	limit?: number;
	offset?: number;
}

/** Newest first, filtered by actor and action (substring) and a date range, with the total. */
export async function listAudit(
	store: Queryable,
	q: AuditQuery = {}
): Promise<{ rows: AuditRow[]; total: number }> {
	const where = [
		"($1 = '' OR actor ILIKE '%' || $1 || '%')",
		"($2 = '' OR action ILIKE '%' || $2 || '%')",
		"($3 = '' OR occurred_at >= $3::DATE)",
		"($4 = '' OR occurred_at < $4::DATE + INTERVAL 1 DAY)"
	].join(' AND ');
	const params = [q.actor ?? '', q.action ?? '', q.from ?? '', q.to ?? ''];
	const total = Number(
		(await store.one(`SELECT count(*) AS n FROM audit_log WHERE ${where}`, params))?.n ?? 0
	);
	const rows = await store.all(
		`SELECT strftime(occurred_at, '%Y-%m-%d %H:%M:%S UTC') AS at, actor, role, action, target, outcome,
		        detail::VARCHAR AS detail, ip
		 FROM audit_log WHERE ${where} ORDER BY occurred_at DESC LIMIT $5 OFFSET $6`,
		[...params, q.limit ?? 100, q.offset ?? 0]
	);
	return {
		total,
		rows: rows.map((r) => ({
			at: String(r.at),
			actor: String(r.actor),
			role: r.role == null ? null : String(r.role),
			action: String(r.action),
			target: r.target == null ? null : String(r.target),
			outcome: String(r.outcome),
			detail: r.detail == null ? null : String(r.detail),
			ip: r.ip == null ? null : String(r.ip)
		}))
	};
}
