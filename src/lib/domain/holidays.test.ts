import { describe, expect, it } from 'vitest';
import { easterSunday, holidaySet, validateNlHolidaySettings } from './holidays.ts';

const dates = (year: number, settings = {}) =>
	holidaySet('NL', year, settings).map((h) => h.date + (h.substitute ? ' (sub.)' : ''));

describe('the NL holiday set', () => {
	// issue 4, "Calendars": "For 2024–2027 that is exactly: …"
	it('is exactly the list of the issue for 2024–2027, substitute days included', () => {
		expect(dates(2024)).toEqual([
			'2024-01-01',
			'2024-04-01',
			'2024-04-27',
			'2024-04-29 (sub.)',
			'2024-05-09',
			'2024-05-20',
			'2024-12-25',
			'2024-12-26'
		]);
		expect(dates(2025)).toEqual([
			'2025-01-01',
			'2025-04-21',
			'2025-04-26',
			'2025-04-28 (sub.)',
			'2025-05-05',
			'2025-05-29',
			'2025-06-09',
			'2025-12-25',
			'2025-12-26'
		]);
		expect(dates(2026)).toEqual([
			'2026-01-01',
			'2026-04-06',
			'2026-04-27',
			'2026-05-14',
			'2026-05-25',
			'2026-12-25',
			'2026-12-26',
			'2026-12-28 (sub.)'
		]);
		expect(dates(2027)).toEqual([
			'2027-01-01',
			'2027-03-29',
			'2027-04-27',
			'2027-05-06',
			'2027-05-17',
			'2027-12-25',
			'2027-12-26',
			'2027-12-27 (sub.)',
			'2027-12-28 (sub.)'
		]);
	});

	it('names the days, substitutes after what they replace', () => {
		const y2025 = holidaySet('NL', 2025);
		expect(y2025.find((h) => h.date === '2025-04-26')).toEqual({
			date: '2025-04-26',
			name: "King's Day",
			substitute: false
		});
		expect(y2025.find((h) => h.date === '2025-04-28')).toEqual({
			date: '2025-04-28',
			name: "Substitute for King's Day",
			substitute: true
		});
		expect(
			holidaySet('NL', 2027)
				.filter((h) => h.substitute)
				.map((h) => h.name)
		).toEqual(['Substitute for Christmas Day', 'Substitute for Boxing Day']);
	});

	it('computes Easter with the anonymous Gregorian algorithm', () => {
		// known Easter Sundays
		expect(easterSunday(2024)).toBe('2024-03-31');
		expect(easterSunday(2025)).toBe('2025-04-20');
		expect(easterSunday(2026)).toBe('2026-04-05');
		expect(easterSunday(2027)).toBe('2027-03-28');
		expect(easterSunday(2038)).toBe('2038-04-25'); // the latest possible date
		expect(easterSunday(2285)).toBe('2285-03-22'); // the earliest possible date
		expect(easterSunday(2000)).toBe('2000-04-23');
	});

	it('Liberation Day: lustrum years by default, every year or never as settings', () => {
		expect(dates(2030)).toContain('2030-05-05');
		expect(dates(2026)).not.toContain('2026-05-05');
		// 2024-05-05 is a Sunday: every year gives it, and a substitute on Monday the 6th
		expect(dates(2024, { liberationDay: 'every-year' })).toEqual(
			expect.arrayContaining(['2024-05-05', '2024-05-06 (sub.)'])
		);
		expect(dates(2025, { liberationDay: 'never' })).not.toContain('2025-05-05');
	});

	it('Good Friday only as a setting; substitute days can be switched off', () => {
		expect(dates(2024)).not.toContain('2024-03-29');
		expect(dates(2024, { goodFriday: true })).toContain('2024-03-29');
		expect(dates(2027, { substituteDays: false })).not.toContain('2027-12-27 (sub.)');
		expect(dates(2027, { substituteDays: false })).toHaveLength(7);
	});

	it("King's Day moves to the 26th when the 27th is a Sunday; Queen's Day before 2014", () => {
		// 2025-04-27 and 2031-04-27 are Sundays
		expect(dates(2031)).toContain('2031-04-26');
		expect(dates(2031)).not.toContain('2031-04-27');
		expect(holidaySet('NL', 2013).find((h) => h.date === '2013-04-30')?.name).toBe("Queen's Day");
	});

	it('a substitute day skips a day that is itself a holiday', () => {
		// 2022-12-25 is a Sunday; Monday the 26th is Boxing Day, itself a holiday, so the
		// substitute for Christmas is Tuesday the 27th
		expect(dates(2022)).toEqual(expect.arrayContaining(['2022-12-26', '2022-12-27 (sub.)']));
	});

	it('validates settings, naming the one that is wrong', () => {
		expect(validateNlHolidaySettings({ goodFriday: true })).toEqual({ goodFriday: true });
		expect(() => validateNlHolidaySettings({ liberationDay: 'sometimes' })).toThrow(
			/^liberationDay: "sometimes" is not one of/
		);
		expect(() => validateNlHolidaySettings({ goodfriday: true })).toThrow(
			/^goodfriday: not a setting/
		);
		expect(() => holidaySet('XX' as 'NL', 2024)).toThrow(/not a holiday set/);
	});
});
