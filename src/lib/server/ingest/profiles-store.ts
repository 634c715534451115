/**
 * Mapping profiles users build on the /import page (or write as JSON) and save under a name,
 * next to the built-in ones. A saved profile is the same shape as a mapping file and checked the
 * same way; it can never carry derived SQL. Also: a preview of a file (its header and first rows,
 * and which profile detection would pick) for building one.
 */
import type { Queryable, Store } from '../db/index.ts';
import type { Profile } from './profile.ts';
import { RECORD_FIELDS, REQUIRED_FIELDS } from './profile.ts';
import { BUILTIN_PROFILES, detectProfile } from './profiles/index.ts';
import { userProfile } from './run-import.ts';
import { cleanup, inspectFile, parseCsvRecord } from './read-file.ts';
import fs from 'node:fs';

export interface ProfileSummary {
	name: string;
	label: string;
	kind: Profile['kind'];
	builtin: boolean;
	profile: Profile;
}

export async function listProfiles(q: Queryable): Promise<ProfileSummary[]> {
	const saved = await q.all('SELECT name, body FROM import_profiles ORDER BY name');
	return [
		...BUILTIN_PROFILES.map((p) => ({
			name: p.name,
			label: p.label,
			kind: p.kind,
			builtin: true,
			profile: p
		})),
		...saved.map((r) => {
			const p = JSON.parse(String(r.body)) as Profile;
			return {
				name: String(r.name),
				label: p.label || `mapping "${r.name}"`,
				kind: p.kind,
				builtin: false,
				profile: p
			};
		})
	];
}

export class ProfileError extends Error {}

/** Save (or replace) a user's mapping. Throws ProfileError with what to fix. */
export async function saveProfile(store: Store, body: unknown): Promise<ProfileSummary> {
	let p: Profile;
	try {
		p = userProfile(body, 'the mapping');
	} catch (e) {
		throw new ProfileError((e as Error).message.replace(/^the mapping: /, ''));
	}
	if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(p.name))
		throw new ProfileError(
			'a mapping name is lower-case letters, digits, ".", "_" or "-" (e.g. acme-topdesk)'
		);
	if (BUILTIN_PROFILES.some((b) => b.name === p.name))
		throw new ProfileError(`"${p.name}" is a built-in profile; choose another name`);
	await store.run(
		`INSERT OR REPLACE INTO import_profiles VALUES ($1, $2::JSON, COALESCE((SELECT created_at FROM import_profiles WHERE name = $1), now()), now())`,
		[p.name, JSON.stringify(p)]
	);
	return { name: p.name, label: p.label, kind: p.kind, builtin: false, profile: p };
}

export async function deleteProfile(store: Store, name: string): Promise<boolean> {
	const had = await store.one('SELECT 1 AS x FROM import_profiles WHERE name = $1', [name]);
	if (had) await store.run('DELETE FROM import_profiles WHERE name = $1', [name]);
	return !!had;
}

export interface FilePreview {
	file: string;
	encoding: string;
	delimiter: string;
	header: string[];
	rows: string[][];
	detected: { profile: string; label: string; reason: string } | null;
	fields: Record<
		Profile['kind'],
		{ field: string; label: string; type: string; required: boolean }[]
	>;
}

/** The header and first rows of a file, and what detection makes of it. Writes nothing. */
export async function previewFile(
	q: Queryable,
	file: string,
	name: string,
	rows = 20
): Promise<FilePreview> {
	const inspected = await inspectFile(file, name);
	try {
		const text = fs
			.readFileSync(inspected.csvPath)
			.subarray(0, 2 * 1024 * 1024)
			.toString('utf8')
			.replace(/^\uFEFF/, '');
		const out: string[][] = [];
		let rest = text;
		const first = parseCsvRecord(rest, inspected.delimiter);
		rest = rest.slice(first.length);
		while (rest.length && out.length < rows) {
			const r = parseCsvRecord(rest, inspected.delimiter);
			if (r.length === 0) break;
			rest = rest.slice(r.length);
			if (r.fields.length === 1 && r.fields[0] === '') continue;
			out.push(r.fields);
		}
		const saved = (await listProfiles(q)).filter((p) => !p.builtin).map((p) => p.profile);
		const found = detectProfile(inspected.header, [...BUILTIN_PROFILES, ...saved]);
		const fields = Object.fromEntries(
			(Object.keys(RECORD_FIELDS) as Profile['kind'][]).map((k) => [
				k,
				Object.entries(RECORD_FIELDS[k]).map(([field, d]) => ({
					field,
					label: d.label,
					type: d.type,
					required: REQUIRED_FIELDS[k].includes(field)
				}))
			])
		) as FilePreview['fields'];
		return {
			file: name,
			encoding: inspected.encoding,
			delimiter: inspected.delimiter === '\t' ? 'tab' : inspected.delimiter,
			header: inspected.header,
			rows: out,
			detected: found
				? { profile: found.profile.name, label: found.profile.label, reason: found.reason }
				: null,
			fields
		};
	} finally {
		cleanup(inspected);
	}
}
