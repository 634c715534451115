import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { explainTicket } from '$lib/server/sla/explain';
import { addCorrection, CORRECTABLE, CorrectionError } from '$lib/server/sla/corrections';
import { loadCalendars, recomputeSla } from '$lib/server/sla/recompute';
import { parseZone, type ZoneSpec } from '$lib/domain/wall-clock';

export type CorrectionFormValues = { field: string; value: string; reason: string; by: string };

export const load = (async ({ params }) => {
	const store = await getStore();
	const [explanation, calendars, owner] = await Promise.all([
		explainTicket(store, params.source, params.id),
		loadCalendars(store),
		// the explanation names the account; the link needs its id
		store.one('SELECT account_id FROM tickets WHERE source = $1 AND external_id = $2', [
			params.source,
			params.id
		])
	]);
	if (!explanation) error(404, 'No such ticket');
	// the zone of each clock's calendar: the timeline's axis is in that wall-clock time
	const zones: Record<string, ZoneSpec> = {};
	for (const c of explanation.clocks) {
		const id = c.decisions.find((d) => d.what === 'calendar')?.value;
		zones[c.clock] = calendars.get(String(id))?.zone ?? parseZone('Europe/Amsterdam');
	}
	const correctable = Object.entries(CORRECTABLE).map(([field, spec]) => ({
		field,
		label: spec.label,
		values: spec.values ? [...spec.values] : null
	}));
	const accountId = owner?.account_id == null ? null : String(owner.account_id);
	return { explanation, zones, correctable, accountId };
}) satisfies PageServerLoad;

export const actions = {
	correct: async ({ request, params }) => {
		const form = await request.formData();
		const values: CorrectionFormValues = {
			field: String(form.get('field') ?? ''),
			value: String(form.get('value') ?? ''),
			reason: String(form.get('reason') ?? ''),
			by: String(form.get('by') ?? '')
		};
		const store = await getStore();
		try {
			await addCorrection(store, { source: params.source, externalId: params.id, ...values });
		} catch (e) {
			if (e instanceof CorrectionError) return fail(400, { problem: e.message, values });
			throw e;
		}
		await recomputeSla(store, { tickets: [{ source: params.source, externalId: params.id }] });
		return { corrected: true };
	}
} satisfies Actions;
