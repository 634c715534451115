/**
 * Rate cards (issue 7): per policy, versioned with effective dates like policies. A card says, per
 * tier, the hourly rate in cents for each work category (a time entry's work_type; `default` for
 * any other), the multipliers for out-of-hours and holiday minutes, and the minimum and rounding
 * increment per billable entry; and for the whole card the VAT rate, the currency, which
 * chargeable reasons the policy has (model B: R18–R23, model A: R24–R25), the office-hours
 * calendar R23 counts against and the ticket types that are incidents.
 *
 * The files under data/rates are built-in EXAMPLES (the service descriptions name no prices): read
 * lazily as version 1 when no version of that policy's card is stored, like the training
 * thresholds. A saved change stores the built-in card as version 1 first, then the change.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Queryable, Store } from '../db/index.ts';
import { dataDir } from '../bootstrap.ts';

export interface TierRates {
	/** cents per hour, by work category; `default` for a category not listed */
	rates: Record<string, number>;
	outOfHoursMultiplier: number;
	holidayMultiplier: number;
	minimumMinutes: number;
	roundingMinutes: number;
}

export interface RateCard {
	policyId: string;
	name: string;
	example: boolean;
	doc?: string;
	currency: string;
	/** a fraction: 0.21 is 21 % */
	vatRate: number;
	reasons: string[];
	officeHoursCalendar: string;
	incidentTypes: string[];
	tiers: Record<string, TierRates>;
}

export interface RateCardVersion {
	policyId: string;
	version: number;
	effectiveFrom: string;
	card: RateCard;
	reason: string;
	by: string;
	builtin: boolean;
	/** when it was stored (null for a built-in card not stored yet) */
	createdAt?: string | null;
}

export class RateCardError extends Error {}

export const ALL_REASONS = ['R18', 'R19', 'R20', 'R21', 'R22', 'R23', 'R24', 'R25'] as const;

function fail(field: string, msg: string): never {
	throw new RateCardError(`${field}: ${msg}`);
}

function nonNegative(v: unknown, field: string, integer = false): number {
	if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
		fail(field, `"${String(v)}" is not a number >= 0`);
	if (integer && !Number.isInteger(v)) fail(field, `${v} is not a whole number`);
	return v;
}

function words(v: unknown, field: string): string[] {
	if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
		fail(field, 'must be a list of words');
	return v as string[];
}

/** A rate card document checked field by field; the error names the field. */
export function parseRateCard(json: unknown): RateCard {
	if (!json || typeof json !== 'object' || Array.isArray(json))
		fail('rate card', 'must be a JSON object');
	const o = json as Record<string, unknown>;
	if (typeof o.policyId !== 'string' || !o.policyId) fail('policyId', 'name the policy');
	if (typeof o.currency !== 'string' || !/^[A-Z]{3}$/.test(o.currency))
		fail('currency', `"${String(o.currency)}" is not a currency code such as EUR`);
	const vatRate = nonNegative(o.vatRate, 'vatRate');
	if (vatRate >= 1) fail('vatRate', `${vatRate} is a fraction (0.21 for 21 %)`);
	const reasons = words(o.reasons, 'reasons');
	for (const r of reasons)
		if (!(ALL_REASONS as readonly string[]).includes(r))
			fail('reasons', `"${r}" is not one of ${ALL_REASONS.join(', ')}`);
	if (!o.tiers || typeof o.tiers !== 'object') fail('tiers', 'must be an object per tier');
	const tiers: Record<string, TierRates> = {};
	for (const [tier, raw] of Object.entries(o.tiers as Record<string, unknown>)) {
		const t = (raw ?? {}) as Record<string, unknown>;
		const f = `tiers.${tier}`;
		if (!t.rates || typeof t.rates !== 'object') fail(`${f}.rates`, 'must be an object');
		const rates: Record<string, number> = {};
		for (const [cat, cents] of Object.entries(t.rates as Record<string, unknown>))
			rates[cat] = nonNegative(cents, `${f}.rates.${cat}`, true);
		tiers[tier] = {
			rates,
			outOfHoursMultiplier: nonNegative(t.outOfHoursMultiplier, `${f}.outOfHoursMultiplier`),
			holidayMultiplier: nonNegative(t.holidayMultiplier, `${f}.holidayMultiplier`),
			minimumMinutes: nonNegative(t.minimumMinutes, `${f}.minimumMinutes`),
			roundingMinutes: nonNegative(t.roundingMinutes, `${f}.roundingMinutes`)
		};
	}
	return {
		policyId: o.policyId,
		name: typeof o.name === 'string' ? o.name : `Rate card ${o.policyId}`,
		example: o.example === true,
		doc: typeof o.doc === 'string' ? o.doc : undefined,
		currency: o.currency,
		vatRate,
		reasons,
		officeHoursCalendar:
			typeof o.officeHoursCalendar === 'string' ? o.officeHoursCalendar : 'nl-office-hours',
		incidentTypes:
			o.incidentTypes === undefined ? ['incident'] : words(o.incidentTypes, 'incidentTypes'),
		tiers
	};
}

