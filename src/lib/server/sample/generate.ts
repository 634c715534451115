/**
 * Deterministic sample data: a Zendesk ticket CSV export plus Peil's own account, status-history
 * and time-entry files, for demos, tests and benchmarks.
 *
 * Contract:
 *  - The same options (seed, from, asOf, tickets) give byte-identical files on any machine: a
 *    seeded mulberry32 PRNG drives every choice; no Math.random, no Date.now, and no dependence on
 *    the host's time zone (all calendar arithmetic is done on epoch seconds with an explicit
 *    Europe/Amsterdam DST rule, never through a JS Date in local time).
 *  - Files are streamed (write batches, honour backpressure), so a million tickets need bounded
 *    memory: tickets are generated day by day in creation order, and each ticket's events and time
 *    entries are written right after it (hence sorted by ticket id, then time).
 *  - Every ticket is simulated as a full timeline (creation, replies, pauses, escalations,
 *    solve, reopen, close) and then cut at the as-of instant: the status, the metric columns and
 *    the events all come from the same timeline, so they agree with each other. Recent tickets
 *    are therefore naturally still new/open/pending/on hold.
 *  - The Zendesk business-minute columns are the helpdesk's own claim, computed on a simple
 *    schedule without holidays or language hours (model A Mon–Fri 09:00–17:00, model B
 *    08:30–17:30), while the simulated staff work by the contract's calendars (holidays closed,
 *    English hours for Enhanced/Premium, 24/7 on-call): Peil's recomputation differs from the
 *    export exactly where a real helpdesk's configuration would differ from the contract.
 *
 * Relative imports only: scripts/generate.ts runs this file with tsx outside Vite.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { holidaySet } from '../../domain/holidays.ts';
import { join } from 'node:path';

export interface GenerateOptions {
	tickets: number;
	outDir: string;
	seed?: number;
	/** ISO date, default '2024-11-01': first creation day (Europe/Amsterdam) and first tier date. */
	from?: string;
	/** ISO instant, default '2026-11-20T16:00:00Z': nothing happens after it. */
	asOf?: string;
	/** Write only tickets.csv (benchmarks); the other file names are '' and their counts 0. */
	ticketsOnly?: boolean;
	onProgress?: (done: number, total: number) => void;
}

export interface GenerateResult {
	files: { accounts: string; tickets: string; events: string; timeEntries: string };
	tickets: number;
	events: number;
	timeEntries: number;
	accounts: number;
	asOf: string;
}

export const ZENDESK_TICKET_HEADER =
	'Summation column,Id,Requester,Requester id,Requester external id,Requester email,Requester domain,Submitter,Assignee,Group,Subject,Tags,Status,Priority,Via,Ticket type,Created at,Updated at,Assigned at,Organization,Due date,Initially assigned at,Solved at,Resolution time,Satisfaction Score,Group stations,Assignee stations,Reopens,Replies,First reply time in minutes,First reply time in minutes within business hours,First resolution time in minutes,First resolution time in minutes within business hours,Full resolution time in minutes,Full resolution time in minutes within business hours,Agent wait time in minutes,Agent wait time in minutes within business hours,Requester wait time in minutes,Requester wait time in minutes within business hours,On hold time in minutes,On hold time in minutes within business hours,Language [list],Category [list],Submitted priority [list]';
export const ACCOUNTS_HEADER =
	'id,name,policy,tiers,csm,account_manager,time_zone,default_language,aliases,contacts,arrears';
export const EVENTS_HEADER = 'ticket_id,at,kind,from,to,actor';
export const TIME_ENTRIES_HEADER =
	'entry_id,ticket_id,started_at,minutes,work_type,billable,on_site,order_reference,agent';

export const MODEL_TIERS = {
	'model-a': ['Standard', 'Enhanced', 'Premium'],
	'model-b': ['Brons', 'Zilver', 'Goud']
} as const;

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: tiny, fast, good enough for sample data; state is one 32-bit integer. */
function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

class Rng {
	readonly next: () => number;
	constructor(seed: number) {
		this.next = mulberry32(seed);
	}
	/** Integer in [a, b], both inclusive. */
	int(a: number, b: number): number {
		return a + Math.floor(this.next() * (b - a + 1));
	}
	chance(p: number): boolean {
		return this.next() < p;
	}
	pick<T>(xs: readonly T[]): T {
		return xs[Math.floor(this.next() * xs.length)];
	}
	/** Index chosen by weights (need not sum to 1). */
	weighted(weights: readonly number[]): number {
		let total = 0;
		for (const w of weights) total += w;
		let u = this.next() * total;
		for (let i = 0; i < weights.length; i++) {
			u -= weights[i];
			if (u < 0) return i;
		}
		return weights.length - 1;
	}
	/** Log-normal with the given median and sigma (of the underlying normal). */
	logNormal(median: number, sigma: number): number {
		const u1 = this.next() || 1e-12;
		const u2 = this.next();
		const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
		return median * Math.exp(sigma * z);
	}
}

// ---------------------------------------------------------------------------------------------
// Time: epoch seconds; "local" means Europe/Amsterdam wall-clock seconds since 1970-01-01 00:00.

const DAY = 86400;
const P2: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' + i : String(i)));

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
	y -= m <= 2 ? 1 : 0;
	const era = Math.floor(y / 400);
	const yoe = y - era * 400;
	const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
	const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
	return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil, packed as y * 10000 + m * 100 + d to avoid allocations. */
