/**
 * The rate card editor of /settings/rates/[policy] (issue 7): the card as form fields, a submitted
 * form read back into a card (each field checked, the error naming the field, what was typed
 * kept), and the preview of a change — which accounts' amounts for a month it would change,
 * old → new — computed by `billingMonth` with the change added to the stored versions, unsaved.
 *
 * A locked month keeps its invoice lines (billingMonth returns the frozen ones), so its amounts
 * never change; the preview then also prices the first open month after it, where the lock logic
 * carries the differences as adjustment lines.
 */
import type { Queryable } from '../db/index.ts';
import {
	billingMonth,
	BillingError,
	isOpen,
	nextMonth,
	validMonth,
	type BillingMonth
} from './billing.ts';
import {
	ALL_REASONS,
	parseRateCard,
	RateCardError,
	rateCardVersions,
	type RateCard,
	type RateCardVersion
} from './rates.ts';
import { REASON_LABELS } from './classify.ts';

export const TIER_NUMBERS = [
	['outOfHoursMultiplier', 'Out-of-hours multiplier', '×'],
	['holidayMultiplier', 'Holiday multiplier', '×'],
	['minimumMinutes', 'Minimum per entry', 'min'],
	['roundingMinutes', 'Rounded up to', 'min']
] as const;

export interface RateFormField {
	/** the form field's name: the card's own path (`tiers.Goud.rates.support`), `vatRate` in % */
	name: string;
	label: string;
}

/** Every field of a card's form, in the order the page shows them. */
export function rateFormFields(card: RateCard): RateFormField[] {
	const out: RateFormField[] = [
		{ name: 'currency', label: 'Currency' },
		{ name: 'vatRate', label: 'VAT rate (%)' },
		{ name: 'reasons', label: 'Chargeable reasons' }
	];
	for (const [tier, t] of Object.entries(card.tiers)) {
		for (const cat of Object.keys(t.rates))
			out.push({ name: `tiers.${tier}.rates.${cat}`, label: `${tier}: hourly rate, ${cat}` });
		for (const [k, label] of TIER_NUMBERS)
			out.push({ name: `tiers.${tier}.${k}`, label: `${tier}: ${label.toLowerCase()}` });
	}
	return out;
}

/** "95,00" from 9500 cents; "1,5" from 1.5; VAT as a percentage. */
function decimal(n: number, places?: number): string {
	return (places === undefined ? String(n) : n.toFixed(places)).replace('.', ',');
}

/** The card's values as the form shows them (rates in euros per hour, VAT in %). */
export function rateFormValues(card: RateCard): Record<string, string> {
	const v: Record<string, string> = {
		currency: card.currency,
		vatRate: decimal(Math.round(card.vatRate * 10_000) / 100),
		reasons: card.reasons.join(',')
	};
	for (const [tier, t] of Object.entries(card.tiers)) {
		for (const [cat, cents] of Object.entries(t.rates))
			v[`tiers.${tier}.rates.${cat}`] = decimal(cents / 100, 2);
		for (const [k] of TIER_NUMBERS) v[`tiers.${tier}.${k}`] = decimal(t[k]);
	}
	return v;
}

export interface RateFieldChange {
	name: string;
	label: string;
	before: string;
	after: string;
}

export interface ReadRateForm {
	values: Record<string, string>;
	card: RateCard | null;
	changes: RateFieldChange[];
	/** the first problem, `field: message`, and the field it names */
	error: { field: string; message: string } | null;
}

function number(text: string): number | null {
	const t = text.trim().replace(',', '.');
	return /^\d+(\.\d+)?$/.test(t) ? Number(t) : null;
}

/**
 * A submitted form as a new card based on `base`: every field read and checked; the values as
 * typed are returned whatever happens, so a refused form shows them again.
 */
