/**
 * The built-in profiles, and detection: which profile fits a file's header.
 */
import type { Profile } from '../profile.ts';
import { zendeskTickets } from './zendesk.ts';
import { peilEvents, peilTimeEntries } from './peil.ts';
import { serviceNowIncidents } from './servicenow.ts';
import { processLog } from './process-log.ts';
import { jiraTickets } from './jira.ts';
import { freshdeskTickets } from './freshdesk.ts';
import { topdeskApiIncidents, topdeskIncidents, topdeskIncidentsEn } from './topdesk.ts';
import { zammadApiTickets, zammadTickets } from './zammad.ts';

export const BUILTIN_PROFILES: Profile[] = [
	zendeskTickets,
	peilEvents,
	peilTimeEntries,
	serviceNowIncidents,
	processLog,
	jiraTickets,
	freshdeskTickets,
	topdeskIncidents,
	topdeskIncidentsEn,
	topdeskApiIncidents,
	zammadTickets,
	zammadApiTickets
];

export function headerKey(h: string): string {
	return h
		.replace(/^\uFEFF/, '')
		.trim()
		.replace(/\s+/g, ' ')
		.toLowerCase();
}

export interface Detection {
	profile: Profile;
	reason: string;
	score: number;
}

/**
 * The columns that identify a profile: its signature, else its mapped columns. Each entry lists
 * the names one column goes by (its header in each language the export comes in).
 */
function signatureOf(p: Profile): string[][] {
	if (p.signature?.length) return p.signature.map((c) => (Array.isArray(c) ? c : [c]));
	return Object.values(p.fields).map((f) => (Array.isArray(f.column) ? f.column : [f.column]));
}

/**
 * Pick the profile whose signature columns the header holds best. A profile needs at least
 * 60% of its signature present; ties go to the larger signature (the more specific export).
 */
export function detectProfile(header: string[], candidates: Profile[]): Detection | null {
	const have = new Set(header.map(headerKey));
	let best: Detection | null = null;
	for (const p of candidates) {
		const sig = signatureOf(p);
		const hits = sig
			.map((names) => names.find((n) => have.has(headerKey(n))))
			.filter((n): n is string => n !== undefined);
		const score = hits.length / sig.length;
		if (score < 0.6) continue;
		if (
			!best ||
			score > best.score ||
			(score === best.score && sig.length > signatureOf(best.profile).length)
		) {
			best = {
				profile: p,
				score,
				reason: `detected from the header: ${hits.length} of the ${sig.length} columns that identify a ${p.label} are present (${hits.slice(0, 4).join(', ')}${hits.length > 4 ? ', …' : ''})`
			};
		}
	}
	return best;
}

/** Find a header's position for a field spec's column names (case- and space-insensitive). */
export function findColumn(header: string[], column: string | string[]): number {
	const keys = header.map(headerKey);
	for (const c of Array.isArray(column) ? column : [column]) {
		const i = keys.indexOf(headerKey(c));
		if (i >= 0) return i;
	}
	return -1;
}
