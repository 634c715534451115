/** Amounts in cents shown as Dutch money, e.g. 712500 → "€ 7.125,00". */
const formats = new Map<string, Intl.NumberFormat>();

export function formatMoney(cents: number | null | undefined, currency = 'EUR'): string {
	if (cents === null || cents === undefined || Number.isNaN(cents)) return '—';
	let f = formats.get(currency);
	if (!f) {
		f = new Intl.NumberFormat('nl-NL', { style: 'currency', currency });
		formats.set(currency, f);
	}
	return f.format(cents / 100);
}

/** Minutes as hours with two decimals, e.g. 45 → "0,75". */
export function formatHoursOf(minutes: number): string {
	return new Intl.NumberFormat('nl-NL', {
		minimumFractionDigits: 2,
		maximumFractionDigits: 2
	}).format(minutes / 60);
}