export function readRateForm(base: RateCard, form: FormData): ReadRateForm {
	const stored = rateFormValues(base);
	const values: Record<string, string> = {};
	for (const f of rateFormFields(base))
		values[f.name] =
			f.name === 'reasons'
				? form
						.getAll('reasons')
						.map(String)
						.filter((r) => (ALL_REASONS as readonly string[]).includes(r))
						.join(',')
				: String(form.get(f.name) ?? '').trim();
	const changes = rateFormFields(base)
		.filter((f) => normalise(values[f.name]) !== normalise(stored[f.name]))
		.map((f) => ({ ...f, before: stored[f.name], after: values[f.name] }));
	let error: ReadRateForm['error'] = null;
	const problem = (field: string, message: string) => {
		error ??= { field, message: `${field}: ${message}` };
	};
	const card: RateCard = structuredClone(base);
	card.currency = values.currency.toUpperCase();
	values.currency = card.currency;
	const vat = number(values.vatRate);
	if (vat === null || vat >= 100)
		problem('vatRate', `"${values.vatRate}" is not a percentage from 0 to 100 (21 for 21 %)`);
	else card.vatRate = Math.round(vat * 100) / 10_000;
	card.reasons = values.reasons ? values.reasons.split(',') : [];
	if (!card.reasons.length) problem('reasons', 'tick at least one reason the policy charges for');
	for (const [tier, t] of Object.entries(card.tiers)) {
		for (const cat of Object.keys(t.rates)) {
			const name = `tiers.${tier}.rates.${cat}`;
			const text = values[name].replace(/^€\s*/, '');
			const n = /^\d+([.,]\d{1,2})?$/.test(text) ? number(text) : null;
			if (n === null) problem(name, `"${values[name]}" is not an amount in euros (such as 95,00)`);
			else t.rates[cat] = Math.round(n * 100);
		}
		for (const [k] of TIER_NUMBERS) {
			const name = `tiers.${tier}.${k}`;
			const n = number(values[name]);
			const whole = k === 'minimumMinutes' || k === 'roundingMinutes';
			if (n === null || (whole && !Number.isInteger(n)))
				problem(
					name,
					`"${values[name]}" is not ${whole ? 'a whole number of minutes' : 'a number such as 1,5'}`
				);
			else t[k] = n;
		}
	}
	addCategory(card, form, values, changes, problem);
	if (!error)
		try {
			return { values, card: parseRateCard(card), changes, error: null };
		} catch (e) {
			if (!(e instanceof RateCardError)) throw e;
			const field = e.message.slice(0, e.message.indexOf(':'));
			error = { field, message: e.message };
		}
	return { values, card: null, changes, error };
}

/** A work category as time entries name it (their work_type): lower case, digits, underscores. */
export const CATEGORY = /^[a-z][a-z0-9_]{0,39}$/;

/** The form fields of a new work category: its name and an hourly rate per tier. */
export const NEW_CATEGORY = 'newCategory';
export const newCategoryRate = (tier: string) => `newCategory.rate.${tier}`;

/**
 * A new work category with its hourly rate in every tier, when the form names one: the name must
 * be a work type not yet on the card, and every tier needs a rate (the error names the field).
 * Both left empty: nothing is added.
 */
function addCategory(
	card: RateCard,
	form: FormData,
	values: Record<string, string>,
	changes: RateFieldChange[],
	problem: (field: string, message: string) => void
): void {
	const tiers = Object.keys(card.tiers);
	const name = String(form.get(NEW_CATEGORY) ?? '').trim();
	values[NEW_CATEGORY] = name;
	for (const tier of tiers)
		values[newCategoryRate(tier)] = String(form.get(newCategoryRate(tier)) ?? '').trim();
	const anyRate = tiers.some((t) => values[newCategoryRate(t)]);
	if (!name) {
		if (anyRate)
			problem(NEW_CATEGORY, 'name the new work category the rates are for (such as project)');
		return;
	}
	if (!CATEGORY.test(name))
		return problem(
			NEW_CATEGORY,
			`"${name}" is not a work category: lower-case letters, digits and underscores, starting with a letter, at most 40 (as the time entries' work_type writes it, such as on_site)`
		);
	const existing = tiers.filter((t) => name in card.tiers[t].rates);
	if (existing.length)
		return problem(
			NEW_CATEGORY,
			`"${name}" already has an hourly rate (${existing.join(', ')}): change it in the rates above`
		);
	for (const tier of tiers) {
		const field = newCategoryRate(tier);
		const typed = values[field];
		const text = typed.replace(/^€\s*/, '');
		const n = /^\d+([.,]\d{1,2})?$/.test(text) ? number(text) : null;
		if (!typed) {
			problem(field, `enter the hourly rate of ${name} for ${tier} (such as 95,00)`);
			continue;
		}
		if (n === null) {
			problem(field, `"${typed}" is not an amount in euros (such as 95,00)`);
			continue;
		}
		card.tiers[tier].rates[name] = Math.round(n * 100);
		changes.push({
			name: `tiers.${tier}.rates.${name}`,
			label: `${tier}: hourly rate, ${name} (new work category)`,
			before: '',
			after: decimal(n, 2)
		});
	}
}

function normalise(v: string | undefined): string {
	return (v ?? '')
		.trim()
		.replace(',', '.')
		.replace(/\.0+$/, '')
		.replace(/(\.\d*?)0+$/, '$1');
}

export interface AccountAmountChange {
	accountId: string;
	name: string;
	currency: string;
	beforeCents: number;
	afterCents: number;
	beforeVatCents: number;
	afterVatCents: number;
	beforeHours: number;
	afterHours: number;
}

export interface MonthComparison {
	month: string;
	locked: boolean;
	/** accounts whose net or VAT amount changes */
	changed: AccountAmountChange[];
	unchanged: number;
	totals: { beforeCents: number; afterCents: number };
}

