import type { PageServerLoad } from './$types';
import { getStore } from '$lib/server/store';
import { BUILTIN_PROFILES } from '$lib/server/ingest/profiles/index';
import { savedProfileNames } from '$lib/server/ingest/run-import';

export const load = (async () => {
	return {
		profiles: BUILTIN_PROFILES.map((p) => ({
			name: p.name,
			label: p.label,
			kind: p.kind,
			zone: p.zone ?? null
		})),
		savedProfiles: await savedProfileNames(await getStore())
	};
}) satisfies PageServerLoad;
