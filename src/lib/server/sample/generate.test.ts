import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ACCOUNTS_HEADER,
	EVENTS_HEADER,
	MODEL_TIERS,
	TIME_ENTRIES_HEADER,
	ZENDESK_TICKET_HEADER,
	formatAmsterdam,
	generateSample,
	type GenerateResult
} from './generate';

const N = 2000;

/** The header as Zendesk writes it, spelled out here on purpose (not imported). */
const EXPECTED_ZENDESK_HEADER =
	'Summation column,Id,Requester,Requester id,Requester external id,Requester email,Requester domain,Submitter,Assignee,Group,Subject,Tags,Status,Priority,Via,Ticket type,Created at,Updated at,Assigned at,Organization,Due date,Initially assigned at,Solved at,Resolution time,Satisfaction Score,Group stations,Assignee stations,Reopens,Replies,First reply time in minutes,First reply time in minutes within business hours,First resolution time in minutes,First resolution time in minutes within business hours,Full resolution time in minutes,Full resolution time in minutes within business hours,Agent wait time in minutes,Agent wait time in minutes within business hours,Requester wait time in minutes,Requester wait time in minutes within business hours,On hold time in minutes,On hold time in minutes within business hours,Language [list],Category [list],Submitted priority [list]';

/** Minimal RFC 4180 reader: enough to check what the generator writes. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (quoted) {
			if (ch === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i++;
				} else quoted = false;
			} else field += ch;
		} else if (ch === '"') quoted = true;
		else if (ch === ',') {
			row.push(field);
			field = '';
		} else if (ch === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
		} else field += ch;
	}
	if (field !== '' || row.length > 0) {
		row.push(field);
		rows.push(row);
	}
	return rows;
}

function readTable(path: string): {
	header: string[];
	rows: Record<string, string>[];
	raw: string;
} {
	const raw = readFileSync(path, 'utf8');
	const [header, ...body] = parseCsv(raw);
	return {
		header,
		raw,
		rows: body.map((r) => {
			expect(r.length).toBe(header.length);
			return Object.fromEntries(header.map((h, i) => [h, r[i]]));
		})
	};
}

/** 'YYYY-MM-DD HH:MM:SS' wall-clock strings compare correctly as text. */
const wall = (s: string) => s;

const dirs: string[] = [];
function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'peil-sample-'));
	dirs.push(dir);
	return dir;
}

let a: GenerateResult;
let b: GenerateResult;
let c: GenerateResult;

beforeAll(async () => {
	a = await generateSample({ tickets: N, outDir: tempDir(), seed: 42 });
	b = await generateSample({ tickets: N, outDir: tempDir(), seed: 42 });
	c = await generateSample({ tickets: N, outDir: tempDir(), seed: 43 });
});

