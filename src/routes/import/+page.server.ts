import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { listProfiles } from '$lib/server/ingest/profiles-store';
import { PRIORITIES, STATUSES, TYPES } from '$lib/server/ingest/profile';
import { peilEvents } from '$lib/server/ingest/profiles/peil';

export const load = (async () => {
	const profiles = (await listProfiles(await getStore())).map((p) => ({
		name: p.name,
		label: p.label,
		kind: p.kind,
		builtin: p.builtin,
		zone: p.profile.zone ?? null
	}));
	return {
		profiles: profiles.filter((p) => p.builtin),
		savedProfiles: profiles.filter((p) => !p.builtin),
		/** the values Peil knows for the fields a mapping's value lists map onto */
		peilValues: {
			priorities: [...PRIORITIES],
			statuses: [...STATUSES],
			types: [...TYPES],
			eventKinds: [...new Set(Object.values(peilEvents.fields.kind.map ?? {}))]
		}
	};
}) satisfies PageServerLoad;
