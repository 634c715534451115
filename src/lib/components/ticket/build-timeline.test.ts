import { describe, expect, it } from 'vitest';
import { buildTimeline, parseLocal, shortClosed, TIMELINE_WIDTH } from './build-timeline';
import { parseZone } from '$lib/domain/wall-clock';

const zone = parseZone('Europe/Amsterdam');

/** Friday 09:00 CET to Monday 17:00 CET, with the weekend closed and one pause on Monday. */
const input = {
	zone,
	startedAt: '2024-03-01T08:00:00Z',
	stoppedAt: '2024-03-04T16:00:00Z',
	asOf: '2024-03-10T00:00:00Z',
	dueAt: '2024-03-04T12:00:00Z',
	stopLabel: 'resolved',
	days: [
		{
			date: '2024-03-01',
			windows: [{ from: '2024-03-01 09:00', to: '2024-03-01 17:00', seconds: 28800 }]
		},
		{ date: '2024-03-02', windows: [], closed: 'week' },
		{ date: '2024-03-03', windows: [], closed: 'week' },
		{
			date: '2024-03-04',
			windows: [{ from: '2024-03-04 09:00', to: '2024-03-04 17:00', seconds: 28800 }]
		}
	],
	pauses: [{ from: '2024-03-04T10:00:00Z', to: '2024-03-04T11:00:00Z', seconds: 3600 }]
};

describe('buildTimeline', () => {
	const g = buildTimeline(input);

	it('runs the axis from creation to the stop in wall-clock time', () => {
		const created = g.markers.find((m) => m.kind === 'created');
		const stop = g.markers.find((m) => m.kind === 'stop');
		expect(created?.x).toBe(g.left);
		expect(stop?.x).toBe(g.right);
		expect(stop?.label).toBe('resolved');
		expect(g.markers.some((m) => m.kind === 'as-of')).toBe(false);
		expect(g.width).toBe(TIMELINE_WIDTH);
	});

	it('places counted windows, closed days and pauses in order, inside the plot', () => {
		expect(g.windows).toHaveLength(2);
		expect(g.closed.map((c) => c.short)).toEqual(['weekend', 'weekend']);
		// 2024-03-01 09:00 local is the creation instant (08:00Z in CET)
		expect(g.windows[0].x).toBeCloseTo(g.left, 6);
		expect(g.closed[0].x).toBeGreaterThan(g.windows[0].x + g.windows[0].width);
		expect(g.windows[1].x).toBeGreaterThan(g.closed[1].x);
		expect(g.windows[1].x + g.windows[1].width).toBeCloseTo(g.right, 6);
		const p = g.pauses[0];
		// 10:00Z is 11:00 local: two hours into Monday's window of eight
		expect((p.x - g.windows[1].x) / g.windows[1].width).toBeCloseTo(2 / 8, 6);
		for (const s of [...g.windows, ...g.pauses, ...g.closed]) {
			expect(s.x).toBeGreaterThanOrEqual(g.left);
			expect(s.x + s.width).toBeLessThanOrEqual(g.right + 1e-9);
		}
	});

	it('marks a priority change where it falls, with from and to', () => {
		const h = buildTimeline({
			...input,
			priorityChanges: [
				// Monday 09:00Z = 10:00 local: one hour into Monday's window
				{ at: '2024-03-04T09:00:00Z', from: 'P3', to: 'P1' },
				// before creation: not on the axis
				{ at: '2024-02-01T09:00:00Z', from: 'P4', to: 'P3' }
			]
		});
		const marks = h.markers.filter((m) => m.kind === 'priority');
		expect(marks).toHaveLength(1);
		expect(marks[0].label).toBe('P3 → P1');
		expect((marks[0].x - h.windows[1].x) / h.windows[1].width).toBeCloseTo(1 / 8, 6);
	});

	it('draws the due marker where it falls and the as-of marker while open', () => {
		const due = g.markers.find((m) => m.kind === 'due');
		expect(due && due.x > g.windows[1].x && due.x < g.right).toBe(true);
		const open = buildTimeline({ ...input, stoppedAt: null, asOf: '2024-03-04T16:00:00Z' });
		expect(open.markers.map((m) => m.kind)).toEqual(['created', 'as-of', 'due']);
	});

	it('labels day ticks and reads local text and closed reasons', () => {
		expect(g.ticks.map((t) => t.label)).toEqual(['2/3', '3/3', '4/3']);
		expect(parseLocal('2024-03-04 09:30')).toBe(Date.UTC(2024, 2, 4, 9, 30));
		expect(shortClosed('holiday: Koningsdag')).toBe('holiday');
		expect(shortClosed('substitute: Kerst')).toBe('substitute');
		expect(() => parseLocal('soon')).toThrow(/not a local date/);
	});
});
