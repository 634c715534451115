/**
 * The mapping a person builds on /import (MappingBuilder.svelte), as plain data, and how it
 * becomes the profile that PUT /api/profiles/[name] saves. Pure functions over the file preview,
 * so the component only binds inputs.
 *
 * The server checks the shape (saveProfile); this module checks what only the person can fix
 * before saving: value lists written as `Hoog=P1`, Peil values that exist, and values seen in the
 * file's first rows that the list leaves out (an import would reject those rows).
 */
import type { FilePreview } from '$lib/server/ingest/profiles-store';

export type RecordKind = keyof FilePreview['fields'];
export type PreviewField = FilePreview['fields'][RecordKind][number];

/** The Peil values a value list may map onto, as /import's load gives them. */
export interface PeilValues {
	priorities: string[];
	statuses: string[];
	types: string[];
	eventKinds: string[];
}

export const KIND_CHOICES: { kind: RecordKind; label: string }[] = [
	{ kind: 'tickets', label: 'tickets' },
	{ kind: 'events', label: 'status history' },
	{ kind: 'time_entries', label: 'time entries' }
];

export const DEFAULT_ZONE = 'Europe/Amsterdam';

/** What the person chose for one Peil field. */
export interface FieldChoice {
	/** the file's column, '' when the export does not have it */
	column: string;
	/** instants: the date format, '' for ISO 8601 */
	format: string;
	/** enums: one `file value=Peil value` per line */
	values: string;
}

export interface MappingForm {
	kind: RecordKind;
	name: string;
	label: string;
	zone: string;
	/** per kind of record, per Peil field: switching the kind keeps what was chosen for each */
	fields: Record<RecordKind, Record<string, FieldChoice>>;
	/** file columns kept as the helpdesk's own SLA figures (tickets only) */
	slaColumns: string[];
}

/** The body of PUT /api/profiles/[name]: the shape of a mapping file. */
export interface MappingProfile {
	name: string;
	label?: string;
	kind: RecordKind;
	zone?: string;
	fields: Record<
		string,
		{ column: string; format?: string; map?: Record<string, string>; type?: 'number' | 'text' }
	>;
}

function key(s: string): string {
	return s.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The file's columns that can be chosen: named, each once. */
export function fileColumns(preview: FilePreview): string[] {
	return [...new Set(preview.header.filter((h) => h.trim() !== ''))];
}

/** A mapping name from the file name: "Klantlijst 2026.csv" -> "klantlijst-2026". */
export function mappingName(fileName: string): string {
	return fileName
		.replace(/\.[a-z0-9]{1,5}$/i, '')
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9._-]+/g, '-')
		.replace(/^[^a-z0-9]+|-+$/g, '')
		.slice(0, 64);
}

/** The column whose header is the field's name or label (case-insensitive), else ''. */
export function guessColumn(columns: string[], field: PreviewField): string {
	const wanted = [key(field.field), key(field.label), key(field.field.replaceAll('_', ' '))];
	return columns.find((c) => wanted.includes(key(c))) ?? '';
}

export function initialForm(preview: FilePreview): MappingForm {
	const columns = fileColumns(preview);
	const fields = Object.fromEntries(
		(Object.keys(preview.fields) as RecordKind[]).map((kind) => [
			kind,
			Object.fromEntries(
				preview.fields[kind].map((f) => [
					f.field,
					{ column: guessColumn(columns, f), format: '', values: '' }
				])
			)
		])
	) as MappingForm['fields'];
	return {
		kind: 'tickets',
		name: mappingName(preview.file),
		label: '',
		zone: DEFAULT_ZONE,
		fields,
		slaColumns: []
	};
}

/** A field whose value list may only name these Peil values (a closed set). */
interface ValueSet {
	what: string;
	words: string[];
}

