import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { addCorrection, CorrectionError, listCorrections } from '$lib/server/sla/corrections';
import { recomputeSla } from '$lib/server/sla/recompute';

export const GET: RequestHandler = async ({ params }) =>
	json(await listCorrections(await getStore(), params.source, params.id));

/** Correct a ticket: JSON { field, value, reason, by }. Its verdicts are recomputed at once. */
export const POST: RequestHandler = async ({ params, request }) => {
	let body: Record<string, unknown>;
	try {
		body = (await request.json()) as Record<string, unknown>;
	} catch {
		return json(
			{ error: 'Send the correction as JSON: { "field", "value", "reason", "by" }' },
			{ status: 400 }
		);
	}
	const store = await getStore();
	try {
		const c = await addCorrection(store, {
			source: params.source,
			externalId: params.id,
			field: String(body.field ?? ''),
			value: String(body.value ?? ''),
			reason: String(body.reason ?? ''),
			by: String(body.by ?? '')
		});
		await recomputeSla(store, { tickets: [{ source: params.source, externalId: params.id }] });
		return json(c);
	} catch (e) {
		if (e instanceof CorrectionError) return json({ error: e.message }, { status: 400 });
		throw e;
	}
};
