import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from './policy.ts';

const read = (f: string) => JSON.parse(fs.readFileSync(`data/policies/${f}`, 'utf8'));

describe('parsePolicy', () => {
	it('accepts the two built-in models, with R11 targets for model A', () => {
		const a = parsePolicy(read('model-a.json'));
		expect(a.clocks.first_response?.targetHours.Premium).toEqual({ P1: 1, P2: 2, P3: 6, P4: 12 });
		expect(a.clocks.resolution).toBeNull();
		const b = parsePolicy(read('model-b.json'));
		expect(b.clocks.resolution?.example).toBe(true);
		expect(b.settings.downgradeTakesEffect.value).toBe('immediately');
	});

	it('names the field at fault', () => {
		const a = read('model-a.json');
		a.clocks.first_response.targetHours.Premium.P5 = 1;
		expect(() => parsePolicy(a)).toThrow(
			'clocks.first_response.targetHours.Premium.P5: is not a priority P1–P4'
		);
		const b = read('model-b.json');
		b.settings.reopen.value = 'sometimes';
		expect(() => parsePolicy(b)).toThrow('settings.reopen.value: must be one of resume, new-cycle');
		const c = read('model-b.json');
		c.calendars.choose[0].when.tiers = ['Platina'];
		expect(() => parsePolicy(c)).toThrow(
			'calendars.choose[0].when.tiers: "Platina" is not a tier of this policy'
		);
	});
});