function valueSet(kind: RecordKind, field: string, peil: PeilValues): ValueSet | null {
	if (field === 'final_priority' || field === 'submitted_priority')
		return { what: 'priority', words: peil.priorities };
	if (kind === 'tickets' && field === 'status') return { what: 'status', words: peil.statuses };
	if (kind === 'tickets' && field === 'type') return { what: 'type', words: peil.types };
	if (kind === 'events' && field === 'kind') return { what: 'event kind', words: peil.eventKinds };
	return null;
}

const OPEN_HINTS: Record<string, string> = {
	channel: 'Peil uses email, web, phone, chat and api.',
	language: 'Peil uses language codes: nl, en.',
	line: 'Write the lines as your contract names them.'
};

const CLOSED_EXAMPLES: Record<string, string> = {
	priority: 'Hoog=P2\nLaag=P4',
	status: 'In behandeling=open\nOpgelost=solved',
	type: 'Storing=incident\nVraag=question',
	'event kind': 'Statuswijziging=status'
};

const OPEN_EXAMPLES: Record<string, string> = {
	channel: 'Telefoon=phone\nE-mail=email',
	language: 'Nederlands=nl\nEngels=en',
	line: 'Eerste lijn=1st\nTweede lijn=2nd'
};

/** An example value list for the field's textarea. */
export function valuePlaceholder(kind: RecordKind, field: string, peil: PeilValues): string {
	const set = valueSet(kind, field, peil);
	if (!set) return OPEN_EXAMPLES[field] ?? 'Waarde=value';
	return CLOSED_EXAMPLES[set.what] ?? `…=${set.words[0]}`;
}

/** What a value list for this field may say, in words for the hint under it. */
export function valueHint(kind: RecordKind, field: string, peil: PeilValues): string {
	const set = valueSet(kind, field, peil);
	if (set)
		return `One per line: file value=Peil value. Peil's values: ${set.words.join(', ')}. Empty: the file already uses these; any other value is rejected.`;
	return `One per line: file value=Peil value. ${OPEN_HINTS[field] ?? ''} Empty: values are kept as written; with a list, a value it does not name is rejected.`.replace(
		/\s+/g,
		' '
	);
}

/** The distinct non-empty values of a column in the preview rows (at most `limit`). */
export function seenValues(preview: FilePreview, column: string, limit = 12): string[] {
	const i = preview.header.indexOf(column);
	if (i < 0) return [];
	const seen = new Set<string>();
	for (const row of preview.rows) {
		const v = (row[i] ?? '').trim();
		if (v) seen.add(v);
		if (seen.size >= limit) break;
	}
	return [...seen];
}

/** Parse a value list: `file value=Peil value` per line; blank lines are skipped. */
export function parseValues(
	text: string,
	label: string,
	set: ValueSet | null
): { map: Record<string, string>; problems: string[] } {
	const map: Record<string, string> = {};
	const problems: string[] = [];
	text.split(/\r?\n/).forEach((raw, n) => {
		const line = raw.trim();
		if (!line) return;
		const eq = line.indexOf('=');
		const from = eq < 0 ? '' : line.slice(0, eq).trim();
		let to = eq < 0 ? '' : line.slice(eq + 1).trim();
		if (!from || !to) {
			problems.push(
				`Values of ${label}, line ${n + 1} ("${line}"): write it as file value=Peil value, e.g. Hoog=${set?.words[0] ?? 'phone'}.`
			);
			return;
		}
		if (set) {
			const known = set.words.find((w) => w.toLowerCase() === to.toLowerCase());
			if (!known) {
				problems.push(
					`Values of ${label}, line ${n + 1}: "${to}" is not a ${set.what} Peil knows; use one of ${set.words.join(', ')}.`
				);
				return;
			}
			to = known;
		}
		const k = from.toLowerCase();
		if (k in map && map[k] !== to)
			problems.push(`Values of ${label}: "${from}" is listed twice, as ${map[k]} and as ${to}.`);
		map[k] = to;
	});
	return { map, problems };
}

/** How a plain field is read, in words. */
export function typeHint(type: string): string {
	if (type === 'number') return 'A number; a decimal comma is fine.';
	if (type === 'integer') return 'A whole number.';
	if (type === 'boolean') return 'Yes or no: yes/no, ja/nee, true/false, 1/0 or x.';
	return 'Text, kept as written.';
}

