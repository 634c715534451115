import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getStore } from '$lib/server/store';
import { listProfiles } from '$lib/server/ingest/profiles-store';

/** The built-in profiles and the saved mappings, each with its full profile. */
export const GET: RequestHandler = async () => json(await listProfiles(await getStore()));
