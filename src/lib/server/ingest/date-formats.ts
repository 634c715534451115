/**
 * Date formats in profiles. Users write what their spreadsheet shows ("dd-mm-yyyy HH:mm");
 * DuckDB's strptime wants "%d-%m-%Y %H:%M". Both are accepted: a format with a '%' is taken as
 * strptime already; otherwise tokens are translated. In the friendly form `MM` is the month and
 * `mm` the minutes, except that a lone `mm` in the date part (before any hour token) is read as
 * the month too, since that is how people write "dd-mm-yyyy".
 */

const TOKENS: [RegExp, string | ((seenHour: boolean) => string)][] = [
	[/^yyyy/, '%Y'],
	[/^yy/, '%y'],
	[/^MMMM/, '%B'],
	[/^MMM/, '%b'],
	[/^MM/, '%m'],
	[/^M/, '%-m'],
	[/^dd/, '%d'],
	[/^d/, '%-d'],
	[/^HH/, '%H'],
	[/^H/, '%-H'],
	[/^hh/, '%I'],
	[/^h/, '%-I'],
	[/^mm/, (seenHour) => (seenHour ? '%M' : '%m')],
	[/^ss/, '%S'],
	[/^(SSSSSS|SSS|fff)/, '%g'],
	[/^(tt|a|A)/, '%p'],
	[/^(XXX|ZZ|Z|xxx)/, '%z']
];

export function toStrptime(format: string): string {
	if (format.includes('%')) return format;
	let out = '';
	let seenHour = false;
	let rest = format;
	while (rest.length) {
		let matched = false;
		for (const [re, rep] of TOKENS) {
			const m = re.exec(rest);
			if (!m) continue;
			const r = typeof rep === 'string' ? rep : rep(seenHour);
			if (/%-?[HI]/.test(r)) seenHour = true;
			out += r;
			rest = rest.slice(m[0].length);
			matched = true;
			break;
		}
		if (!matched) {
			out += rest[0] === '%' ? '%%' : rest[0];
			rest = rest.slice(1);
		}
	}
	return out;
}

/** What a person reads in an error: the format as they wrote it (or a readable form of strptime). */
export function describeFormats(formats: string[]): string {
	return formats.join(' or ');
}

/** Formats tried when a profile names none: ISO 8601 with or without offset, and Excel's ISO-ish. */
export const DEFAULT_INSTANT_FORMATS = [
	'%Y-%m-%dT%H:%M:%S%z',
	'%Y-%m-%dT%H:%M:%S.%g%z',
	'%Y-%m-%dT%H:%M:%S.%f%z',
	'%Y-%m-%d %H:%M:%S%z',
	'%Y-%m-%d %H:%M:%S %z',
	'%Y-%m-%dT%H:%M:%S',
	'%Y-%m-%dT%H:%M:%S.%g',
	'%Y-%m-%dT%H:%M:%S.%f',
	'%Y-%m-%d %H:%M:%S',
	'%Y-%m-%d %H:%M:%S.%g',
	'%Y-%m-%d %H:%M',
	'%Y-%m-%dT%H:%M'
];

export function hasOffset(strptime: string): boolean {
	return strptime.includes('%z') || strptime.includes('%Z');
}