/** The file's columns no Peil field of the chosen kind uses (candidates for SLA figures). */
export function unmappedColumns(form: MappingForm, preview: FilePreview): string[] {
	const used = new Set(Object.values(form.fields[form.kind]).map((c) => c.column));
	return fileColumns(preview).filter((c) => !used.has(c));
}

/** A helpdesk SLA field name for a column: "First reply (min)" -> "sla_first_reply_min". */
export function slaFieldName(column: string, taken: Set<string>): string {
	const base =
		'sla_' +
		(column
			.normalize('NFKD')
			.replace(/[\u0300-\u036f]/g, '')
			.toLowerCase()
			.replace(/[^a-z0-9]+/g, '_')
			.replace(/^_+|_+$/g, '')
			.slice(0, 50) || 'column');
	let name = base;
	for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
	return name;
}

/** Numbers as the import reads them (a decimal comma is fine); else the column is kept as text. */
function allNumbers(values: string[]): boolean {
	return values.every((v) => /^-?\d+([.,]\d+)?$/.test(v));
}

/** The profile to save, or what to fix first. */
export function buildProfile(
	form: MappingForm,
	preview: FilePreview,
	peil: PeilValues
): { profile: MappingProfile; problems: string[] } {
	const problems: string[] = [];
	const fields: MappingProfile['fields'] = {};
	for (const f of preview.fields[form.kind]) {
		const choice = form.fields[form.kind][f.field];
		if (!choice?.column) {
			if (f.required) problems.push(`Choose the column that holds the ${f.label} (required).`);
			continue;
		}
		const spec: MappingProfile['fields'][string] = { column: choice.column };
		if (f.type === 'instant' && choice.format.trim()) spec.format = choice.format.trim();
		if (f.type === 'enum') {
			const set = valueSet(form.kind, f.field, peil);
			const parsed = parseValues(choice.values, f.label, set);
			problems.push(...parsed.problems);
			let map = parsed.map;
			// an empty list on a closed set: the file already writes Peil's values (any case)
			if (!Object.keys(map).length && set)
				map = Object.fromEntries(set.words.map((w) => [w.toLowerCase(), w]));
			if (Object.keys(map).length) {
				spec.map = map;
				const missing = seenValues(preview, choice.column).filter((v) => !(v.toLowerCase() in map));
				if (missing.length)
					problems.push(
						`Values of ${f.label}: the first rows of "${choice.column}" hold ${missing.map((v) => `"${v}"`).join(', ')}, which the list does not name; add ${missing.length === 1 ? 'it' : 'them'} (e.g. ${missing[0]}=${set?.words[0] ?? '…'}) or the import rejects those rows.`
					);
			}
		}
		fields[f.field] = spec;
	}
	if (form.kind === 'tickets') {
		const taken = new Set(Object.keys(fields));
		const free = new Set(unmappedColumns(form, preview));
		for (const column of form.slaColumns.filter((c) => free.has(c))) {
			const name = slaFieldName(column, taken);
			taken.add(name);
			fields[name] = allNumbers(seenValues(preview, column, 1000))
				? { column }
				: { column, type: 'text' };
		}
	}
	const profile: MappingProfile = { name: form.name.trim(), kind: form.kind, fields };
	if (form.label.trim()) profile.label = form.label.trim();
	if (form.zone.trim()) profile.zone = form.zone.trim();
	if (!profile.name) problems.unshift('Give the mapping a name.');
	return { profile, problems };
}

/** What an error answer says: our endpoints answer { error }, SvelteKit's error() { message }. */
export function errorText(status: number, body: string): string {
	try {
		const parsed = JSON.parse(body) as { error?: string; message?: string };
		if (parsed.error || parsed.message) return String(parsed.error ?? parsed.message);
	} catch {
		// not JSON: fall through
	}
	return `The server answered ${status}${body ? `: ${body.slice(0, 300)}` : ''}.`;
}
