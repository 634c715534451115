/** How a clock's verdict and name read on the page: words, never only a colour. */

export const CLOCK_NAMES: Record<string, string> = {
	first_response: 'First response',
	resolution: 'Resolution'
};

/** What the stop of each clock is called on the timeline. */
export const STOP_NAMES: Record<string, string> = {
	first_response: 'first response',
	resolution: 'resolved'
};

/** The verdict as text: met, missed, open within target, open and missed, excluded: reason. */
export function verdictText(verdict: string, excludedReason: string | null): string {
	switch (verdict) {
		case 'met':
			return 'met';
		case 'missed':
			return 'missed';
		case 'open_within':
			return 'open within target';
		case 'open_missed':
			return 'open and missed';
		case 'excluded':
			return `excluded: ${excludedReason ?? 'no reason given'}`;
		default:
			return verdict;
	}
}
