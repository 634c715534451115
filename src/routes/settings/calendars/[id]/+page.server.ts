import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { loadPolicies } from '$lib/server/sla/recompute';
import {
	previewCalendarChange,
	saveCalendarVersion,
	SettingsError
} from '$lib/server/sla/settings';
import { calendarJson } from '$lib/components/settings/calendar-json';
import { firstOfNextMonth } from '$lib/components/settings/policy-form';

/** The preview lists at most this many changed tickets; the summary counts them all. */
const PREVIEW_ROWS = 200;

export const load = (async ({ params }) => {
	const store = await getStore();
	const [rows, policies] = await Promise.all([
		store.all(
			'SELECT version, name, zone, effective_from, body, origin, created_at FROM calendars WHERE id = $1 ORDER BY version',
			[params.id]
		),
		loadPolicies(store)
	]);
	const last = rows.at(-1);
	if (!last) error(404, 'No such calendar');
	// the textarea holds the document without its id (the address says it) and its date (a field)
	const doc = JSON.parse(String(last.body)) as Record<string, unknown>;
	delete doc.id;
	delete doc.effectiveFrom;
	// which policies' latest versions choose this calendar, and by which rule
	const latest = new Map(policies.map((p) => [p.id, p.policy]));
	const usedBy = [...latest.values()].flatMap((p) =>
		p.calendars.choose
			.map((c, i) => ({ policy: p.id, rule: i + 1, why: c.why, calendar: c.calendar }))
			.filter((c) => c.calendar === params.id)
	);
	return {
		id: params.id,
		name: String(last.name),
		zone: String(last.zone),
		version: Number(last.version),
		effectiveFrom: String(last.effective_from),
		document: calendarJson(doc),
		usedBy,
		versions: rows.map((r) => ({
			version: Number(r.version),
			effectiveFrom: String(r.effective_from),
			origin: String(r.origin),
			createdAt: String(r.created_at),
			note: String(r.zone)
		})),
		defaultEffectiveFrom: firstOfNextMonth(new Date())
	};
}) satisfies PageServerLoad;

/**
 * The submitted document and date, read the same way by both actions so Save stores exactly what
 * Preview showed. A document that is not JSON is refused here; the rest by the calendar's checks.
 */
async function readForm(request: Request, action: 'preview' | 'save') {
	const form = await request.formData();
	const document = String(form.get('document') ?? '');
	const effectiveFrom = String(form.get('effectiveFrom') ?? '').trim();
	const refuse = (message: string) =>
		fail(400, {
			action,
			error: message,
			// a calendar's messages start with the field at fault: "week.mon[0]: …"
			field: /^([\w.[\]-]+): /.exec(message)?.[1] ?? null,
			document,
			effectiveFrom
		});
	let body: unknown;
	try {
		body = JSON.parse(document);
	} catch (e) {
		return { refused: refuse(`The document is not valid JSON: ${(e as Error).message}`) };
	}
	if (body && typeof body === 'object' && !Array.isArray(body))
		body = { ...(body as object), effectiveFrom };
	return { body, document, effectiveFrom, refuse };
}

export const actions = {
	preview: async ({ request, params }) => {
		const r = await readForm(request, 'preview');
		if ('refused' in r) return r.refused;
		try {
			const store = await getStore();
			const preview = await previewCalendarChange(store, params.id, r.body, r.effectiveFrom);
			const next = await store.one(
				'SELECT COALESCE(max(version), 0) + 1 AS v FROM calendars WHERE id = $1',
				[params.id]
			);
			return {
				preview: {
					...preview,
					changes: preview.changes.slice(0, PREVIEW_ROWS),
					version: Number(next?.v),
					effectiveFrom: r.effectiveFrom
				},
				changed: preview.changes.length,
				document: r.document,
				effectiveFrom: r.effectiveFrom
			};
		} catch (e) {
			if (e instanceof SettingsError) return r.refuse(e.message);
			throw e;
		}
	},
	save: async ({ request, params }) => {
		const r = await readForm(request, 'save');
		if ('refused' in r) return r.refused;
		try {
			const saved = await saveCalendarVersion(await getStore(), params.id, r.body, r.effectiveFrom);
			return { saved: { ...saved, effectiveFrom: r.effectiveFrom } };
		} catch (e) {
			if (e instanceof SettingsError) return r.refuse(e.message);
			throw e;
		}
	}
} satisfies Actions;
