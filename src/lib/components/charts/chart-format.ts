/** Number formats shared by the charts: Dutch digits, a space before the percent sign. */

const count = new Intl.NumberFormat('nl-NL');
const oneDecimal = new Intl.NumberFormat('nl-NL', {
	minimumFractionDigits: 1,
	maximumFractionDigits: 1
});
const upToOneDecimal = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 });

/** A count with Dutch digit grouping, e.g. `1.234`. */
export function formatCount(n: number): string {
	return count.format(n);
}

/** A fraction as a percentage with one decimal, e.g. 0.9312 → `93,1 %`. */
export function formatPercent(fraction: number): string {
	return `${oneDecimal.format(fraction * 100)} %`;
}

/** A fraction as a percentage without a trailing `,0`, e.g. 0.9 → `90 %`, 0.955 → `95,5 %`. */
export function formatPercentShort(fraction: number): string {
	return `${upToOneDecimal.format(fraction * 100)} %`;
}

/** A fraction as a bare percentage number for an axis tick, e.g. 0.8 → `80`. */
export function formatPercentTick(fraction: number): string {
	return upToOneDecimal.format(fraction * 100);
}

/** The distance from one band to the next (bar plus gap) of a band scale; 0 for other scales. */
export function bandStep(scale: unknown): number {
	const step = (scale as { step?: () => number }).step;
	return typeof step === 'function' ? step.call(scale) : 0;
}

/**
 * Which band ticks to label so that no two labels overlap: all of them when each label fits its
 * band, else every k-th one (starting with the first). Widths are estimated from the number of
 * characters at the 12px axis font.
 */
export function thinTicks(keys: string[], labels: string[], step: number): string[] {
	const widest = Math.max(0, ...labels.map((l) => l.length));
	const needed = widest * 6.4 + 6;
	if (step <= 0) return keys;
	const every = Math.max(1, Math.ceil(needed / step));
	return keys.filter((_, i) => i % every === 0);
}

/** A fraction as a bare percentage number with one decimal for a bar label, e.g. 0.95 → `95,0`. */
export function formatPercentValue(fraction: number): string {
	return oneDecimal.format(fraction * 100);
}