function civilFromDays(z: number): number {
	z += 719468;
	const era = Math.floor(z / 146097);
	const doe = z - era * 146097;
	const yoe = Math.floor(
		(doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365
	);
	const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
	const mp = Math.floor((5 * doy + 2) / 153);
	const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
	const m = mp < 10 ? mp + 3 : mp - 9;
	const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
	return y * 10000 + m * 100 + d;
}

/** 0 = Sunday … 6 = Saturday. */
function weekday(day: number): number {
	return (((day + 4) % 7) + 7) % 7;
}

// EU rule (in force since 1996): summer time from the last Sunday of March 01:00 UTC to the last
// Sunday of October 01:00 UTC. Europe/Amsterdam is UTC+1 / UTC+2 under it.
const DST_FIRST_YEAR = 1970;
const DST_LAST_YEAR = 2200;
const dstStart = new Float64Array(DST_LAST_YEAR - DST_FIRST_YEAR + 1);
const dstEnd = new Float64Array(DST_LAST_YEAR - DST_FIRST_YEAR + 1);
for (let y = DST_FIRST_YEAR; y <= DST_LAST_YEAR; y++) {
	const mar31 = daysFromCivil(y, 3, 31);
	const oct31 = daysFromCivil(y, 10, 31);
	dstStart[y - DST_FIRST_YEAR] = (mar31 - weekday(mar31)) * DAY + 3600;
	dstEnd[y - DST_FIRST_YEAR] = (oct31 - weekday(oct31)) * DAY + 3600;
}

/** Amsterdam's UTC offset in seconds at instant t (epoch seconds). */
function amsOffset(t: number): number {
	// An approximate year is enough: the transitions are months away from any new year.
	const yi = Math.floor(t / 31556952) + 1970 - DST_FIRST_YEAR;
	if (yi < 0 || yi >= dstStart.length) return 3600;
	return t >= dstStart[yi] && t < dstEnd[yi] ? 7200 : 3600;
}

function toLocal(t: number): number {
	return t + amsOffset(t);
}

/** Local wall-clock seconds to an instant: ambiguous times take the later instant, gap times move forward. */
function fromLocal(l: number): number {
	const winter = l - 3600;
	if (amsOffset(winter) === 7200) {
		const summer = l - 7200;
		if (amsOffset(summer) === 7200) return summer;
	}
	return winter;
}

function fmtDateTime(l: number, sep: string, suffix: string): string {
	l = Math.floor(l);
	const z = Math.floor(l / DAY);
	let s = l - z * DAY;
	const c = civilFromDays(z);
	const h = Math.floor(s / 3600);
	s -= h * 3600;
	const mi = Math.floor(s / 60);
	s -= mi * 60;
	return (
		Math.floor(c / 10000) +
		'-' +
		P2[Math.floor(c / 100) % 100] +
		'-' +
		P2[c % 100] +
		sep +
		P2[h] +
		':' +
		P2[mi] +
		':' +
		P2[s] +
		suffix
	);
}

/** `YYYY-MM-DD HH:MM:SS` in Europe/Amsterdam wall-clock time (what Zendesk's CSV export writes). */
export function formatAmsterdam(epochSeconds: number): string {
	return fmtDateTime(toLocal(epochSeconds), ' ', '');
}

/** `YYYY-MM-DDTHH:MM:SSZ`. */
export function formatUtc(epochSeconds: number): string {
	return fmtDateTime(epochSeconds, 'T', 'Z');
}

function fmtDay(day: number): string {
	const c = civilFromDays(day);
	return Math.floor(c / 10000) + '-' + P2[Math.floor(c / 100) % 100] + '-' + P2[c % 100];
}

function parseIsoDate(s: string): number {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
	if (!m) throw new Error(`from: expected an ISO date YYYY-MM-DD, got "${s}"`);
	return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

function parseIsoInstant(s: string): number {
	const ms = Date.parse(s);
	if (!/(Z|[+-]\d{2}:?\d{2})$/.test(s) || Number.isNaN(ms)) {
		throw new Error(`asOf: expected an ISO instant with Z or an offset, got "${s}"`);
	}
	return Math.floor(ms / 1000);
}

function addMonths(day: number, months: number, dayOfMonth: number): number {
	const c = civilFromDays(day);
	const total = Math.floor(c / 10000) * 12 + (Math.floor(c / 100) % 100) - 1 + months;
	return daysFromCivil(Math.floor(total / 12), (total % 12) + 1, dayOfMonth);
}

// Dutch official holidays and substitute days (for the simulated staff and for quieter ticket
// volume): the same NL set the calendars use.
function dutchHolidays(fromYear: number, toYear: number): Set<number> {
	const set = new Set<number>();
	for (let y = fromYear; y <= toYear; y++)
		for (const h of holidaySet('NL', y)) {
			const [yy, mm, dd] = h.date.split('-').map(Number);
			set.add(daysFromCivil(yy, mm, dd));
		}
	return set;
}

// Weekly calendars: per weekday (0 = Sunday) an open and close second of the local day, -1 = closed.
interface Calendar {
	win: Int32Array;
	holidaysClosed: boolean;
	always: boolean;
}

function calendar(days: Record<number, [number, number]>, holidaysClosed: boolean): Calendar {
	const win = new Int32Array(14).fill(-1);
	for (const [wd, [o, c]] of Object.entries(days)) {
		win[Number(wd) * 2] = o;
		win[Number(wd) * 2 + 1] = c;
	}
	return { win, holidaysClosed, always: false };
}

const hm = (h: number, m = 0) => h * 3600 + m * 60;
const weekdays = (o: number, c: number): Record<number, [number, number]> => ({
	1: [o, c],
	2: [o, c],
	3: [o, c],
	4: [o, c],
	5: [o, c]
});

// ---------------------------------------------------------------------------------------------
// Accounts

type Policy = 'model-a' | 'model-b';

interface AccountDef {
	name: string;
	policy: Policy;
	tier: string;
	/** [months after `from`, day of that month, new tier] */
	changes?: [number, number, string][];
	csm: string;
	am: string;
	tz?: string;
	lang: 'nl' | 'en';
	aliases: string[];
	domain: string;
	/** contact names; a trailing '!' marks a single point of contact */
	contacts: string[];
	weight: number;
	/** [months after from, day] .. [months after from, day] or open end */
	arrears?: { start: [number, number]; end?: [number, number] } | 'last-months';
	howtoHeavy?: boolean;
	externalIds?: boolean;
	quality: number;
}

const CSM = ['Eva Janssen', 'Mark de Boer', 'Renée Hoekstra'];
const AM = ['Ruud Verhoeven', 'Linda Kok'];

const ACCOUNT_DEFS: AccountDef[] = [
	{
		name: 'Gemeente Zuidvelde',
		policy: 'model-a',
		tier: 'Premium',
		csm: CSM[0],
		am: AM[0],
		lang: 'nl',
		aliases: ['Gemeente Zuidvelde (ICT)', 'gemeente zuidvelde'],
		domain: 'zuidvelde.nl',
		contacts: ['Anouk Brouwer', 'Pieter van den Berg', 'Loïs de Graaf', 'Hans Koster'],
		weight: 12,
		quality: 0.9
	},
	{
		name: 'Bakkerij De Korenschoof B.V.',
		policy: 'model-a',
		tier: 'Standard',
		csm: '',
		am: AM[1],
		lang: 'nl',
		aliases: ['Bakkerij de Korenschoof'],
		domain: 'korenschoof.nl',
		contacts: ['Gert-Jan Bos', 'Marieke Bos'],
		weight: 1,
		quality: 1.2
	},
	{
		name: 'Northwind Logistics Ltd',
		policy: 'model-a',
		tier: 'Enhanced',
		csm: CSM[1],
		am: AM[0],
		tz: 'Europe/London',
		lang: 'en',
		aliases: ['Northwind Logistics'],
		domain: 'northwind-logistics.co.uk',
		contacts: ['Emma Clarke', 'James Whitfield', 'Siobhan O’Neill'],
		weight: 7,
		externalIds: true,
		quality: 1.0
	},
	{
		name: 'Van der Meulen Advocaten',
		policy: 'model-a',
		tier: 'Enhanced',
		changes: [[10, 1, 'Premium']],
		csm: CSM[2],
		am: AM[1],
		lang: 'nl',
		aliases: ['vd Meulen Advocaten'],
		domain: 'vandermeulen-advocaten.nl',
		contacts: ['Mr. Floor van der Meulen', 'Sietske Zwart', 'Daan Prins'],
		weight: 4,
		quality: 0.9
	},
	{
		name: 'Zorggroep Horizon',
		policy: 'model-a',
		tier: 'Premium',
		changes: [[7, 17, 'Enhanced']],
		csm: CSM[0],
		am: AM[0],
		lang: 'nl',
		aliases: ['Zorggroep Horizon (Facilitair)', 'ZORGGROEP HORIZON'],
		domain: 'zorggroephorizon.nl',
		contacts: ['Stéphanie Willems', 'Ahmed El Amrani', 'Ineke Smits', 'Jeroen Post'],
		weight: 8,
		quality: 1.1
	},
	{
		name: 'Technische Unie Oost B.V.',
		policy: 'model-a',
		tier: 'Standard',
		changes: [[4, 1, 'Enhanced']],
		csm: CSM[1],
		am: AM[1],
		lang: 'nl',
		aliases: ['Technische Unie Oost'],
		domain: 'tu-oost.nl',
		contacts: ['René Claassen', 'Wendy Hermans', 'Tom Akkerman'],
		weight: 4,
		quality: 1.0
	},
	{
		name: 'Brightwater Analytics B.V.',
		policy: 'model-a',
		tier: 'Enhanced',
		csm: CSM[2],
		am: AM[0],
		lang: 'en',
		aliases: ['Brightwater Analytics'],
		domain: 'brightwater-analytics.com',
		contacts: ['Priyanka Shah', 'Lukas Becker', 'Maria González'],
		weight: 3,
		externalIds: true,
		quality: 0.8
	},
	{
		name: 'Stichting Woonwaard',
		policy: 'model-a',
		tier: 'Standard',
		csm: '',
		am: AM[1],
		lang: 'nl',
		aliases: ['Stichting Woonwaard'],
		domain: 'woonwaard.nl',
		contacts: ['Karin de Wit', 'Mohamed Bouzid'],
		weight: 3,
		arrears: { start: [6, 1], end: [8, 15] },
		quality: 1.3
	},
	{
		name: 'De Groene Vallei Zuivel B.V.',
		policy: 'model-a',
		tier: 'Standard',
		csm: '',
		am: AM[0],
		lang: 'nl',
		aliases: ['Groene Vallei Zuivel'],
		domain: 'groenevallei.nl',
		contacts: ['Bart Hoogland', 'Annemiek Vos'],
		weight: 2,
		arrears: 'last-months',
		quality: 1.2
	},
	{
		name: 'Hartman & Zonen Installatiebedrijf',
		policy: 'model-a',
		tier: 'Standard',
		csm: '',
		am: AM[1],
		lang: 'nl',
		aliases: ['Hartman en Zonen'],
		domain: 'hartman-zonen.nl',
		contacts: ['Kees Hartman', 'Joost Hartman'],
		weight: 1.5,
		quality: 1.4
	},
	{
		name: 'Kingsbridge Dental Group Ltd',
		policy: 'model-a',
		tier: 'Premium',
		csm: CSM[1],
		am: AM[0],
		tz: 'Europe/London',
		lang: 'en',
		aliases: ['Kingsbridge Dental Group', 'Kingsbridge Dental, Plymouth'],
		domain: 'kingsbridgedental.co.uk',
		contacts: ['Rachel Owen', 'Dr. Samuel Price', 'Zoë Turner'],
		weight: 5,
		quality: 0.8
	},
	{
		name: 'Rijnmond Haven Services B.V.',
		policy: 'model-a',
		tier: 'Enhanced',
		changes: [[15, 12, 'Standard']],
		csm: CSM[2],
		am: AM[1],
		lang: 'nl',
		aliases: ['Rijnmond Haven Services'],
		domain: 'rijnmondhaven.nl',
		contacts: ['Erik Dijkstra', 'Sanne Verbeek', 'Youssef Amrani'],
		weight: 4,
		quality: 1.1
	},
	{
		name: 'Gemeente Oosterwolde',
		policy: 'model-b',
		tier: 'Goud',
		csm: CSM[0],
		am: AM[0],
		lang: 'nl',
		aliases: ['Gemeente Oosterwolde'],
		domain: 'oosterwolde.nl',
		contacts: ['Marloes Kuipers!', 'Henk Jansma!', 'Tineke Bakker', 'Frank de Jong', 'Iris Meijer'],
		weight: 10,
		quality: 0.9
	},
	{
		name: 'Café-Restaurant De Gouden Leeuw',
		policy: 'model-b',
		tier: 'Brons',
		csm: CSM[2],
		am: AM[1],
		lang: 'nl',
		aliases: ['Cafe De Gouden Leeuw'],
		domain: 'degoudenleeuw.nl',
		contacts: ['Noah Vermeulen!', 'Fleur Vermeulen', 'Ricardo Santos'],
		weight: 0.7,
		quality: 1.3
	},
	{
		name: 'Scholengroep Noorderlicht',
		policy: 'model-b',
		tier: 'Zilver',
		csm: CSM[1],
		am: AM[1],
		lang: 'nl',
		aliases: ['Scholengroep Noorderlicht', 'SG Noorderlicht'],
		domain: 'noorderlicht.nl',
		contacts: ['Annelies Mulder!', 'Wouter Groen', 'Hanneke Smit', 'Bas Timmer'],
		weight: 4,
		howtoHeavy: true,
		quality: 1.0
	},
	{
		name: 'Transportbedrijf Van Dam B.V.',
		policy: 'model-b',
		tier: 'Zilver',
		changes: [[12, 1, 'Goud']],
		csm: CSM[0],
		am: AM[0],
		lang: 'nl',
		aliases: ['Transportbedrijf van Dam'],
		domain: 'transportvandam.nl',
		contacts: ['Dirk van Dam!', 'Petra Schouten!', 'Gijs Veenstra', 'Lotte Kramer'],
		weight: 5,
		quality: 1.0
	},
	{
		name: 'Müller & Smit Accountants',
		policy: 'model-b',
		tier: 'Zilver',
		csm: CSM[2],
		am: AM[1],
		lang: 'nl',
		aliases: ['Muller & Smit Accountants'],
		domain: 'mullersmit.nl',
		contacts: ['Jürgen Müller!', 'Carla Smit', 'Ilse Dekkers'],
		weight: 3,
		quality: 1.1
	},
	{
		name: 'Fysiotherapie Beweegwijs',
		policy: 'model-b',
		tier: 'Brons',
		csm: CSM[1],
		am: AM[0],
		lang: 'nl',
		aliases: ['Fysiotherapie Beweegwijs'],
		domain: 'beweegwijs.nl',
		contacts: ['Gaëlle Martens!', 'Ruben Wolters'],
		weight: 1.5,
		howtoHeavy: true,
		quality: 1.2
	},
	{
		name: 'Polderzicht Zorg B.V.',
		policy: 'model-b',
		tier: 'Goud',
		csm: CSM[0],
		am: AM[1],
		lang: 'nl',
		aliases: ['Polderzicht Zorg'],
		domain: 'polderzichtzorg.nl',
		contacts: ['Yvonne de Haan!', 'Michiel Boer', 'Esther Lammers', 'Sven Jacobs'],
		weight: 6,
		quality: 0.9
	},
	{
		name: 'Atlas Facility Services B.V.',
		policy: 'model-b',
		tier: 'Brons',
		changes: [[18, 1, 'Zilver']],
		csm: CSM[2],
		am: AM[0],
		lang: 'en',
		aliases: ['Atlas Facility Services'],
		domain: 'atlasfacility.com',
		contacts: ['Oliver Grant!', 'Nadia Haddad', 'Pieter Smulders'],
		weight: 3,
		quality: 1.0
	}
];

/** Organisations that raise tickets but are not accounts (an importer must report them). */
const UNKNOWN_ORGS = [
	{ name: 'Veldhoven Installatietechniek', domain: 'veldhoven-it.nl' },
	{ name: 'Huisartsenpraktijk Oosterpark', domain: 'hapoosterpark.nl' },
	{ name: 'Kringloop De Tweede Kans', domain: 'tweedekans.nl' }
];

const FIRST_NAMES = [
	'Jan',
	'Sanne',
	'Lars',
	'Femke',
	'Thomas',
	'Noor',
	'Ruben',
	'Julia',
	'Bram',
	'Eline',
	'Sem',
	'Chloë',
	'Milan',
	'Anne',
	'Jesse',
	'Sophie',
	'Luuk',
	'Emma',
	'Stijn',
	'Mila',
	'Finn',
	'Zoë',
	'Hugo',
	'Noëlle',
	'Tim',
	'Lisa'
];
const LAST_NAMES = [
	'de Jong',
	'Jansen',
	'de Vries',
	'van den Berg',
	'Bakker',
	'Visser',
	'Smit',
	'Meijer',
	'de Boer',
	'Mulder',
	'Bos',
	'Vos',
	'Peters',
	'Hendriks',
	'van Leeuwen',
	'Dekker',
	'Brouwer',
	'de Wit',
	'Dijkstra',
	'Smits',
	'de Graaf',
	'van der Meer',
	'Kok',
	'Jacobs',
	'Vermeulen',
	'Schouten'
];

const AGENTS_A_NL = ['Sanne de Vries', 'Joël Bakker', 'Femke Visser', 'Daan Smit'];
const AGENTS_A_EN = ['Chloé Martin', 'Oliver Hughes', 'Priya Raman'];
const AGENTS_B_1 = ['Noëlle Peeters', 'Bram Mulder', 'Kim Jansen'];
const AGENTS_B_2 = ['Jürgen Vos', 'Ilse Dekker'];
const AGENTS_B_3 = ['Thijs van Leeuwen'];
const ON_CALL_AGENTS = [...AGENTS_B_2, ...AGENTS_B_3];

function slug(s: string): string {
	return s
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/\./g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '');
}

function emailLocal(name: string): string {
	const parts = name
		.replace(/^(Mr\.|Dr\.)\s+/, '')
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/[’']/g, '')
		.split(/\s+/);
	const first = parts[0].toLowerCase().replace(/[^a-z]/g, '');
	const last = parts
		.slice(1)
		.join('')
		.toLowerCase()
		.replace(/[^a-z]/g, '');
	return first[0] + '.' + last;
}

interface Person {
	name: string;
	email: string;
	id: number;
	externalId: string;
}

interface Account {
	idx: number;
	id: string;
	def: AccountDef;
	policy: Policy;
	/** [first local day, tier] ascending */
	tiers: [number, string][];
	contacts: Person[];
	endUsers: Person[];
	aliases: string[];
}

function buildAccounts(fromDay: number, asOfDay: number): Account[] {
	return ACCOUNT_DEFS.map((def, idx) => {
		const tiers: [number, string][] = [[fromDay, def.tier]];
		for (const [months, dom, tier] of def.changes ?? []) {
			const day = addMonths(fromDay, months, dom);
			if (day > fromDay && day <= asOfDay) tiers.push([day, tier]);
		}
		const contacts = def.contacts.map((raw, ci) => {
			const name = raw.replace(/!$/, '');
			return {
				name,
				email: `${emailLocal(name)}@${def.domain}`,
				id: 360000000000 + idx * 10000 + ci,
				externalId: def.externalIds ? `CRM-${P2[idx]}${String(ci).padStart(3, '0')}` : ''
			};
		});
		// End users: a fixed pool per account, the same for every seed.
		const r = new Rng(0x5eed0000 + idx);
		const endUsers: Person[] = [];
		const seen = new Set(contacts.map((c) => c.email));
		for (let k = 0; endUsers.length < 25 && k < 200; k++) {
			const name = `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
			const email = `${emailLocal(name)}@${def.domain}`;
			if (seen.has(email)) continue;
			seen.add(email);
			endUsers.push({
				name,
				email,
				id: 360000000000 + idx * 10000 + 100 + endUsers.length,
				externalId: ''
			});
		}
		return {
			idx,
			id: slug(def.name),
			def,
			policy: def.policy,
			tiers,
			contacts,
			endUsers,
			aliases: def.aliases
		};
	});
}

function tierAt(acc: Account, localDay: number): string {
	let tier = acc.tiers[0][1];
	for (const [d, t] of acc.tiers) if (d <= localDay) tier = t;
	return tier;
}

function accountsCsv(accounts: Account[], fromDay: number, asOfDay: number): string {
	const lines = [ACCOUNTS_HEADER];
	for (const a of accounts) {
		const d = a.def;
		let arrears = '';
		if (d.arrears === 'last-months') {
			arrears = fmtDay(addMonths(asOfDay, -1, 1)) + '..';
		} else if (d.arrears) {
			const s = addMonths(fromDay, d.arrears.start[0], d.arrears.start[1]);
			arrears =
				fmtDay(s) +
				'..' +
				(d.arrears.end ? fmtDay(addMonths(fromDay, d.arrears.end[0], d.arrears.end[1])) : '');
		}
		lines.push(
			[
				a.id,
				d.name,
				d.policy,
				a.tiers.map(([day, t]) => `${fmtDay(day)}=${t}`).join(';'),
				d.csm,
				d.am,
				d.tz ?? 'Europe/Amsterdam',
				d.lang,
				a.aliases.map((x) => `zendesk=${x}`).join(';'),
				a.contacts
					.map((c, i) => `${c.name} <${c.email}>${d.contacts[i].endsWith('!') ? '!' : ''}`)
					.join(';'),
				arrears
			]
				.map(csv)
				.join(',')
		);
	}
	return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// CSV and streaming

const NEEDS_QUOTES = /[",\n\r]/;
function csv(s: string): string {
	return NEEDS_QUOTES.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

const CHUNK = 1 << 20;

/**
 * Collects rows as UTF-8 in 1 MB buffers and writes them in batches, waiting for 'drain' when
 * the stream asks to. Encoding row by row into a buffer avoids joining millions of small strings
 * (which cost more in garbage collection than the generation itself).
 */
class Sink {
	private buf = Buffer.allocUnsafe(CHUNK);
	private off = 0;
	private ready: Buffer[] = [];
	rows = 0;
	private constructor(private readonly stream: WriteStream) {}

	static open(path: string, header: string): Sink {
		const sink = new Sink(createWriteStream(path));
		sink.add(header);
		sink.rows = 0;
		return sink;
	}

	add(line: string): void {
		// A UTF-16 code unit takes at most 3 bytes in UTF-8.
		const worst = line.length * 3 + 1;
		if (this.off + worst > CHUNK) this.rotate();
		if (worst > CHUNK) {
			this.ready.push(Buffer.from(line + '\n', 'utf8'));
		} else {
			this.off += this.buf.write(line, this.off, 'utf8');
			this.buf[this.off++] = 10;
		}
		this.rows++;
	}

	private rotate(): void {
		if (this.off === 0) return;
		this.ready.push(this.buf.subarray(0, this.off));
		this.buf = Buffer.allocUnsafe(CHUNK);
		this.off = 0;
	}

	/** Bytes collected but not yet handed to the stream. */
	get pending(): number {
		return this.ready.length * CHUNK + this.off;
	}

	async flush(): Promise<void> {
		this.rotate();
		const chunks = this.ready;
		this.ready = [];
		for (const chunk of chunks) {
			if (!this.stream.write(chunk)) await this.drain();
		}
	}

	private drain(): Promise<void> {
		return new Promise((resolve, reject) => {
			const onError = (e: Error) => reject(e);
			this.stream.once('error', onError);
			this.stream.once('drain', () => {
				this.stream.off('error', onError);
				resolve();
			});
		});
	}

	async close(): Promise<void> {
		await this.flush();
		await new Promise<void>((resolve, reject) => {
			this.stream.once('error', reject);
			this.stream.end(() => resolve());
		});
	}
}

// ---------------------------------------------------------------------------------------------
// Ticket content

type Category =
	| 'login'
	| 'reports'
	| 'invoicing'
	| 'printing'
	| 'browser'
	| 'network'
	| 'setup'
	| 'howto'
	| 'data-import'
	| 'performance';

const SUBJECTS: Record<Category, { nl: string[]; en: string[] }> = {
	login: {
		nl: [
			'Kan niet inloggen',
			'Wachtwoord reset werkt niet',
			'Account geblokkeerd na drie pogingen',
			'Foutmelding "Sessie verlopen" bij inloggen',
			'Tweestapsverificatie: geen sms ontvangen'
		],
		en: [
			'Cannot log in',
			'Password reset link expired',
			'Error "Session expired" right after login',
			'Two-factor code not arriving, locked out'
		]
	},
	reports: {
		nl: [
			'Maandrapportage toont verkeerde totalen',
			'Rapport exporteren naar Excel lukt niet',
			'Dashboard laadt niet, scherm blijft wit'
		],
		en: [
			'Monthly report shows wrong totals',
			'Export to Excel fails',
			'Report filters reset, dates wrong'
		]
	},
	invoicing: {
		nl: [
			'Factuur klopt niet, btw dubbel berekend',
			'Vraag over factuurnummering',
			'Creditnota aanmaken lukt niet'
		],
		en: [
			'Invoice amount incorrect, VAT applied twice',
			'Question about invoice numbering',
			'Cannot create a credit note'
		]
	},
	printing: {
		nl: [
			'Printer print niet meer',
			'Etiketten worden scheef geprint',
			'Printerwachtrij loopt vast, niets komt eruit'
		],
		en: ['Printer not printing', 'Labels print misaligned', 'Print queue stuck, nothing comes out']
	},
	browser: {
		nl: [
			'Applicatie werkt niet in Safari',
			'Knoppen onzichtbaar in Edge',
			'Pagina blijft laden in Chrome'
		],
		en: ['App not working in Safari', 'Buttons missing in Edge', 'Page keeps loading in Chrome']
	},
	network: {
		nl: ['Geen verbinding met de server', 'VPN valt steeds weg', 'Traag netwerk op locatie'],
		en: ['Cannot connect to server', 'VPN keeps dropping', 'Slow network at branch office']
	},
	setup: {
		nl: [
			'Nieuwe gebruiker aanmaken',
			'Inrichting nieuwe vestiging',
			'Rechten aanpassen voor afdeling Financiën'
		],
		en: [
			'Create new user account',
			'Set up new branch office',
			'Change permissions for Finance team'
		]
	},
	howto: {
		nl: [
			'Hoe maak ik een nieuw sjabloon?',
			'Hoe werkt het filter op datum?',
			'Waar vind ik de handleiding?',
			'Vraag over "favorieten" in het menu'
		],
		en: [
			'How do I create a new template?',
			'How does the date filter work?',
			'Where can I find the manual?'
		]
	},
	'data-import': {
		nl: [
			'Import van CSV mislukt, regel 12 ongeldig',
			'Klantgegevens importeren',
			'Importfout: "onbekend veld"'
		],
		en: [
			'CSV import fails, row 12 invalid',
			'Import customer data',
			'Import error: "unknown field"'
		]
	},
	performance: {
		nl: ['Systeem erg traag sinds update', 'Zoeken duurt minuten', 'Time-outs bij opslaan'],
		en: ['System very slow since update', 'Search takes minutes', 'Time-outs when saving']
	}
};

const FEATURE_SUBJECTS = {
	nl: ['Verzoek: extra kolom in rapport', 'Wens: exporteren naar PDF', 'Suggestie: donkere modus'],
	en: [
		'Feature request: add a column to the report',
		'Feature request: export to PDF',
		'Suggestion: dark mode'
	]
};

const CATEGORY_BY_TYPE: Record<string, [Category[], number[]]> = {
	question: [
		['howto', 'login', 'reports', 'invoicing', 'setup', 'data-import'],
		[40, 15, 15, 15, 10, 5]
	],
	incident: [
		[
			'login',
			'printing',
			'browser',
			'network',
			'performance',
			'data-import',
			'reports',
			'invoicing'
		],
		[20, 15, 10, 15, 15, 10, 10, 5]
	],
	problem: [
		['performance', 'network', 'data-import', 'login'],
		[40, 30, 15, 15]
	],
	task: [
		['setup', 'data-import', 'reports', 'login'],
		[55, 20, 15, 10]
	]
};

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
// Questions are never urgent; the others make up for it so the mix is about 5/15/60/20 %.
const PRIORITY_WEIGHTS = [8, 17, 58, 17];
const QUESTION_PRIORITY_WEIGHTS = [0, 12, 63, 25];
const VIAS = ['Mail', 'Web form', 'Phone call (incoming)', 'Chat', 'API'];
const VIA_WEIGHTS = [40, 30, 15, 10, 5];
const TYPES = ['question', 'incident', 'problem', 'task'];
const TYPE_WEIGHTS = [40, 40, 5, 15];

/** First-response targets in business hours by tier and priority index (urgent..low). */
const RESPONSE_HOURS: Record<string, number[]> = {
	Standard: [4, 8, 24, 48],
	Enhanced: [2, 4, 12, 24],
	Premium: [1, 2, 6, 12],
	// Model B gives no numbers: these are the example targets the generator aims at.
	Brons: [2, 4, 16, 24],
	Zilver: [1, 2, 8, 16],
	Goud: [0.5, 1, 4, 8]
};
const WORK_HOURS_MEDIAN = [3, 8, 14, 24];

const CAL_A_NL = calendar(weekdays(hm(9), hm(17)), true);
const CAL_A_EN = calendar(weekdays(hm(9), hm(22)), true);
const CAL_A_EN_PREMIUM = calendar({ ...weekdays(hm(9), hm(22)), 6: [hm(11), hm(15)] }, true);
const CAL_B = calendar(weekdays(hm(8, 30), hm(17, 30)), true);
const CAL_ALWAYS: Calendar = { win: new Int32Array(14), holidaysClosed: false, always: true };
// What the helpdesk itself measures with: one schedule per model, no holidays.
const ZD_A = calendar(weekdays(hm(9), hm(17)), false);
const ZD_B = calendar(weekdays(hm(8, 30), hm(17, 30)), false);

interface Ev {
	at: number;
	kind: string;
	from: string;
	to: string;
	actor: string;
}

interface Entry {
	at: number;
	minutes: number;
	type: string;
	billable: boolean;
	onSite: boolean;
	po: string;
	agent: string;
}

// ---------------------------------------------------------------------------------------------
// The generator

export async function generateSample(opts: GenerateOptions): Promise<GenerateResult> {
	const total = Math.floor(opts.tickets);
	if (!Number.isFinite(total) || total < 0)
		throw new Error(`tickets: expected a count >= 0, got ${opts.tickets}`);
	const seed = (opts.seed ?? 1) >>> 0;
	const fromDay = parseIsoDate(opts.from ?? '2024-11-01');
	const asOfIso = opts.asOf ?? '2026-11-20T16:00:00Z';
	const asOf = parseIsoInstant(asOfIso);
	const lastDay = Math.floor(toLocal(asOf) / DAY);
	if (lastDay < fromDay) throw new Error(`asOf (${asOfIso}) is before from (${fmtDay(fromDay)})`);
	const ticketsOnly = opts.ticketsOnly ?? false;

	const yFrom = Math.floor(civilFromDays(fromDay) / 10000);
	const yTo = Math.floor(civilFromDays(lastDay) / 10000) + 1;
	const holidays = dutchHolidays(yFrom, yTo);
	const isHoliday = (day: number) => holidays.has(day);

	// ---- business time on a weekly calendar, in local wall-clock seconds
	function addBiz(t: number, secs: number, cal: Calendar): number {
		secs = Math.max(0, Math.round(secs));
		if (cal.always) return t + secs;
		let l = toLocal(t);
		for (let guard = 0; guard < 3660; guard++) {
			const day = Math.floor(l / DAY);
			const wd = weekday(day);
			const o = cal.win[wd * 2];
			if (o >= 0 && !(cal.holidaysClosed && isHoliday(day))) {
				const ds = day * DAY;
				const c = ds + cal.win[wd * 2 + 1];
				if (l < ds + o) l = ds + o;
				if (l < c) {
					if (secs <= c - l) return fromLocal(l + secs);
					secs -= c - l;
				}
			}
			l = (day + 1) * DAY;
		}
		return fromLocal(l);
	}

	function bizBetween(a: number, b: number, cal: Calendar): number {
		if (b <= a) return 0;
		if (cal.always) return b - a;
		const la = toLocal(a);
		const lb = toLocal(b);
		let sum = 0;
		const last = Math.floor(lb / DAY);
		for (let day = Math.floor(la / DAY); day <= last; day++) {
			const wd = weekday(day);
			const o = cal.win[wd * 2];
			if (o < 0 || (cal.holidaysClosed && isHoliday(day))) continue;
			const ds = day * DAY;
			const s = Math.max(la, ds + o);
			const e = Math.min(lb, ds + cal.win[wd * 2 + 1]);
			if (e > s) sum += e - s;
		}
		return sum;
	}

	function isOpen(t: number, cal: Calendar): boolean {
		const l = toLocal(t);
		const day = Math.floor(l / DAY);
		const wd = weekday(day);
		const o = cal.win[wd * 2];
		if (o < 0 || (cal.holidaysClosed && isHoliday(day))) return false;
		const s = l - day * DAY;
		return s >= o && s < cal.win[wd * 2 + 1];
	}

	// ---- accounts
	const accounts = buildAccounts(fromDay, lastDay);
	const accountWeights = accounts.map((a) => a.def.weight);
	const unknownPeople = UNKNOWN_ORGS.map((o, oi) => {
		const r = new Rng(0x0dd00000 + oi);
		return Array.from({ length: 3 }, (_, k) => {
			const name = `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
			return {
				name,
				email: `${emailLocal(name)}@${o.domain}`,
				id: 369000000000 + oi * 100 + k,
				externalId: ''
			};
		});
	});

	mkdirSync(opts.outDir, { recursive: true });
	const files = {
		accounts: ticketsOnly ? '' : join(opts.outDir, 'accounts.csv'),
		tickets: join(opts.outDir, 'tickets.csv'),
		events: ticketsOnly ? '' : join(opts.outDir, 'ticket-events.csv'),
		timeEntries: ticketsOnly ? '' : join(opts.outDir, 'time-entries.csv')
	};
	if (!ticketsOnly) {
		const acc = Sink.open(files.accounts, ACCOUNTS_HEADER);
		const text = accountsCsv(accounts, fromDay, lastDay);
		acc.add(text.slice(ACCOUNTS_HEADER.length + 1, -1));
		await acc.close();
	}
	const ticketSink = Sink.open(files.tickets, ZENDESK_TICKET_HEADER);
	const eventSink = ticketsOnly ? null : Sink.open(files.events, EVENTS_HEADER);
	const entrySink = ticketsOnly ? null : Sink.open(files.timeEntries, TIME_ENTRIES_HEADER);
	let eventRows = 0;
	let entryRows = 0;

	const rng = new Rng(seed ^ 0x9e3779b9);

	// ---- how many tickets on each day: weekdays busy, weekends and holidays quiet, August and
	// the Christmas weeks slower, a gentle growth over the period. Cumulative rounding makes the
	// total exact.
	const nDays = lastDay - fromDay + 1;
	const dayWeights = new Float64Array(nDays);
	let weightSum = 0;
	for (let i = 0; i < nDays; i++) {
		const day = fromDay + i;
		const wd = weekday(day);
		const c = civilFromDays(day);
		const month = Math.floor(c / 100) % 100;
		const dom = c % 100;
		let w = wd === 0 || wd === 6 ? 0.12 : 1;
		if (isHoliday(day)) w = 0.08;
		if (month === 8) w *= 0.8;
		if (month === 12 && dom >= 24) w *= 0.6;
		w *= 0.85 + (0.3 * i) / nDays;
		if (day === lastDay) {
			const frac = (toLocal(asOf) - lastDay * DAY) / DAY;
			w *= Math.min(1, frac * 1.4);
		}
		dayWeights[i] = w;
		weightSum += w;
	}

	const HOUR_WEIGHTS = [0.6, 1.2, 1.3, 1.2, 0.8, 1.1, 1.2, 1.1, 0.9, 0.5]; // 08:00..17:00
	function timeOfDay(busy: boolean): number {
		if (busy) {
			const u = rng.next();
			if (u < 0.84) return hm(8 + rng.weighted(HOUR_WEIGHTS)) + rng.int(0, 3599);
			const v = rng.next();
			if (v < 0.6) return hm(18) + rng.int(0, 5 * 3600 - 1);
			if (v < 0.8) return hm(7) + rng.int(0, 3599);
			return v < 0.9 ? rng.int(0, 7 * 3600 - 1) : hm(23) + rng.int(0, 3599);
		}
		return rng.chance(0.8) ? hm(9) + rng.int(0, 12 * 3600 - 1) : rng.int(0, DAY - 1);
	}

	// ---- per-ticket state (reused arrays)
	let evs: Ev[] = [];
	let entries: Entry[] = [];
	const startT = fromLocal(fromDay * DAY);
	let ticketIndex = 0;
	let cumulative = 0;
	let emitted = 0;
	const dayTimes: number[] = [];

	for (let i = 0; i < nDays; i++) {
		cumulative += dayWeights[i];
		const target = weightSum > 0 ? Math.round((total * cumulative) / weightSum) : 0;
		const count = i === nDays - 1 ? total - emitted : target - emitted;
		if (count <= 0) continue;
		const day = fromDay + i;
		const wd = weekday(day);
		const busy = wd >= 1 && wd <= 5 && !isHoliday(day);
		dayTimes.length = 0;
		for (let k = 0; k < count; k++) {
			let t = fromLocal(day * DAY + timeOfDay(busy));
			for (let tries = 0; t >= asOf && tries < 20; tries++)
				t = fromLocal(day * DAY + timeOfDay(busy));
			if (t >= asOf) t = Math.max(startT, asOf - rng.int(60, 7200));
			dayTimes.push(t);
		}
		dayTimes.sort((a, b) => a - b);
		for (const created of dayTimes) {
			generateTicket(ticketIndex, created);
			ticketIndex++;
		}
		emitted += count;

		if (ticketSink.pending > 1 << 20) await ticketSink.flush();
		if (eventSink && eventSink.pending > 1 << 20) await eventSink.flush();
		if (entrySink && entrySink.pending > 1 << 20) await entrySink.flush();
		opts.onProgress?.(emitted, total);
	}

	await ticketSink.close();
	if (eventSink) await eventSink.close();
	if (entrySink) await entrySink.close();

	return {
		files,
		tickets: ticketSink.rows,
		events: eventRows,
		timeEntries: entryRows,
		accounts: accounts.length,
		asOf: formatUtc(asOf)
	};

	// -------------------------------------------------------------------------------------------
	function generateTicket(i: number, C: number): void {
		const id = 1000 + i;
		const createdDay = Math.floor(toLocal(C) / DAY);

		// Organisation: an account, an unknown organisation, or none at all.
		const orgRoll = rng.next();
		const unknownIdx = orgRoll < 0.005 ? rng.int(0, UNKNOWN_ORGS.length - 1) : -1;
		const emptyOrg = orgRoll >= 0.005 && orgRoll < 0.008;
		const acc = accounts[rng.weighted(accountWeights)];
		const howtoHeavy = unknownIdx < 0 && acc.def.howtoHeavy === true;
		const policy: Policy = unknownIdx >= 0 ? 'model-a' : acc.policy;
		const isA = policy === 'model-a';
		const tier = unknownIdx >= 0 ? 'Standard' : tierAt(acc, createdDay);
		const defaultLang = unknownIdx >= 0 ? 'nl' : acc.def.lang;
		const orgName =
			unknownIdx >= 0 ? UNKNOWN_ORGS[unknownIdx].name : emptyOrg ? '' : rng.pick(acc.aliases);

		// Requester.
		let requester: Person;
		if (unknownIdx >= 0) requester = rng.pick(unknownPeople[unknownIdx]);
		else if (rng.chance(isA ? 0.15 : 0.1)) requester = rng.pick(acc.endUsers);
		else requester = rng.pick(acc.contacts);

		// Classification.
		const lang = rng.chance(0.15) ? (defaultLang === 'nl' ? 'en' : 'nl') : defaultLang;
		const langField = rng.chance(0.05) ? '' : lang;
		const via = VIAS[rng.weighted(VIA_WEIGHTS)];
		const isPhone = via === 'Phone call (incoming)';
		let type = TYPES[rng.weighted(howtoHeavy ? [60, 30, 3, 7] : TYPE_WEIGHTS)];
		let pIdx = rng.weighted(type === 'question' ? QUESTION_PRIORITY_WEIGHTS : PRIORITY_WEIGHTS);
		const featureRequest = isA && rng.chance(0.03);
		const externalProblem = !featureRequest && rng.chance(0.02);
		const noPin = isA && isPhone && rng.chance(0.1);
		let category: Category;
		if (featureRequest) {
			type = 'question';
			pIdx = rng.chance(0.7) ? 3 : 2;
			category = rng.chance(0.6) ? 'reports' : 'howto';
		} else if (externalProblem) {
			type = 'incident';
			category = rng.pick(['browser', 'printing', 'network'] as const);
		} else {
			const [cats, ws] = CATEGORY_BY_TYPE[type];
			category = cats[rng.weighted(howtoHeavy && type === 'question' ? [80, 5, 5, 4, 4, 2] : ws)];
		}
		const serviceBlocker = isA && type === 'incident' && pIdx === 0 && rng.chance(0.4);
		const manualAnswer =
			type === 'question' && !featureRequest && rng.chance(howtoHeavy ? 0.45 : 0.3);
		const trainingDeclined = !isA && type === 'question' && rng.chance(howtoHeavy ? 0.02 : 0.002);
		const categoryField = externalProblem || !rng.chance(0.02) ? category : '';

		// Submitted priority (model A): the customer's p1..p4; ~8% reclassified by the provider.
		let submitted = '';
		let initialP = pIdx;
		if (isA) {
			let s = pIdx;
			if (serviceBlocker) s = rng.chance(0.85) ? 0 : 1;
			else if (rng.chance(0.08)) {
				s = pIdx === 0 ? 1 : pIdx === 3 ? 2 : rng.chance(0.7) ? pIdx - 1 : pIdx + 1;
			}
			submitted = 'p' + (s + 1);
			initialP = s;
		}
		const midLifeChange = !isA && rng.chance(0.03);
		if (midLifeChange)
			initialP = pIdx === 0 ? 1 : pIdx === 3 ? 2 : rng.chance(0.5) ? pIdx - 1 : pIdx + 1;

		// Subject.
		const langKey = lang as 'nl' | 'en';
		let subject = featureRequest
			? rng.pick(FEATURE_SUBJECTS[langKey])
			: rng.pick(SUBJECTS[category][langKey]);
		if (pIdx === 0 && type === 'incident')
			subject = (langKey === 'nl' ? 'STORING: ' : 'OUTAGE: ') + subject;
		if (i === 7) subject = 'Printer 2e verdieping offline\nGraag vandaag nog oppakken, "dringend"';
		if (i === 11) subject = 'Factuur van €1.250,00 onterecht verstuurd';

		// Staff and calendars.
		// On-call (model B): a high or urgent incident raised outside office hours (holidays count
		// as outside) is picked up at once by the second or third line.
		const outsideB = !isA && !isOpen(C, CAL_B);
		const onCall = !isA && type === 'incident' && pIdx <= 1 && outsideB;
		const teamA = lang === 'en' ? AGENTS_A_EN : AGENTS_A_NL;
		const agent = onCall ? rng.pick(ON_CALL_AGENTS) : isA ? rng.pick(teamA) : rng.pick(AGENTS_B_1);
		let workCal: Calendar;
		if (onCall) workCal = CAL_ALWAYS;
		else if (!isA) workCal = CAL_B;
		else if (lang === 'en' && tier === 'Premium') workCal = CAL_A_EN_PREMIUM;
		else if (lang === 'en' && tier === 'Enhanced') workCal = CAL_A_EN;
		else workCal = CAL_A_NL;
		const zdCal = isA ? ZD_A : ZD_B;
		const quality = unknownIdx >= 0 ? 1 : acc.def.quality;

		// ---- the full timeline
		evs = [];
		entries = [];
		const ev = (at: number, kind: string, from: string, to: string, actor: string) => {
			evs.push({ at, kind, from, to, actor });
		};
		const autoReply = !isA || ((via === 'Mail' || via === 'Web form') && rng.chance(0.5));
		const autoAt = C + rng.int(5, 90);
		// Urgent and high tickets are picked up within minutes; the rest wait in the triage queue.
		const assignDelay =
			pIdx <= 1 ? rng.int(1, 30) * 60 : Math.min(rng.logNormal(40 * 60, 1), 8 * 3600);
		const assignedFirst = onCall ? C + rng.int(60, 600) : addBiz(C, assignDelay, workCal);
		const isNew = assignedFirst > asOf;
		if (isNew) ev(C, 'status', '', 'new', 'customer');
		else ev(C, 'status', 'new', 'open', 'system');
		if (autoReply) ev(autoAt, 'reply', '', 'auto', 'system');

		// Does anyone reply at all? Feature requests, external problems and PIN-less calls often not.
		let replies = true;
		if (featureRequest && rng.chance(0.3)) replies = false;
		if (externalProblem && rng.chance(0.2)) replies = false;
		const ack = isA && replies && !noPin && rng.chance(0.12);

		const target = RESPONSE_HOURS[tier][pIdx] * 3600;
		let frBiz = target * rng.logNormal(0.3 * quality, 0.8);
		frBiz = Math.max(60, Math.min(frBiz, target * 5));
		const firstReply = onCall
			? C + rng.int(10, 45) * 60
			: addBiz(Math.max(C, assignedFirst - 60), frBiz, workCal);
		const fr = Math.max(firstReply, assignedFirst);
		let t = fr;
		if (replies) {
			ev(fr, 'reply', '', ack ? 'acknowledgement' : 'agent', agent);
			if (ack) {
				t = addBiz(fr, rng.int(10, 240) * 60, workCal);
				ev(t, 'reply', '', 'agent', agent);
			}
		}
		if (submitted && initialP !== pIdx) {
			const at = Math.max(
				C + 60,
				Math.min(fr, C + Math.floor((fr - C) * (0.2 + 0.6 * rng.next())))
			);
			ev(at, 'priority', PRIORITIES[initialP], PRIORITIES[pIdx], agent);
		}

		// Work, with pauses (pending = waiting for the customer, hold = waiting for a third party).
		const quick = featureRequest || noPin || (externalProblem && !replies) || manualAnswer;
		let workBiz = quick
			? rng.int(5, 90) * 60
			: Math.min(
					rng.logNormal(WORK_HOURS_MEDIAN[pIdx] * 3600, 0.9),
					WORK_HOURS_MEDIAN[pIdx] * 3600 * 6
				);
		if (onCall) workBiz = rng.int(30, 360) * 60;
		const pauseRoll = rng.next();
		const pauses =
			quick || onCall ? 0 : pauseRoll < 0.68 ? 0 : pauseRoll < 0.9 ? 1 : pauseRoll < 0.97 ? 2 : 3;
		const pendingIntervals: number[] = [];
		const holdIntervals: number[] = [];
		for (let p = 0; p <= pauses; p++) {
			const share = p === pauses ? 1 : 0.2 + 0.5 * rng.next();
			const seg = Math.max(300, Math.floor(workBiz * share));
			workBiz = Math.max(0, workBiz - seg);
			t = addBiz(t, seg, workCal);
			if (p < pauses) {
				if (rng.chance(0.8)) {
					ev(t, 'reply', '', 'agent', agent);
					ev(t + 1, 'status', 'open', 'pending', agent);
					const back =
						t + 1 + Math.floor(Math.min(Math.max(rng.logNormal(20 * 3600, 1), 600), 10 * DAY));
					ev(back, 'status', 'pending', 'open', 'customer');
					pendingIntervals.push(t + 1, back);
					t = back;
				} else {
					ev(t, 'status', 'open', 'hold', agent);
					const back =
						t + Math.floor(Math.min(Math.max(rng.logNormal(30 * 3600, 1), 1800), 14 * DAY));
					ev(back, 'status', 'hold', 'open', agent);
					holdIntervals.push(t, back);
					t = back;
				}
			}
		}
		if (replies) ev(t, 'reply', '', 'agent', agent);
		const firstSolve = t + rng.int(0, 120);
		ev(firstSolve, 'status', 'open', 'solved', agent);
		let finalSolve = firstSolve;
		let reopenAt = 0;
		if (!featureRequest && rng.chance(0.05)) {
			reopenAt = firstSolve + Math.floor(Math.min(rng.logNormal(20 * 3600, 1), 6 * DAY)) + 600;
			ev(reopenAt, 'status', 'solved', 'open', 'customer');
			t = addBiz(reopenAt, rng.int(30, 480) * 60, workCal);
			ev(t, 'reply', '', 'agent', agent);
			finalSolve = t + rng.int(0, 120);
			ev(finalSolve, 'status', 'open', 'solved', agent);
		}
		if (rng.chance(0.8)) ev(finalSolve + 4 * DAY, 'status', 'solved', 'closed', 'system');

		// Escalations, mid-life priority changes and reassessments happen while the ticket is
		// worked, during working hours: a fraction of the working time between reply and solve.
		const bizSpan = bizBetween(fr, firstSolve, workCal);
		const during = (frac: number) => Math.min(firstSolve, addBiz(fr, bizSpan * frac, workCal));
		// Who holds the ticket: the first agent, then (model B) the 2nd and 3rd line, or (rarely)
		// a colleague it was reassigned to. Events and time entries after a hand-over are theirs.
		let line2At = 0;
		let line3At = 0;
		let line2Agent = '';
		let line3Agent = '';
		if (!isA && !quick && rng.chance(0.13)) {
			line2At = during(0.1 + 0.3 * rng.next());
			line2Agent = rng.pick(AGENTS_B_2);
			ev(line2At, 'line', '1', '2', agent);
			if (rng.chance(0.3)) {
				line3At = Math.max(line2At, during(0.5 + 0.3 * rng.next()));
				line3Agent = rng.pick(AGENTS_B_3);
				ev(line3At, 'line', '2', '3', line2Agent);
			}
		}
		if (midLifeChange)
			ev(during(0.3 * rng.next()), 'priority', PRIORITIES[initialP], PRIORITIES[pIdx], agent);
		const reassessment = isA && !quick && rng.chance(0.01);
		if (reassessment)
			ev(during(0.2 + 0.6 * rng.next()), 'reassessment', '', 'requested', 'customer');
		const reassigned = line2At === 0 && rng.chance(0.08);
		const reassignAt = reassigned ? during(rng.next()) : 0;
		const colleague = reassigned
			? rng.pick((isA ? teamA : AGENTS_B_1).filter((x) => x !== agent))
			: '';
		const holderAt = (at: number): string =>
			line3At && at >= line3At
				? line3Agent
				: line2At && at >= line2At
					? line2Agent
					: reassigned && at >= reassignAt
						? colleague
						: agent;
		/** When the holder at `at` took the ticket over. */
		const handoverAt = (at: number): number =>
			line3At && at >= line3At
				? line3At
				: line2At && at >= line2At
					? line2At
					: reassigned && at >= reassignAt
						? reassignAt
						: 0;
		if (line2At || reassigned) {
			for (const e of evs) if (e.actor === agent && e.kind !== 'line') e.actor = holderAt(e.at);
		}

		// ---- time entries over the whole timeline (cut later)
		const onSite =
			!quick && !onCall && (type === 'incident' || type === 'task') && rng.chance(0.03);
		const entryRoll = rng.next();
		let nEntries =
			entryRoll < 0.08
				? 0
				: entryRoll < 0.45
					? 1
					: entryRoll < 0.75
						? 2
						: entryRoll < 0.9
							? 3
							: entryRoll < 0.97
								? 4
								: 5;
		if (quick) nEntries = Math.min(nEntries, 1);
		const workEnd = finalSolve;
		if (onCall) {
			const calls = rng.chance(0.3) ? 2 : 1;
			for (let k = 0; k < calls; k++) {
				let at = C + rng.int(2, 20) * 60 + k * rng.int(30, 90) * 60;
				if (at >= workEnd || isOpen(at, CAL_B)) at = C + k;
				entries.push({
					at,
					minutes: 5 * rng.int(3, 24),
					type: 'on_call',
					billable: tier !== 'Goud',
					onSite: false,
					po: '',
					agent
				});
			}
		}
		const window = bizBetween(C, workEnd, workCal);
		for (let k = 0; k < nEntries; k++) {
			const at =
				window > 0
					? addBiz(C, Math.floor(window * rng.next()), workCal)
					: C + Math.floor((workEnd - C) * rng.next());
			let wt: string;
			const u = rng.next();
			if (onSite && k === 0) wt = 'on_site';
			else if (category === 'setup') wt = u < 0.7 ? 'setup' : 'support';
			else if (type === 'task') wt = u < 0.5 ? 'change' : u < 0.7 ? 'setup' : 'support';
			else if (type === 'incident' || type === 'problem')
				wt = u < 0.15 ? 'repair' : u < 0.45 ? 'analysis' : 'support';
			else if (category === 'howto' && (howtoHeavy || trainingDeclined) && u < 0.08)
				wt = 'training';
			else wt = 'support';
			let minutes: number;
			let billable: boolean;
			switch (wt) {
				case 'on_site':
					minutes = 5 * rng.int(12, 48);
					billable = true;
					break;
				case 'setup':
				case 'change':
					minutes = 5 * rng.int(6, 48);
					billable = rng.chance(0.9);
					break;
				case 'training':
					minutes = 5 * rng.int(12, 36);
					billable = true;
					break;
				case 'repair':
					minutes = 5 * rng.int(4, 36);
					billable = rng.chance(0.5);
					break;
				case 'analysis':
					minutes = 5 * rng.int(3, 24);
					billable = false;
					break;
				default:
					minutes = rng.chance(0.2) ? rng.int(5, 45) : 5 * rng.int(1, 9);
					billable = rng.chance(manualAnswer ? 0.3 : 0.05);
			}
			const needsPo =
				wt === 'on_site'
					? rng.chance(0.75)
					: wt === 'setup' || wt === 'change'
						? rng.chance(0.8)
						: false;
			const po = needsPo
				? `PO-${Math.floor(civilFromDays(Math.floor(at / DAY)) / 10000)}-${String(rng.int(1, 9999)).padStart(4, '0')}`
				: '';
			entries.push({
				at,
				minutes,
				type: wt,
				billable,
				onSite: wt === 'on_site',
				po,
				agent: holderAt(at)
			});
		}

		// Satisfaction, stations, due date: rolled before the cut so the random stream does not
		// depend on asOf-driven branches.
		const satRoll = rng.weighted([40, 35, 20, 5]);
		const dueOffset = rng.int(5, 14);
		const groupExtra = isA && rng.chance(0.05) ? 1 : 0;
		const zdNoise = rng.next();

		// ---- cut at asOf
		evs.sort((a, b) => a.at - b.at);
		let status = 'new';
		let firstReplyAt = -1;
		let replyCount = 0;
		let reopens = 0;
		let firstSolveSeen = -1;
		let lastSolveSeen = -1;
		let updated = C;
		let priority: string = PRIORITIES[initialP];
		let line = 1;
		let reassessSeen = false;
		let visible = 0;
		for (const e of evs) {
			if (e.at > asOf) break;
			visible++;
			if (e.at > updated) updated = e.at;
			switch (e.kind) {
				case 'status':
					status = e.to;
					if (e.to === 'solved') {
						if (firstSolveSeen < 0) firstSolveSeen = e.at;
						lastSolveSeen = e.at;
					}
					if (e.from === 'solved' && e.to === 'open') reopens++;
					break;
				case 'reply':
					if (e.to !== 'auto') {
						replyCount++;
						if (firstReplyAt < 0) firstReplyAt = e.at;
					}
					break;
				case 'priority':
					priority = e.to;
					break;
				case 'line':
					line = Number(e.to);
					break;
				case 'reassessment':
					reassessSeen = true;
					break;
			}
		}
		const solved = status === 'solved' || status === 'closed';

		// ---- tickets.csv row
		const tags: string[] = [];
		if (featureRequest) tags.push('feature_request');
		if (serviceBlocker) tags.push('service_blocker');
		if (externalProblem) tags.push('external_problem');
		if (noPin) tags.push('no_pin');
		if (reassessSeen) tags.push('reassessment');
		if (line >= 2) tags.push('escalated_2nd_line');
		if (line >= 3) tags.push('escalated_3rd_line');
		if (manualAnswer && (solved || replyCount > 0)) tags.push('manual_answer');
		if (trainingDeclined) tags.push('training_declined');

		const currentAgent = isNew ? '' : holderAt(asOf);
		const group = isA
			? lang === 'en'
				? 'Support EN'
				: 'Support NL'
			: line === 3
				? '3e lijn'
				: line === 2
					? '2e lijn'
					: 'Servicedesk';
		const assignedAt = isNew ? '' : formatAmsterdam(Math.max(assignedFirst, handoverAt(asOf)));
		const assigneeStations = isNew
			? 0
			: 1 + (line - 1) + (reassigned && reassignAt <= asOf ? 1 : 0);
		const groupStations = isNew ? 0 : 1 + (line - 1) + groupExtra;

		const mins = (s: number) => String(Math.round(s / 60));
		let frCal = '';
		let frBh = '';
		if (firstReplyAt >= 0) {
			frCal = mins(firstReplyAt - C);
			frBh = mins(bizBetween(C, firstReplyAt, zdCal));
		}
		let solvedAt = '';
		let resolutionHours = '';
		let firstRes = '';
		let firstResBh = '';
		let fullRes = '';
		let fullResBh = '';
		let agentWait = '';
		let agentWaitBh = '';
		let reqWait = '';
		let reqWaitBh = '';
		let onHold = '';
		let onHoldBh = '';
		if (solved) {
			solvedAt = formatAmsterdam(lastSolveSeen);
			const full = lastSolveSeen - C;
			resolutionHours = String(Math.round(full / 3600));
			firstRes = mins(firstSolveSeen - C);
			firstResBh = mins(bizBetween(C, firstSolveSeen, zdCal));
			fullRes = mins(full);
			const fullBh = bizBetween(C, lastSolveSeen, zdCal);
			fullResBh = mins(fullBh);
			let pend = 0;
			let pendBh = 0;
			for (let k = 0; k < pendingIntervals.length; k += 2) {
				pend += pendingIntervals[k + 1] - pendingIntervals[k];
				pendBh += bizBetween(pendingIntervals[k], pendingIntervals[k + 1], zdCal);
			}
			let hold = 0;
			let holdBh = 0;
			for (let k = 0; k < holdIntervals.length; k += 2) {
				hold += holdIntervals[k + 1] - holdIntervals[k];
				holdBh += bizBetween(holdIntervals[k], holdIntervals[k + 1], zdCal);
			}
			let gap = 0;
			let gapBh = 0;
			if (reopens > 0) {
				gap = reopenAt - firstSolve;
				gapBh = bizBetween(firstSolve, reopenAt, zdCal);
			}
			// The helpdesk's own business figures are a little off now and then (schedule edits).
			const drift = zdNoise < 0.03 ? 1.1 : 1;
			agentWait = mins(pend);
			agentWaitBh = mins(pendBh);
			reqWait = mins(Math.max(0, full - pend - gap));
			reqWaitBh = mins(Math.max(0, fullBh - pendBh - gapBh) * drift);
			onHold = mins(hold);
			onHoldBh = mins(holdBh);
		}
		const satisfaction = solved
			? ['Not Offered', 'Offered', 'Good', 'Bad'][satRoll]
			: 'Not Offered';
		const dueDate = type === 'task' ? fmtDay(createdDay + dueOffset) + ' 12:00:00' : '';
		const submitter = isPhone && !isNew ? agent : requester.name;

		ticketSink.add(
			'' +
				',' +
				id +
				',' +
				csv(requester.name) +
				',' +
				requester.id +
				',' +
				requester.externalId +
				',' +
				requester.email +
				',' +
				requester.email.slice(requester.email.indexOf('@') + 1) +
				',' +
				csv(submitter) +
				',' +
				currentAgent +
				',' +
				group +
				',' +
				csv(subject) +
				',' +
				tags.join(' ') +
				',' +
				status +
				',' +
				priority +
				',' +
				via +
				',' +
				type +
				',' +
				formatAmsterdam(C) +
				',' +
				formatAmsterdam(updated) +
				',' +
				assignedAt +
				',' +
				csv(orgName) +
				',' +
				dueDate +
				',' +
				(isNew ? '' : formatAmsterdam(assignedFirst)) +
				',' +
				solvedAt +
				',' +
				resolutionHours +
				',' +
				satisfaction +
				',' +
				groupStations +
				',' +
				assigneeStations +
				',' +
				reopens +
				',' +
				replyCount +
				',' +
				frCal +
				',' +
				frBh +
				',' +
				firstRes +
				',' +
				firstResBh +
				',' +
				fullRes +
				',' +
				fullResBh +
				',' +
				agentWait +
				',' +
				agentWaitBh +
				',' +
				reqWait +
				',' +
				reqWaitBh +
				',' +
				onHold +
				',' +
				onHoldBh +
				',' +
				langField +
				',' +
				categoryField +
				',' +
				submitted
		);

		if (!eventSink || !entrySink) return;
		for (let k = 0; k < visible; k++) {
			const e = evs[k];
			eventSink.add(
				id + ',' + formatUtc(e.at) + ',' + e.kind + ',' + e.from + ',' + e.to + ',' + csv(e.actor)
			);
		}
		eventRows += visible;
		const end = solved ? lastSolveSeen : asOf;
		entries.sort((a, b) => a.at - b.at);
		for (const en of entries) {
			if (isNew || en.at > end || en.at > asOf || en.at < C) continue;
			entryRows++;
			entrySink.add(
				'T' +
					entryRows +
					',' +
					id +
					',' +
					formatUtc(en.at) +
					',' +
					en.minutes +
					',' +
					en.type +
					',' +
					en.billable +
					',' +
					en.onSite +
					',' +
					en.po +
					',' +
					csv(en.agent)
			);
		}
	}
}
