import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { listPolicyVersions } from '$lib/server/sla/settings';

export const load = (async () => {
	const store = await getStore();
	const [policies, calendars, agreements] = await Promise.all([
		listPolicyVersions(store),
		store.all(
			'SELECT id, version, name, zone, effective_from, origin FROM calendars ORDER BY id, version'
		),
		store.one('SELECT count(*) AS n, count(DISTINCT account_id) AS accounts FROM target_agreements')
	]);
	/** one row per document: its latest version, and whether any version was saved by a person */
	const latest = <T extends { id: string; origin: string }>(rows: T[]) => {
		const byId = new Map<string, T[]>();
		for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
		return [...byId.values()].map((vs) => ({
			...vs[vs.length - 1],
			versions: vs.length,
			changed: vs.some((v) => v.origin !== 'builtin')
		}));
	};
	return {
		policies: latest(policies),
		calendars: latest(
			calendars.map((r) => ({
				id: String(r.id),
				version: Number(r.version),
				name: String(r.name),
				zone: String(r.zone),
				effectiveFrom: String(r.effective_from),
				origin: String(r.origin)
			}))
		),
		agreements: { count: Number(agreements?.n ?? 0), accounts: Number(agreements?.accounts ?? 0) }
	};
}) satisfies PageServerLoad;