export interface RatePreview {
	policyId: string;
	effectiveFrom: string;
	/** the month asked for */
	month: MonthComparison;
	/** when that month is locked: the first open month after it, where adjustments go */
	adjustmentMonth: MonthComparison | null;
	notes: string[];
}

function compare(month: string, before: BillingMonth, after: BillingMonth): MonthComparison {
	const a = new Map(after.accounts.map((x) => [x.accountId, x]));
	const b = new Map(before.accounts.map((x) => [x.accountId, x]));
	const changed: AccountAmountChange[] = [];
	let unchanged = 0;
	for (const id of new Set([...b.keys(), ...a.keys()])) {
		const x = b.get(id);
		const y = a.get(id);
		const row: AccountAmountChange = {
			accountId: id,
			name: (y ?? x)!.name,
			currency: (y ?? x)!.currency,
			beforeCents: x?.netCents ?? 0,
			afterCents: y?.netCents ?? 0,
			beforeVatCents: x?.vatCents ?? 0,
			afterVatCents: y?.vatCents ?? 0,
			beforeHours: x?.billableHours ?? 0,
			afterHours: y?.billableHours ?? 0
		};
		if (row.beforeCents !== row.afterCents || row.beforeVatCents !== row.afterVatCents)
			changed.push(row);
		else unchanged++;
	}
	changed.sort(
		(p, q) =>
			Math.abs(q.afterCents - q.beforeCents) - Math.abs(p.afterCents - p.beforeCents) ||
			p.name.localeCompare(q.name, 'nl')
	);
	return {
		month,
		locked: before.locked !== null || Object.keys(before.lockedAccounts).length > 0,
		changed,
		unchanged,
		totals: { beforeCents: before.totals.netCents, afterCents: after.totals.netCents }
	};
}

/** The stored versions with an unsaved one added (what a save would store, priced without it). */
export function withVersion(
	cards: Map<string, RateCardVersion[]>,
	card: RateCard,
	effectiveFrom: string
): Map<string, RateCardVersion[]> {
	const list = cards.get(card.policyId) ?? [];
	const out = new Map(cards);
	out.set(card.policyId, [
		...list,
		{
			policyId: card.policyId,
			version: Math.max(0, ...list.map((v) => v.version)) + 1,
			effectiveFrom,
			card,
			reason: '(preview)',
			by: '',
			builtin: false,
			createdAt: null
		}
	]);
	return out;
}

/**
 * What saving `card` from `effectiveFrom` would change in `month`: per account of the policy, the
 * amounts now and with the change. Nothing is stored.
 */
export async function previewRateCard(
	q: Queryable,
	c: { card: RateCard; effectiveFrom: string },
	month: string
): Promise<RatePreview> {
	if (!validMonth(month)) throw new BillingError('month', `"${month}" is not a month (yyyy-mm)`);
	if (!/^\d{4}-\d{2}-\d{2}$/.test(c.effectiveFrom) || Number.isNaN(Date.parse(c.effectiveFrom)))
		throw new BillingError('effectiveFrom', `"${c.effectiveFrom}" is not a date (yyyy-mm-dd)`);
	const cards = withVersion(await rateCardVersions(q), c.card, c.effectiveFrom);
	const ids = (
		await q.all(`SELECT id FROM accounts WHERE policy_id = $1 ORDER BY id`, [c.card.policyId])
	).map((r) => String(r.id));
	const scope = { kind: 'accounts' as const, ids };
	const run = async (m: string) =>
		compare(m, await billingMonth(q, scope, m), await billingMonth(q, scope, m, { cards }));
	const notes: string[] = [];
	const first = await run(month);
	let adjustmentMonth: MonthComparison | null = null;
	if (first.locked) {
		// the first month after it open for every account locked in it
		const before = await billingMonth(q, scope, month);
		const locked = before.locked ? ids : Object.keys(before.lockedAccounts);
		let open = nextMonth(month);
		for (let i = 0; i < 120; i++, open = nextMonth(open)) {
			let allOpen = true;
			for (const id of locked) if (!(await isOpen(q, open, id))) allOpen = false;
			if (allOpen) break;
		}
		adjustmentMonth = await run(open);
		notes.push(
			before.locked
				? `${month} is locked: its invoice lines stay as they were invoiced. What the change would make different there appears as adjustment lines in ${open}, the first open month after it.`
				: `${locked.length} of the accounts are locked for ${month}: their invoice lines stay as they were invoiced. What the change would make different for them appears as adjustment lines in ${open}, the first month open for all of them.`
		);
	}
	if (`${month}-31` < c.effectiveFrom)
		notes.push(
			`The change takes effect on ${c.effectiveFrom}, after ${month}: preview a later month to see what it changes.`
		);
	if (!ids.length) notes.push(`No account has policy ${c.card.policyId}.`);
	return {
		policyId: c.card.policyId,
		effectiveFrom: c.effectiveFrom,
		month: first,
		adjustmentMonth,
		notes
	};
}

export { REASON_LABELS };
