/**
 * The geometry of one clock's SLA timeline: where on a horizontal axis the counted windows, the
 * pauses, the closed days and the markers (created, stop, due) fall. Pure, so the server renders
 * the SVG with no chart library and this file is tested alone.
 *
 * The axis runs in the calendar's wall-clock time (LocalMs: the local reading as if it were UTC),
 * because the explanation gives the counted windows as local `yyyy-mm-dd HH:mm` text. Instants
 * (created, pauses, stop, due) are turned into the same wall-clock reading with the one rule in
 * `$lib/domain/wall-clock`, never through a JS Date in the host's zone.
 */
import { instantToWallClock, type ZoneSpec } from '$lib/domain/wall-clock';

/** What the timeline needs of one clock's explanation. */
export interface TimelineInput {
	/** the calendar's zone (the one the windows' local text is in) */
	zone: ZoneSpec;
	/** the clock's start (creation), ISO instant */
	startedAt: string;
	/** the stop, ISO instant; null while open */
	stoppedAt: string | null;
	/** the as-of instant, the end of the axis while the clock is open */
	asOf: string | null;
	/** the due instant, when there is one */
	dueAt: string | null;
	/** what the stop is called on this clock: "first response", "resolved" */
	stopLabel: string;
	days: {
		date: string;
		windows: { from: string; to: string; seconds: number }[];
		closed?: string;
	}[];
	pauses: { from: string; to: string; seconds: number }[];
	/** priority changes (ISO instants), drawn as markers where they fall on the axis */
	priorityChanges?: { at: string; from: string | null; to: string | null }[];
}

export interface TimelineSpan {
	x: number;
	width: number;
	/** a text for the span's tooltip and screen readers */
	label: string;
}

export interface TimelineClosedDay extends TimelineSpan {
	/** the short text drawn in the band: "weekend", "holiday", "substitute" */
	short: string;
}

export interface TimelineMarker {
	x: number;
	kind: 'created' | 'stop' | 'as-of' | 'due' | 'priority';
	label: string;
}

export interface TimelineGeometry {
	width: number;
	height: number;
	/** the plot area's horizontal bounds */
	left: number;
	right: number;
	/** lane tops and heights */
	lanes: { counted: number; paused: number; height: number; markers: number };
	windows: TimelineSpan[];
	pauses: TimelineSpan[];
	closed: TimelineClosedDay[];
	ticks: { x: number; label: string }[];
	markers: TimelineMarker[];
}

const DAY = 86_400_000;
export const TIMELINE_WIDTH = 960;
const LEFT = 90;
const RIGHT = TIMELINE_WIDTH - 20;

/** `yyyy-mm-dd HH:mm` (or a plain date) as LocalMs. */
export function parseLocal(text: string): number {
	const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(text);
	if (!m) throw new RangeError(`"${text}" is not a local date and time`);
	return Date.UTC(+m[1], +m[2] - 1, +m[3], Number(m[4] ?? 0), Number(m[5] ?? 0));
}

function localOf(iso: string, zone: ZoneSpec): number {
	return instantToWallClock(Date.parse(iso), zone);
}

/** What a closed day's reason is called in the band ("weekend" for a week without hours). */
export function shortClosed(reason: string): string {
	const r = reason.split(':')[0].trim();
	if (r === 'week') return 'weekend';
	if (r === 'holiday-set') return 'holiday';
	return r;
}

function dayLabel(ms: number): string {
	const d = new Date(ms);
	return `${d.getUTCDate()}/${d.getUTCMonth() + 1}`;
}

export function buildTimeline(input: TimelineInput): TimelineGeometry {
	const start = localOf(input.startedAt, input.zone);
	const endIso = input.stoppedAt ?? input.asOf ?? input.startedAt;
	const end = localOf(endIso, input.zone);
	const due = input.dueAt ? localOf(input.dueAt, input.zone) : null;
	const from = start;
	// the axis reaches the due instant too when it is not far beyond the end, so it is seen
	const to = Math.max(end, due !== null && due - end < 3 * DAY ? due : end, from + 3_600_000);
	const scale = (ms: number) =>
		LEFT + ((Math.min(Math.max(ms, from), to) - from) / (to - from)) * (RIGHT - LEFT);
	const span = (a: number, b: number, label: string): TimelineSpan => {
		const x = scale(a);
		return { x, width: Math.max(scale(b) - x, 1), label };
	};

	const windows: TimelineSpan[] = [];
	const closed: TimelineClosedDay[] = [];
	for (const d of input.days) {
		for (const w of d.windows)
			windows.push(
				span(parseLocal(w.from), parseLocal(w.to), `counted ${w.from} to ${w.to.slice(11)}`)
			);
		if (d.closed) {
			const a = parseLocal(d.date);
			if (a + DAY <= from || a >= to) continue;
			closed.push({
				...span(a, a + DAY, `closed ${d.date}: ${d.closed}`),
				short: shortClosed(d.closed)
			});
		}
	}
	const pauses = input.pauses.map((p) =>
		span(localOf(p.from, input.zone), localOf(p.to, input.zone), `paused from ${p.from} to ${p.to}`)
	);

	const ticks: { x: number; label: string }[] = [];
	const days = Math.ceil((to - from) / DAY) + 1;
	const every = Math.max(1, Math.ceil(days / 12));
	const first = Math.floor(from / DAY) * DAY + DAY;
	for (let t = first, i = 0; t < to; t += DAY, i++)
		if (i % every === 0) ticks.push({ x: scale(t), label: dayLabel(t) });

	const markers: TimelineMarker[] = [{ x: scale(start), kind: 'created', label: 'created' }];
	markers.push(
		input.stoppedAt
			? { x: scale(end), kind: 'stop', label: input.stopLabel }
			: { x: scale(end), kind: 'as-of', label: 'as of' }
	);
	if (due !== null && due <= to) markers.push({ x: scale(due), kind: 'due', label: 'due' });
	for (const c of input.priorityChanges ?? []) {
		const at = localOf(c.at, input.zone);
		if (at < from || at > to) continue;
		markers.push({
			x: scale(at),
			kind: 'priority',
			label: `${c.from ?? '—'} → ${c.to ?? '—'}`
		});
	}

	return {
		width: TIMELINE_WIDTH,
		height: 150,
		left: LEFT,
		right: RIGHT,
		lanes: { counted: 34, paused: 70, height: 26, markers: 120 },
		windows,
		pauses,
		closed,
		ticks,
		markers
	};
}