let builtins: Map<string, RateCardVersion> | null = null;

/** The built-in example cards under data/rates (read once, on first use). */
export function builtinRateCards(): Map<string, RateCardVersion> {
	if (builtins) return builtins;
	const out = new Map<string, RateCardVersion>();
	// the data folder's own cards; a data folder without any (one set up before rate cards
	// existed) falls back to the examples bundled with Peil
	let folder = path.join(dataDir(), 'rates');
	if (!fs.existsSync(folder)) folder = path.resolve('data/rates');
	const files = fs.existsSync(folder)
		? fs.readdirSync(folder).filter((f) => f.endsWith('.json'))
		: [];
	for (const f of files.sort()) {
		const raw = JSON.parse(fs.readFileSync(path.join(folder, f), 'utf8')) as Record<
			string,
			unknown
		>;
		const card = parseRateCard(raw);
		out.set(card.policyId, {
			policyId: card.policyId,
			version: 1,
			effectiveFrom: typeof raw.effectiveFrom === 'string' ? raw.effectiveFrom : '2000-01-01',
			card,
			reason: `built-in example (data/rates/${f})`,
			by: 'Peil',
			builtin: true
		});
	}
	builtins = out;
	return out;
}

/** Every version of every policy's rate card, oldest first; the built-in one where none is stored. */
export async function rateCardVersions(q: Queryable): Promise<Map<string, RateCardVersion[]>> {
	const rows = await q.all(
		`SELECT policy_id, version, effective_from, body, reason, created_by, created_at FROM rate_cards ORDER BY policy_id, version`
	);
	const out = new Map<string, RateCardVersion[]>();
	for (const r of rows) {
		const list = out.get(String(r.policy_id)) ?? [];
		list.push({
			policyId: String(r.policy_id),
			version: Number(r.version),
			effectiveFrom: String(r.effective_from),
			card: parseRateCard(JSON.parse(String(r.body))),
			reason: String(r.reason),
			by: String(r.created_by),
			builtin: false,
			createdAt: r.created_at === null ? null : String(r.created_at)
		});
		out.set(String(r.policy_id), list);
	}
	for (const [id, v] of builtinRateCards()) if (!out.has(id)) out.set(id, [v]);
	return out;
}

/**
 * The version in force on a local date: the latest effective date on or before it (the highest
 * version on a tie); the earliest when every one starts later.
 */
export function rateCardOn(versions: RateCardVersion[], onDate: string): RateCardVersion | null {
	let best: RateCardVersion | null = null;
	for (const v of versions)
		if (v.effectiveFrom <= onDate && (!best || v.effectiveFrom >= best.effectiveFrom)) best = v;
	return (
		best ?? [...versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))[0] ?? null
	);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Save a new version of a policy's card from a date (the built-in one stored first as version 1). */
export async function saveRateCard(
	store: Store,
	c: { body: unknown; effectiveFrom: string; reason: string; by: string }
): Promise<{ version: number }> {
	const card = parseRateCard(c.body);
	if (!DATE.test(c.effectiveFrom))
		throw new RateCardError(`effectiveFrom: "${c.effectiveFrom}" is not a date (yyyy-mm-dd)`);
	if (!c.reason.trim()) throw new RateCardError('reason: say why the rates change');
	if (!c.by.trim()) throw new RateCardError('by: enter the name of who changes them');
	const builtin = builtinRateCards().get(card.policyId);
	return store.write(async (tx) => {
		const last = Number(
			(
				await tx.one('SELECT COALESCE(max(version), 0) AS v FROM rate_cards WHERE policy_id = $1', [
					card.policyId
				])
			)?.v
		);
		if (last === 0 && builtin)
			await tx.run(`INSERT INTO rate_cards VALUES ($1, 1, $2::DATE, $3::JSON, $4, $5, now())`, [
				card.policyId,
				builtin.effectiveFrom,
				JSON.stringify(builtin.card),
				builtin.reason,
				builtin.by
			]);
		const version = Math.max(last, builtin ? 1 : 0) + 1;
		await tx.run(`INSERT INTO rate_cards VALUES ($1, $2, $3::DATE, $4::JSON, $5, $6, now())`, [
			card.policyId,
			version,
			c.effectiveFrom,
			JSON.stringify(card),
			c.reason.trim(),
			c.by.trim()
		]);
		return { version };
	});
}
