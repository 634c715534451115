import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import {
	addMaterial,
	BillingError,
	correctEntry,
	drillLines,
	editMaterial,
	materialChanges,
	removeMaterial,
	lockMonth,
	nextMonth,
	parseEuros,
	REASON_LABELS,
	SETTABLE_REASONS,
	ticketSubjects,
	type MaterialInput
} from '$lib/server/billing/billing';
import { loadMonth, readMonth, viewerScope } from './data.server';

const NEEDS_SHOWN = 100;
const LINES_SHOWN = 500;

export const load = (async ({ params, url }) => {
	const [m, changes] = await Promise.all([
		loadMonth(params.month),
		materialChanges(await getStore(), viewerScope(), readMonth(params.month))
	]);
	const account = url.searchParams.get('account') ?? '';
	const reason = url.searchParams.get('reason') ?? '';
	const status = url.searchParams.get('status') ?? '';
	// the same grouping as the summary's figures the links come from (summaryReason)
	const drill = drillLines(m.lines, { account, reason, status });
	const names = Object.fromEntries(m.accounts.map((a) => [a.accountId, a.name]));
	const shown = drill.slice(0, LINES_SHOWN);
	const needsShown = m.needsPerson.slice(0, NEEDS_SHOWN);
	// the subjects of the lines shown only (read afresh: a subject is not a billing figure)
	const subjects = await ticketSubjects(await getStore(), [...shown, ...needsShown]);
	return {
		month: m.month,
		previous: nextMonth(m.month, -1),
		next: nextMonth(m.month, 1),
		locked: m.locked,
		lockedAccounts: m.lockedAccounts,
		accounts: m.accounts,
		totals: m.totals,
		notes: m.notes,
		invoiceLineCount: m.invoiceLines.length,
		adjustments: m.invoiceLines.filter((l) => l.kind === 'adjustment').slice(0, 500),
		materials: m.materials,
		materialChanges: changes,
		needsPerson: needsShown,
		needsPersonCount: m.needsPerson.length,
		drill: shown,
		drillCount: drill.length,
		drillFor: account ? { account, name: names[account] ?? account, reason, status } : null,
		subjects,
		names,
		reasons: SETTABLE_REASONS,
		labels: REASON_LABELS
	};
}) satisfies PageServerLoad;

const text = (form: FormData, k: string) => String(form.get(k) ?? '').trim();

/** A material form's fields as typed (shown again when the form is refused). */
function materialValues(f: FormData) {
	return {
		ticket: text(f, 'ticket'),
		description: text(f, 'description'),
		quantity: text(f, 'quantity'),
		unitPrice: text(f, 'unitPrice'),
		reason: text(f, 'reason') || 'R22',
		order: text(f, 'order'),
		by: text(f, 'by')
	};
}

/** A material form's fields read: the amount and quantity as numbers, the ticket split. */
function materialInput(v: ReturnType<typeof materialValues>): MaterialInput {
	const cents = parseEuros(v.unitPrice);
	if (cents === null)
		throw new BillingError('unitPrice', `"${v.unitPrice}" is not an amount such as 12,50`);
	const quantity = Number(v.quantity.replace(',', '.'));
	if (!v.quantity || !Number.isFinite(quantity))
		throw new BillingError('quantity', `"${v.quantity}" is not a number`);
	const [source, ...rest] = v.ticket.split('/');
	return {
		source: rest.length ? source : null,
		ticketId: rest.length ? rest.join('/') : null,
		description: v.description,
		quantity,
		unitPriceCents: cents,
		reason: v.reason,
		orderReference: v.order
	};
}

async function attempt(run: () => Promise<void>, values: Record<string, string>, done: string) {
	try {
		await run();
		return { done, by: values.by ?? '' };
	} catch (e) {
		if (e instanceof BillingError)
			return fail(400, { error: e.message, field: e.field, values, key: values.key ?? '' });
		throw e;
	}
}

export const actions = {
	reason: async ({ request }) => {
		const f = await request.formData();
		const values = {
			key: text(f, 'key'),
			source: text(f, 'source'),
			entryId: text(f, 'entryId'),
			value: text(f, 'reason'),
			why: text(f, 'why'),
			by: text(f, 'by')
		};
		return attempt(
			async () => correctEntry(await getStore(), { ...values, field: 'reason' }),
			values,
			`Reason of entry ${values.entryId} set to ${values.value}.`
		);
	},
	order: async ({ request }) => {
		const f = await request.formData();
		const values = {
			key: text(f, 'key'),
			source: text(f, 'source'),
			entryId: text(f, 'entryId'),
			value: text(f, 'order'),
			why: '',
			by: text(f, 'by')
		};
		return attempt(
			async () => correctEntry(await getStore(), { ...values, field: 'order_reference' }),
			values,
			`Order reference ${values.value} attached to entry ${values.entryId}.`
		);
	},
	material: async ({ request, params }) => {
		const f = await request.formData();
		const month = readMonth(params.month);
		const values = { key: 'material', accountId: text(f, 'accountId'), ...materialValues(f) };
		return attempt(
			async () =>
				addMaterial(await getStore(), {
					accountId: values.accountId,
					month,
					...materialInput(values),
					by: values.by
				}),
			values,
			`Material line "${values.description}" added.`
		);
	},
	editMaterial: async ({ request }) => {
		const f = await request.formData();
		const id = text(f, 'id');
		const values = { key: `material:${id}`, id, why: text(f, 'why'), ...materialValues(f) };
		return attempt(
			async () => editMaterial(await getStore(), id, materialInput(values), values.why, values.by),
			values,
			`Material line "${values.description}" changed.`
		);
	},
	removeMaterial: async ({ request }) => {
		const f = await request.formData();
		const id = text(f, 'id');
		const values = {
			key: `remove:${id}`,
			id,
			description: text(f, 'description'),
			why: text(f, 'why'),
			by: text(f, 'by')
		};
		return attempt(
			async () => removeMaterial(await getStore(), id, values.why, values.by),
			values,
			`Material line "${values.description}" removed.`
		);
	},
	lock: async ({ request, params }) => {
		const f = await request.formData();
		const values = {
			key: 'lock',
			by: text(f, 'by'),
			note: text(f, 'note'),
			accountId: text(f, 'accountId')
		};
		const month = readMonth(params.month);
		const store = await getStore();
		const name = values.accountId
			? String(
					(await store.one(`SELECT name FROM accounts WHERE id = $1`, [values.accountId]))?.name ??
						values.accountId
				)
			: null;
		return attempt(
			async () => lockMonth(store, month, values.by, values.note, values.accountId || null),
			values,
			name ? `${month} is locked for ${name}.` : `${month} is locked for every account.`
		);
	}
} satisfies Actions;