afterAll(() => {
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('generateSample', () => {
	it('gives byte-identical files for the same seed', () => {
		for (const key of ['accounts', 'tickets', 'events', 'timeEntries'] as const) {
			expect(readFileSync(b.files[key]).equals(readFileSync(a.files[key])), key).toBe(true);
		}
		expect(b).toMatchObject({ tickets: a.tickets, events: a.events, timeEntries: a.timeEntries });
	});

	it('gives different files for a different seed', () => {
		for (const key of ['tickets', 'events', 'timeEntries'] as const) {
			expect(readFileSync(c.files[key]).equals(readFileSync(a.files[key])), key).toBe(false);
		}
	});

	it('writes the exact Zendesk header and the other headers', () => {
		expect(ZENDESK_TICKET_HEADER).toBe(EXPECTED_ZENDESK_HEADER);
		expect(EXPECTED_ZENDESK_HEADER.split(',')).toHaveLength(44);
		const first = (p: string) => readFileSync(p, 'utf8').split('\n', 1)[0];
		expect(first(a.files.tickets)).toBe(EXPECTED_ZENDESK_HEADER);
		expect(first(a.files.accounts)).toBe(ACCOUNTS_HEADER);
		expect(first(a.files.events)).toBe(EVENTS_HEADER);
		expect(first(a.files.timeEntries)).toBe(TIME_ENTRIES_HEADER);
	});

	it('writes UTF-8 without BOM, \\n line ends, RFC 4180 quoting', () => {
		const raw = readFileSync(a.files.tickets);
		expect(raw.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
		expect(raw.includes('\r')).toBe(false);
		const text = raw.toString('utf8');
		expect(text).toContain('€');
		expect(text).toMatch(/[éëü]/);
		const subjects = readTable(a.files.tickets).rows.map((r) => r.Subject);
		expect(subjects.some((s) => s.includes('\n'))).toBe(true);
		expect(subjects.some((s) => s.includes('"'))).toBe(true);
		expect(subjects.some((s) => s.includes(','))).toBe(true);
	});

	it('has as many rows as the result says', () => {
		expect(a.tickets).toBe(N);
		expect(readTable(a.files.tickets).rows).toHaveLength(a.tickets);
		expect(readTable(a.files.events).rows).toHaveLength(a.events);
		expect(readTable(a.files.timeEntries).rows).toHaveLength(a.timeEntries);
		expect(readTable(a.files.accounts).rows).toHaveLength(a.accounts);
		expect(a.accounts).toBe(20);
	});

	it('keeps ticket times in order and within the as-of instant', () => {
		const asOfLocal = formatAmsterdam(Date.parse(a.asOf) / 1000);
		const { rows } = readTable(a.files.tickets);
		let previousId = 999;
		for (const t of rows) {
			expect(Number(t.Id)).toBe(previousId + 1);
			previousId = Number(t.Id);
			expect(t['Created at']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
			if (t['Solved at']) expect(wall(t['Created at']) < wall(t['Solved at'])).toBe(true);
			expect(wall(t['Updated at']) >= wall(t['Created at'])).toBe(true);
			expect(wall(t['Updated at']) <= asOfLocal).toBe(true);
			const solved = t.Status === 'solved' || t.Status === 'closed';
			expect(solved).toBe(t['Solved at'] !== '');
		}
		const statuses = new Set(rows.map((t) => t.Status));
		expect(statuses.has('closed')).toBe(true);
		expect(statuses.has('open')).toBe(true);
	});

	it('refers only to existing tickets from events and time entries', () => {
		const tickets = new Map(readTable(a.files.tickets).rows.map((t) => [t.Id, t]));
		const events = readTable(a.files.events).rows;
		const withEvents = new Set<string>();
		let previous = '';
		for (const e of events) {
			expect(tickets.has(e.ticket_id), `event for ${e.ticket_id}`).toBe(true);
			expect(e.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
			const key = `${e.ticket_id.padStart(10, '0')} ${e.at}`;
			expect(key >= previous).toBe(true);
			previous = key;
			withEvents.add(e.ticket_id);
		}
		expect(withEvents.size).toBe(tickets.size);

		const entryIds = new Set<string>();
		for (const e of readTable(a.files.timeEntries).rows) {
			const t = tickets.get(e.ticket_id);
			expect(t, `time entry for ${e.ticket_id}`).toBeDefined();
			expect(entryIds.has(e.entry_id)).toBe(false);
			entryIds.add(e.entry_id);
			const minutes = Number(e.minutes);
			expect(minutes >= 5 && minutes <= 240).toBe(true);
			const started = formatAmsterdam(Date.parse(e.started_at) / 1000);
			expect(started >= t!['Created at']).toBe(true);
			if (t!['Solved at']) expect(started <= t!['Solved at']).toBe(true);
		}
	});

	it('matches the first agent reply to "First reply time in minutes"', () => {
		const firstReply = new Map<string, string>();
		for (const e of readTable(a.files.events).rows) {
			if (e.kind === 'reply' && e.to !== 'auto' && !firstReply.has(e.ticket_id))
				firstReply.set(e.ticket_id, e.at);
		}
		for (const t of readTable(a.files.tickets).rows) {
			const at = firstReply.get(t.Id);
			if (!at) {
				expect(t['First reply time in minutes']).toBe('');
				continue;
			}
			// Created at is Amsterdam wall-clock time: find the instant by matching our formatter.
			const replyLocal = formatAmsterdam(Date.parse(at) / 1000);
			expect(replyLocal >= t['Created at']).toBe(true);
			expect(Number(t['First reply time in minutes'])).toBeGreaterThanOrEqual(0);
		}
	});

	it('gives every account tiers that belong to its policy', () => {
		const { rows } = readTable(a.files.accounts);
		const policies = new Set(rows.map((r) => r.policy));
		expect([...policies].sort()).toEqual(['model-a', 'model-b']);
		for (const acc of rows) {
			expect(acc.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
			const allowed: readonly string[] = MODEL_TIERS[acc.policy as keyof typeof MODEL_TIERS];
			const history = acc.tiers.split(';').map((p) => p.split('='));
			expect(history[0][0]).toBe('2024-11-01');
			for (const [date, tier] of history) {
				expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
				expect(allowed).toContain(tier);
			}
		}
		const changed = rows.filter((r) => r.tiers.includes(';'));
		expect(changed.length).toBeGreaterThanOrEqual(4);
		const midMonthDowngrade = changed.some((r) => {
			const order: readonly string[] = MODEL_TIERS[r.policy as keyof typeof MODEL_TIERS];
			const history = r.tiers.split(';').map((p) => p.split('='));
			return history.some(
				([date, tier], i) =>
					i > 0 && !date.endsWith('-01') && order.indexOf(tier) < order.indexOf(history[i - 1][1])
			);
		});
		expect(midMonthDowngrade).toBe(true);
		expect(rows.some((r) => r.arrears.endsWith('..'))).toBe(true);
	});

	it('writes only tickets.csv when asked to', async () => {
		const dir = tempDir();
		const r = await generateSample({ tickets: 300, outDir: dir, seed: 42, ticketsOnly: true });
		expect(r.files.events).toBe('');
		const full = await generateSample({ tickets: 300, outDir: tempDir(), seed: 42 });
		expect(readFileSync(r.files.tickets).equals(readFileSync(full.files.tickets))).toBe(true);
	});
});

describe('formatAmsterdam', () => {
	it('agrees with Intl around the DST changes', () => {
		const intl = new Intl.DateTimeFormat('sv-SE', {
			timeZone: 'Europe/Amsterdam',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			hourCycle: 'h23'
		});
		const changes = [
			'2024-10-27T01:00:00Z',
			'2025-03-30T01:00:00Z',
			'2025-10-26T01:00:00Z',
			'2026-03-29T01:00:00Z',
			'2026-10-25T01:00:00Z'
		];
		for (const change of changes) {
			const t0 = Date.parse(change) / 1000;
			for (let d = -7200; d <= 7200; d += 599) {
				expect(formatAmsterdam(t0 + d)).toBe(intl.format((t0 + d) * 1000));
			}
		}
		// and a spread of instants over the years
		for (
			let t = Date.parse('2024-01-01T00:00:00Z') / 1000;
			t < Date.parse('2027-01-01T00:00:00Z') / 1000;
			t += 86400 * 3 + 3779
		) {
			expect(formatAmsterdam(t)).toBe(intl.format(t * 1000));
		}
	});
});
