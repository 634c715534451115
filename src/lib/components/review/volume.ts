/** The splits of the review's volume section, in the order the page and the download show them. */
export type VolumeDimension = 'priority' | 'type' | 'category' | 'channel' | 'language';

export const VOLUME_DIMENSIONS: { key: VolumeDimension; label: string }[] = [
	{ key: 'priority', label: 'Priority' },
	{ key: 'type', label: 'Type' },
	{ key: 'category', label: 'Category' },
	{ key: 'channel', label: 'Channel' },
	{ key: 'language', label: 'Language' }
];
