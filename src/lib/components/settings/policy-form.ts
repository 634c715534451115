/**
 * The policy editor's form (/settings/policies/[id]) as pure functions, shared by the page and
 * its form actions: which fields a policy has (one target per clock, tier and priority; one input
 * per setting), their text as the form shows it, and the changes a submitted form makes.
 *
 * A field's name is the dotted path `withChange` takes (`clocks.first_response.targetHours.
 * Standard.P1`, `settings.pauseStatuses.value`), so the action applies a field as it is named.
 * A value the form cannot read (an empty or non-numeric target) is passed on as it is, and the
 * policy's own validation refuses it with a message naming the field.
 *
 * No server imports: this module runs in the browser too.
 */
import { CLOCKS, type ClockName, type Policy, type Setting } from '$lib/domain/policy';

/** How a setting is edited: a choice, a comma-separated list, a checkbox, a number, free text. */
export type SettingInput = 'select' | 'list' | 'checkbox' | 'number' | 'text';

export interface PolicyField {
	/** the form field's name and the path withChange takes */
	path: string;
	/** what a person reads: "First response target, Standard P1", "pauseStatuses" */
	label: string;
	input: 'hours' | SettingInput;
	/** the value in the current version */
	current: unknown;
}

/** A field whose submitted value differs from the current version. */
export interface FieldChange {
	path: string;
	label: string;
	input: PolicyField['input'];
	before: unknown;
	after: unknown;
}

export const CLOCK_LABELS: Record<ClockName, string> = {
	first_response: 'First response',
	resolution: 'Resolution'
};

export function targetPath(clock: ClockName, tier: string, priority: string): string {
	return `clocks.${clock}.targetHours.${tier}.${priority}`;
}

export function settingPath(name: string): string {
	return `settings.${name}.value`;
}

/** The input a setting gets; null for a value the form cannot edit (an object, a mixed list). */
export function settingInput(s: Setting<unknown>): SettingInput | null {
	if (Array.isArray(s.options) && s.options.length) return 'select';
	if (Array.isArray(s.value)) return s.value.every((v) => typeof v === 'string') ? 'list' : null;
	switch (typeof s.value) {
		case 'boolean':
			return 'checkbox';
		case 'number':
			return 'number';
		case 'string':
			return 'text';
		default:
			return null;
	}
}

/** Every editable field of a policy, targets first (clock, tier, priority), then the settings. */
export function policyFields(p: Policy): PolicyField[] {
	const fields: PolicyField[] = [];
	for (const clock of CLOCKS) {
		const c = p.clocks[clock];
		if (!c) continue;
		for (const [tier, row] of Object.entries(c.targetHours))
			for (const [priority, hours] of Object.entries(row))
				fields.push({
					path: targetPath(clock, tier, priority),
					label: `${CLOCK_LABELS[clock]} target, ${tier} ${priority}`,
					input: 'hours',
					current: hours
				});
	}
	for (const [name, s] of Object.entries(p.settings)) {
		const input = settingInput(s);
		if (input) fields.push({ path: settingPath(name), label: name, input, current: s.value });
	}
	return fields;
}

/** A value as the form's input holds it: lists comma-separated, booleans "true"/"false". */
export function fieldText(input: PolicyField['input'], value: unknown): string {
	if (Array.isArray(value)) return value.join(', ');
	if (input === 'checkbox') return value === true ? 'true' : 'false';
	return value === null || value === undefined ? '' : String(value);
}

/** The form's text for the current version: path -> text. */
export function policyFormValues(p: Policy): Record<string, string> {
	return Object.fromEntries(policyFields(p).map((f) => [f.path, fieldText(f.input, f.current)]));
}

function parseField(input: PolicyField['input'], raw: string): unknown {
	const text = raw.trim();
	switch (input) {
		case 'hours':
		case 'number':
			// an empty field stays empty (null), so the validation says it needs a number
			return text === '' ? null : Number(text.replace(',', '.'));
		case 'list':
			return text
				.split(',')
				.map((x) => x.trim())
				.filter(Boolean);
		case 'checkbox':
			return text === 'true';
		default:
			return text;
	}
}

/**
 * Read a submitted form against the current version: what was entered (to show again when the
 * change is refused) and the fields that differ. A checkbox that is not sent is unchecked.
 */
export function readPolicyForm(
	p: Policy,
	form: Pick<FormData, 'get' | 'has'>
): { values: Record<string, string>; changes: FieldChange[] } {
	const values: Record<string, string> = {};
	const changes: FieldChange[] = [];
	for (const f of policyFields(p)) {
		const raw =
			f.input === 'checkbox'
				? form.has(f.path)
					? 'true'
					: 'false'
				: String(form.get(f.path) ?? fieldText(f.input, f.current));
		values[f.path] = raw;
		const after = parseField(f.input, raw);
		if (JSON.stringify(after) !== JSON.stringify(f.current))
			changes.push({ path: f.path, label: f.label, input: f.input, before: f.current, after });
	}
	return { values, changes };
}

/** A value for reading: "4 h", "pending, on-hold", "yes"/"no", "(none)". */
export function formatFieldValue(input: PolicyField['input'], value: unknown): string {
	if (input === 'hours')
		return typeof value === 'number' && Number.isFinite(value) ? `${formatHours(value)} h` : '—';
	if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
	if (typeof value === 'boolean') return value ? 'yes' : 'no';
	return value === null || value === undefined || value === '' ? '—' : String(value);
}

/** Hours with at most two decimals and no trailing zeros: 2, 1.5, 0.25. */
export function formatHours(hours: number): string {
	return String(Math.round(hours * 100) / 100);
}

/** The path of the field an error message starts with ("settings.reopen.value: must be …"). */
export function fieldOfError(p: Policy, message: string): string | null {
	return policyFields(p).find((f) => message.startsWith(`${f.path}:`))?.path ?? null;
}

/**
 * The first day of the month after `now`'s month in `timeZone` (the default effective date of a
 * change: contracts change from a month's start, and a month already begun keeps its figures).
 */
export function firstOfNextMonth(now: Date, timeZone = 'Europe/Amsterdam'): string {
	const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' })
		.formatToParts(now)
		.reduce<Record<string, string>>((o, x) => ((o[x.type] = x.value), o), {});
	const y = Number(parts.year);
	const m = Number(parts.month); // 1–12; the next month is m + 1
	return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}
