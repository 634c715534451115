/** Words the training pages share. */
export const STATUS_LABELS: Record<string, string> = {
	offered: 'Offered',
	accepted: 'Accepted',
	held: 'Held',
	declined: 'Declined'
};
