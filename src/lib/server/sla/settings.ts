/**
 * Changing a contract: policies, calendars and per-account target agreements are versioned.
 * A change is a new version with an effective date; it is previewed first (which tickets'
 * verdicts it would change, and how: a dry run of the engine over the tickets it would apply to),
 * then saved and applied. Tickets created before the effective date keep the version they were
 * judged under, so earlier months keep their figures exactly. The built-in files under data/ are
 * only the first versions; they are never edited in place.
 */
import type { Queryable, Store } from '../db/index.ts';
import { parsePolicy, type Policy } from '../../domain/policy.ts';
import { parseCalendar } from '../../domain/calendar.ts';
import {
	loadCalendarVersions,
	loadPolicies,
	recomputeSla,
	type RecomputeResult,
	type VerdictChange
} from './recompute.ts';

export class SettingsError extends Error {}

function checkDate(effectiveFrom: string): void {
	if (!DATE.test(effectiveFrom))
		throw new SettingsError(`effective date "${effectiveFrom}" is not a date (yyyy-mm-dd)`);
}

/** A calendar document, or a SettingsError naming the field at fault. */
function parseCalendarDocument(body: unknown) {
	try {
		return parseCalendar(body);
	} catch (e) {
		throw new SettingsError((e as Error).message, { cause: e });
	}
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface PolicySummary {
	id: string;
	version: number;
	name: string;
	effectiveFrom: string;
	origin: string;
	createdAt: string;
}

export async function listPolicyVersions(q: Queryable): Promise<PolicySummary[]> {
	const rows = await q.all(
		'SELECT id, version, name, effective_from, origin, created_at FROM policies ORDER BY id, version'
	);
	return rows.map((r) => ({
		id: String(r.id),
		version: Number(r.version),
		name: String(r.name),
		effectiveFrom: String(r.effective_from),
		origin: String(r.origin),
		createdAt: String(r.created_at)
	}));
}

export async function currentPolicy(
	q: Queryable,
	id: string
): Promise<{ version: number; effectiveFrom: string; policy: Policy } | null> {
	const versions = (await loadPolicies(q)).filter((p) => p.id === id);
	const last = versions.at(-1);
	return last
		? { version: last.version, effectiveFrom: last.effectiveFrom, policy: last.policy }
		: null;
}

/** Set one setting (or a target) by a dotted path in a copy of the document. */
export function withChange(policy: Policy, path: string, value: unknown): Policy {
	const copy = JSON.parse(JSON.stringify(policy)) as Record<string, unknown>;
	const parts = path.split('.');
	let node: Record<string, unknown> = copy;
	for (const p of parts.slice(0, -1)) {
		if (!node[p] || typeof node[p] !== 'object')
			throw new SettingsError(`${path}: there is no "${p}" in the policy`);
		node = node[p] as Record<string, unknown>;
	}
	const leaf = parts.at(-1)!;
	if (!(leaf in node)) throw new SettingsError(`${path}: there is no "${leaf}" in the policy`);
	node[leaf] = value;
	return copy as unknown as Policy;
}

export interface PolicyChange {
	id: string;
	/** the whole new document (validated with parsePolicy) */
	body: unknown;
	effectiveFrom: string;
}

export interface PolicyPreview {
	id: string;
	version: number;
	effectiveFrom: string;
	tickets: number;
	changes: VerdictChange[];
	/** verdict transitions counted: "met → missed": 3 */
	summary: Record<string, number>;
}

function validate(change: PolicyChange): Policy {
	checkDate(change.effectiveFrom);
	let p: Policy;
	try {
		p = parsePolicy(change.body);
	} catch (e) {
		throw new SettingsError((e as Error).message, { cause: e });
	}
	if (p.id !== change.id)
		throw new SettingsError(`the document's id "${p.id}" is not "${change.id}"`);
	return { ...p, effectiveFrom: change.effectiveFrom };
}

/** What a new version would change, without saving it. */
export async function previewPolicyChange(
	store: Store,
	change: PolicyChange
): Promise<PolicyPreview> {
	const policy = validate(change);
	const existing = await loadPolicies(store);
	const version =
		Math.max(0, ...existing.filter((p) => p.id === change.id).map((p) => p.version)) + 1;
	const candidate = [
		...existing,
		{ id: change.id, version, effectiveFrom: change.effectiveFrom, policy }
	];
	const r: RecomputeResult = await recomputeSla(store, {
		policies: candidate,
		policyScope: { policyId: change.id, createdFrom: change.effectiveFrom },
		dryRun: true
	});
	const summary: Record<string, number> = {};
	for (const c of r.changes ?? []) {
		const k =
			c.before.verdict === c.after.verdict
				? `${c.after.verdict}, with other figures`
				: `${c.before.verdict ?? 'no verdict'} → ${c.after.verdict}`;
		summary[k] = (summary[k] ?? 0) + 1;
	}
	return {
		id: change.id,
		version,
		effectiveFrom: change.effectiveFrom,
		tickets: r.tickets,
		changes: r.changes ?? [],
		summary
	};
}

/** Save a new version and apply it to the tickets it covers. */
export async function savePolicyVersion(
	store: Store,
	change: PolicyChange
): Promise<{ version: number; recomputed: number }> {
	const policy = validate(change);
	const version = await store.write(async (tx) => {
		const v = Number(
			(
				await tx.one('SELECT COALESCE(max(version), 0) + 1 AS v FROM policies WHERE id = $1', [
					change.id
				])
			)?.v
		);
		await tx.run(`INSERT INTO policies VALUES ($1, $2, $3, $4::DATE, $5::JSON, 'user', now())`, [
			change.id,
			v,
			policy.name,
			change.effectiveFrom,
			JSON.stringify(policy)
		]);
		return v;
	});
	const r = await recomputeSla(store, {
		policyScope: { policyId: change.id, createdFrom: change.effectiveFrom }
	});
	return { version, recomputed: r.tickets };
}

function summarise(changes: VerdictChange[]): Record<string, number> {
	const summary: Record<string, number> = {};
	for (const c of changes) {
		const k =
			c.before.verdict === c.after.verdict
				? `${c.after.verdict}, with other figures`
				: `${c.before.verdict ?? 'no verdict'} → ${c.after.verdict}`;
		summary[k] = (summary[k] ?? 0) + 1;
	}
	return summary;
}

export interface ChangePreview {
	tickets: number;
	changes: VerdictChange[];
	summary: Record<string, number>;
}

/** What a new calendar version would change (tickets created from its date on), without saving it. */
export async function previewCalendarChange(
	store: Store,
	id: string,
	body: unknown,
	effectiveFrom: string
): Promise<ChangePreview> {
	checkDate(effectiveFrom);
	const cal = parseCalendarDocument(body);
	const calendars = await loadCalendarVersions(store);
	const versions = calendars.get(id);
	if (!versions) throw new SettingsError(`there is no calendar "${id}"`);
	calendars.set(
		id,
		[...versions, { version: versions.length + 1, effectiveFrom, calendar: cal }].sort((a, b) =>
			a.effectiveFrom.localeCompare(b.effectiveFrom)
		)
	);
	const r = await recomputeSla(store, {
		calendars,
		policyScope: { createdFrom: effectiveFrom },
		dryRun: true
	});
	return { tickets: r.tickets, changes: r.changes ?? [], summary: summarise(r.changes ?? []) };
}

/** What a target agreement would change for its account, without saving it. */
export async function previewTargetAgreement(
	store: Store,
	a: { accountId: string; effectiveFrom: string; targets: Record<string, Record<string, number>> }
): Promise<ChangePreview> {
	checkTargets(a.effectiveFrom, a.targets);
	const r = await recomputeSla(store, {
		extraAgreement: a,
		policyScope: { accountId: a.accountId, createdFrom: a.effectiveFrom },
		dryRun: true
	});
	return { tickets: r.tickets, changes: r.changes ?? [], summary: summarise(r.changes ?? []) };
}

function checkTargets(
	effectiveFrom: string,
	targets: Record<string, Record<string, number>>
): void {
	checkDate(effectiveFrom);
	for (const [clock, row] of Object.entries(targets)) {
		if (clock !== 'first_response' && clock !== 'resolution')
			throw new SettingsError(`targets.${clock}: the clocks are first_response and resolution`);
		for (const [p, h] of Object.entries(row)) {
			if (!/^P[1-4]$/.test(p))
				throw new SettingsError(`targets.${clock}.${p}: not a priority P1–P4`);
			if (typeof h !== 'number' || !(h > 0))
				throw new SettingsError(`targets.${clock}.${p}: must be a positive number of hours`);
		}
	}
}

/** A new calendar version (the document of $lib/domain/calendar) from a date on. */
export async function saveCalendarVersion(
	store: Store,
	id: string,
	body: unknown,
	effectiveFrom: string
): Promise<{ version: number }> {
	checkDate(effectiveFrom);
	const cal = parseCalendarDocument(body);
	const doc = body as { name?: string };
	const version = await store.write(async (tx) => {
		const prev = await tx.one(
			'SELECT name FROM calendars WHERE id = $1 ORDER BY version DESC LIMIT 1',
			[id]
		);
		if (!prev) throw new SettingsError(`there is no calendar "${id}"`);
		const v = Number(
			(await tx.one('SELECT COALESCE(max(version), 0) + 1 AS v FROM calendars WHERE id = $1', [id]))
				?.v
		);
		await tx.run(
			`INSERT INTO calendars VALUES ($1, $2, $3, $4, $5::DATE, $6::JSON, 'user', now())`,
			[
				id,
				v,
				doc.name ?? String(prev.name),
				cal.timeZone,
				effectiveFrom,
				JSON.stringify({ ...(body as object), id })
			]
		);
		return v;
	});
	await recomputeSla(store);
	return { version };
}

/** A written target agreement for one account, replacing the policy's targets from a date on. */
export async function saveTargetAgreement(
	store: Store,
	a: {
		accountId: string;
		effectiveFrom: string;
		targets: Record<string, Record<string, number>>;
		reason: string;
		by: string;
	}
): Promise<{ version: number }> {
	checkTargets(a.effectiveFrom, a.targets);
	if (!a.reason.trim())
		throw new SettingsError('an agreement needs a reason (e.g. the contract reference)');
	const version = await store.write(async (tx) => {
		if (!(await tx.one('SELECT 1 AS x FROM accounts WHERE id = $1', [a.accountId])))
			throw new SettingsError(`there is no account "${a.accountId}"`);
		const v = Number(
			(
				await tx.one(
					'SELECT COALESCE(max(version), 0) + 1 AS v FROM target_agreements WHERE account_id = $1',
					[a.accountId]
				)
			)?.v
		);
		await tx.run(
			`INSERT INTO target_agreements VALUES ($1, $2, $3::DATE, $4::JSON, $5, $6, now())`,
			[a.accountId, v, a.effectiveFrom, JSON.stringify(a.targets), a.reason.trim(), a.by]
		);
		return v;
	});
	await recomputeSla(store);
	return { version };
}
