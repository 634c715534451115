import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { requestScope } from '$lib/server/auth/request';
import { listAccounts } from '$lib/server/reports/overview';
import { loadPolicies } from '$lib/server/sla/recompute';
import {
	previewTargetAgreement,
	saveTargetAgreement,
	SettingsError
} from '$lib/server/sla/settings';
import { firstOfNextMonth } from '$lib/components/settings/policy-form';

const CLOCKS = ['first_response', 'resolution'] as const;
const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
const FIELDS = ['accountId', 'effectiveFrom', 'reason', 'by'] as const;
/** The preview lists at most this many changed tickets; the summary counts them all. */
const PREVIEW_ROWS = 200;

export const load = (async () => {
	const store = await getStore();
	const [accounts, policies, agreements] = await Promise.all([
		listAccounts(store, requestScope()),
		loadPolicies(store),
		store.all(
			'SELECT account_id, version, effective_from, body, reason, created_by, created_at FROM target_agreements ORDER BY account_id, version'
		)
	]);
	// the latest version's targets per policy, to show beside the fields what an agreement replaces
	const policyTargets = Object.fromEntries(
		policies.map((p) => [
			p.id,
			{
				first_response: p.policy.clocks.first_response?.targetHours ?? null,
				resolution: p.policy.clocks.resolution?.targetHours ?? null
			}
		])
	);
	const names = new Map(accounts.map((a) => [a.id, a.name]));
	return {
		accounts: accounts.map((a) => ({ id: a.id, name: a.name, policy: a.policy, tier: a.tier })),
		policyTargets,
		agreements: agreements.map((r) => ({
			accountId: String(r.account_id),
			accountName: names.get(String(r.account_id)) ?? String(r.account_id),
			version: Number(r.version),
			effectiveFrom: String(r.effective_from),
			targets: JSON.parse(String(r.body)) as Record<string, Record<string, number>>,
			reason: String(r.reason),
			by: String(r.created_by),
			createdAt: String(r.created_at)
		})),
		defaultEffectiveFrom: firstOfNextMonth(new Date())
	};
}) satisfies PageServerLoad;

/**
 * The submitted agreement, read the same way by both actions so Save stores exactly what Preview
 * showed. A preview needs the account and the targets; a save also who saves it and why.
 */
async function readForm(request: Request, action: 'preview' | 'save') {
	const form = await request.formData();
	const text = (k: string) => String(form.get(k) ?? '').trim();
	const values: Record<string, string> = {};
	for (const k of FIELDS) values[k] = text(k);
	// the hours entered per clock and priority; an empty field keeps the policy's target
	const targets: Record<string, Record<string, number>> = {};
	for (const clock of CLOCKS)
		for (const p of PRIORITIES) {
			const raw = (values[`${clock}.${p}`] = text(`${clock}.${p}`));
			if (raw) (targets[clock] ??= {})[p] = Number(raw.replace(',', '.'));
		}
	const refuse = (error: string) => fail(400, { action, error, values });
	if (!values.accountId) return { refused: refuse('Choose the account the agreement is with.') };
	if (!Object.keys(targets).length)
		return {
			refused: refuse('Enter at least one target: the hours per priority the agreement sets.')
		};
	return { values, targets, refuse };
}

export const actions = {
	preview: async ({ request }) => {
		const r = await readForm(request, 'preview');
		if ('refused' in r) return r.refused;
		const store = await getStore();
		// the preview itself would cover no tickets of an account that is not there
		if (!(await store.one('SELECT 1 AS x FROM accounts WHERE id = $1', [r.values.accountId])))
			return r.refuse(`There is no account "${r.values.accountId}".`);
		try {
			const preview = await previewTargetAgreement(store, {
				accountId: r.values.accountId,
				effectiveFrom: r.values.effectiveFrom,
				targets: r.targets
			});
			return {
				preview: {
					...preview,
					changes: preview.changes.slice(0, PREVIEW_ROWS),
					accountId: r.values.accountId,
					effectiveFrom: r.values.effectiveFrom
				},
				changed: preview.changes.length,
				values: r.values
			};
		} catch (e) {
			if (e instanceof SettingsError) return r.refuse(e.message);
			throw e;
		}
	},
	save: async ({ request }) => {
		const r = await readForm(request, 'save');
		if ('refused' in r) return r.refused;
		const { values, targets, refuse } = r;
		if (!values.by) return refuse('Enter your name: every agreement records who saved it.');
		try {
			const saved = await saveTargetAgreement(await getStore(), {
				accountId: values.accountId,
				effectiveFrom: values.effectiveFrom,
				targets,
				reason: values.reason,
				by: values.by
			});
			return { saved: { ...saved, accountId: values.accountId }, by: values.by };
		} catch (e) {
			if (e instanceof SettingsError) return refuse(e.message);
			throw e;
		}
	}
} satisfies Actions;
