/**
 * A calendar document as the editor's textarea shows it: pretty-printed, but with each list of
 * windows on one line (`"mon": [["09:00", "17:00"]]`), as the files under data/calendars are
 * written, so a week reads as seven lines instead of forty.
 */

/** A value whose JSON is short and flat enough to keep on one line. */
function inline(v: unknown): boolean {
	if (v === null || typeof v !== 'object') return true;
	if (!Array.isArray(v)) return false;
	return v.every(
		(x) => x === null || typeof x !== 'object' || (Array.isArray(x) && x.every(inline))
	);
}

function print(v: unknown, indent: string): string {
	if (inline(v))
		return JSON.stringify(v, null, 1).replace(/\n\s*/g, (m, i: number, s: string) =>
			// keep the one-line form readable: a space after commas, none inside brackets
			s[i - 1] === '[' || s[i + m.length] === ']' ? '' : ' '
		);
	const next = indent + '\t';
	if (Array.isArray(v)) return `[\n${v.map((x) => next + print(x, next)).join(',\n')}\n${indent}]`;
	const entries = Object.entries(v as Record<string, unknown>);
	if (!entries.length) return '{}';
	return `{\n${entries.map(([k, x]) => `${next}${JSON.stringify(k)}: ${print(x, next)}`).join(',\n')}\n${indent}}`;
}

/** The document pretty-printed with tabs; window lists stay on one line. */
export function calendarJson(doc: unknown): string {
	return print(doc, '');
}
