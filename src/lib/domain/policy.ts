/**
 * A policy: one provider's service description as data (PRODUCT.md R1–R28). Versioned in the
 * store; the files under data/policies are built-in examples loaded on first start.
 *
 * Every setting carries the rule it implements and whether the contract says it ("contract") or
 * it is Peil's reading where the contract is silent ("default"), so an explanation can name the
 * setting that decided a verdict and say which of the two it is.
 */

export type SettingKind = 'contract' | 'default';

export interface Setting<T> {
	value: T;
	kind: SettingKind;
	rule?: string;
	doc?: string;
	options?: string[];
}

export interface Clock {
	rule?: string;
	kind: SettingKind;
	/** targets marked as examples (model B gives no numbers) */
	example?: boolean;
	doc?: string;
	/** tier -> priority -> business hours */
	targetHours: Record<string, Record<string, number>>;
}

export interface CalendarChoice {
	when: { tiers?: string[]; language?: string; priorities?: string[] };
	calendar: string;
	kind: SettingKind;
	rule?: string;
	why: string;
}

export interface Policy {
	id: string;
	name: string;
	effectiveFrom: string;
	tiers: { name: string; rank: number; note?: string }[];
	clocks: { first_response: Clock | null; resolution: Clock | null };
	calendars: { rule?: string; choose: CalendarChoice[] };
	settings: Record<string, Setting<unknown>>;
}

export const CLOCKS = ['first_response', 'resolution'] as const;
export type ClockName = (typeof CLOCKS)[number];

/** The settings every policy has, with the values allowed. */
export const REQUIRED_SETTINGS: Record<string, string[] | null> = {
	downgradeTakesEffect: ['immediately', 'next-month'],
	excludedTypes: null,
	firstResponse: null,
	measuredPriority: ['final-from-creation', 'restart-at-change'],
	pauseStatuses: null,
	reopen: ['resume', 'new-cycle'],
	closedWithoutResponse: ['exclude', 'missed']
};

const PRIORITY = /^P[1-4]$/;

/** Validate a policy document; throws an Error naming the field at fault. */
export function parsePolicy(json: unknown): Policy {
	const fail = (field: string, msg: string): never => {
		throw new Error(`${field}: ${msg}`);
	};
	if (!json || typeof json !== 'object') fail('policy', 'must be a JSON object');
	const p = json as Partial<Policy>;
	if (typeof p.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(p.id))
		fail('id', 'lower-case letters, digits and dashes');
	if (typeof p.name !== 'string' || !p.name.trim()) fail('name', 'is empty');
	if (typeof p.effectiveFrom !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(p.effectiveFrom))
		fail('effectiveFrom', 'is not a date (yyyy-mm-dd)');
	if (!Array.isArray(p.tiers) || !p.tiers.length) fail('tiers', 'a policy needs at least one tier');
	const tierNames = new Set<string>();
	p.tiers!.forEach((t, i) => {
		if (!t || typeof t.name !== 'string' || !t.name) fail(`tiers[${i}].name`, 'is empty');
		if (typeof t.rank !== 'number') fail(`tiers[${i}].rank`, 'is not a number');
		if (tierNames.has(t.name)) fail(`tiers[${i}].name`, `"${t.name}" appears twice`);
		tierNames.add(t.name);
	});
	if (!p.clocks || typeof p.clocks !== 'object') fail('clocks', 'is missing');
	for (const c of CLOCKS) {
		const clock = p.clocks![c];
		if (clock === null || clock === undefined) continue;
		for (const tier of tierNames) {
			const row = clock.targetHours?.[tier];
			if (!row) fail(`clocks.${c}.targetHours.${tier}`, 'has no targets for this tier');
			for (const [prio, h] of Object.entries(row!)) {
				if (!PRIORITY.test(prio))
					fail(`clocks.${c}.targetHours.${tier}.${prio}`, 'is not a priority P1–P4');
				if (typeof h !== 'number' || !(h > 0))
					fail(`clocks.${c}.targetHours.${tier}.${prio}`, 'must be a positive number of hours');
			}
		}
	}
	if (!p.clocks!.first_response && !p.clocks!.resolution)
		fail('clocks', 'a policy needs a first_response or a resolution clock');
	if (!p.calendars || !Array.isArray(p.calendars.choose) || !p.calendars.choose.length)
		fail('calendars.choose', 'needs at least one calendar rule');
	p.calendars!.choose.forEach((c, i) => {
		if (typeof c.calendar !== 'string' || !c.calendar)
			fail(`calendars.choose[${i}].calendar`, 'is empty');
		for (const t of c.when?.tiers ?? [])
			if (!tierNames.has(t))
				fail(`calendars.choose[${i}].when.tiers`, `"${t}" is not a tier of this policy`);
	});
	const last = p.calendars!.choose[p.calendars!.choose.length - 1];
	if (Object.keys(last.when ?? {}).length)
		fail('calendars.choose', 'the last rule must apply to every ticket (an empty "when")');
	if (!p.settings || typeof p.settings !== 'object') fail('settings', 'is missing');
	for (const [name, allowed] of Object.entries(REQUIRED_SETTINGS)) {
		const s = p.settings![name];
		if (!s || !('value' in s)) fail(`settings.${name}`, 'is missing');
		if (s.kind !== 'contract' && s.kind !== 'default')
			fail(`settings.${name}.kind`, 'must be "contract" or "default"');
		if (allowed && !allowed.includes(String(s.value)))
			fail(`settings.${name}.value`, `must be one of ${allowed.join(', ')}`);
	}
	const goal = p.settings!.attainmentGoal;
	if (goal !== undefined) {
		const v = goal.value;
		if (typeof v !== 'number' || !(v > 0 && v <= 1))
			fail(
				'settings.attainmentGoal.value',
				'must be a fraction above 0 and at most 1 (0.9 = 90 %)'
			);
	}
	return p as Policy;
}
