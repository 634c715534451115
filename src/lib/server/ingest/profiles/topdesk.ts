/**
 * TOPdesk incidents: the selection/overview export (CSV or Excel) with the user's language labels,
 * and the REST API's incident JSON (`/tas/api/incidents`).
 *
 * The UI export writes Dutch labels (Aanmelddatum, Streefdatum, Datum gereed, Datum afgemeld,
 * Behandelaarsgroep…) or English ones (Call date, Target date, Completed date, Closed date,
 * Operator group…). The fields know both; detection needs one signature per language, so the two
 * are separate profiles with the same fields (`topdesk`, `topdesk-en`). No public sample of the UI
 * export exists: the labels follow TOPdesk's field names and should be checked against a real
 * customer file.
 *
 * The call date (aanmelddatum) is when the SLA clock starts: Peil's creation time. Gereed
 * (completed) is the resolution, afgemeld (closed) the closing; TOPdesk's own target date
 * (streefdatum), on-hold duration and time spent are kept as its claim. Priorities and processing
 * statuses are tenant-defined: the usual names are mapped; others are reported as unknown, to be
 * added to a saved mapping. When an incident has a completed or closed date, that decides its
 * status (TOPdesk's processing status need not follow it, and the `Status` column of an overview
 * is the line: first line, second line, partial).
 *
 * Times: Dutch `dd-mm-yyyy HH:mm` in the exporting user's zone, spreadsheet date cells, and the
 * REST format `2021-02-11T06:32:36.303+0000` (an offset, so no zone needed).
 */
import type { FieldSpec, Profile } from '../profile.ts';

/** The REST API's form, `2021-02-11T06:32:36.303+0000` (offset with or without colon, or Z). */
const ISO_FORMATS = ['yyyy-MM-ddTHH:mm:ss.SSSZ', 'yyyy-MM-ddTHH:mm:ssZ'];

const TIME_FORMATS = [
	'dd-MM-yyyy HH:mm',
	'dd-MM-yyyy HH:mm:ss',
	'dd/MM/yyyy HH:mm',
	'dd/MM/yyyy HH:mm:ss',
	// spreadsheet date cells
	'yyyy-MM-dd HH:mm:ss',
	'yyyy-MM-dd HH:mm',
	...ISO_FORMATS
];

const time = (column: string | string[]): FieldSpec => ({
	column,
	type: 'instant',
	format: TIME_FORMATS
});

const apiTime = (column: string): FieldSpec => ({ column, type: 'instant', format: ISO_FORMATS });

/**
 * Tenant-defined priorities: `P1 - Zeer hoog`, `Hoog`, `2`, `Prio 3`, `Critical`, `P4 - Low`…
 * A leading P-number (or plain number) is the tenant's own level and wins over the word after it.
 */
function priorityMap(): Record<string, string> {
	const words: Record<string, string[]> = {
		P1: ['zeer hoog', 'kritiek', 'kritisch', 'spoed', 'urgent', 'critical', 'very high', 'highest'],
		P2: ['hoog', 'high'],
		P3: ['normaal', 'gemiddeld', 'middel', 'medium', 'normal', 'moderate'],
		P4: ['laag', 'zeer laag', 'low', 'very low', 'lowest', 'planning']
	};
	const all = Object.values(words).flat();
	const map: Record<string, string> = {};
	for (const [level, list] of Object.entries(words)) for (const w of list) map[w] = level;
	for (let n = 1; n <= 4; n++) {
		const level = `P${n}`;
		for (const prefix of [`p${n}`, `${n}`, `prio ${n}`, `prioriteit ${n}`, `priority ${n}`]) {
			map[prefix] = level;
			for (const w of all) {
				map[`${prefix} - ${w}`] = level;
				map[`${prefix} ${w}`] = level;
				map[`${prefix}: ${w}`] = level;
			}
		}
	}
	return map;
}

const PRIORITY = priorityMap();

const STATUS: Record<string, string> = {
	aangemeld: 'new',
	geregistreerd: 'new',
	nieuw: 'new',
	logged: 'new',
	registered: 'new',
	new: 'new',
	'in behandeling': 'open',
	toegewezen: 'open',
	gepland: 'open',
	'in progress': 'open',
	assigned: 'open',
	scheduled: 'open',
	open: 'open',
	'wacht op gebruiker': 'pending',
	'wachten op gebruiker': 'pending',
	'wacht op aanmelder': 'pending',
	'wachten op aanmelder': 'pending',
	'wacht op klant': 'pending',
	'wachten op klant': 'pending',
	'waiting for user': 'pending',
	'waiting for caller': 'pending',
	'waiting for customer': 'pending',
	'wacht op leverancier': 'hold',
	'wachten op leverancier': 'hold',
	'wacht op derden': 'hold',
	'wachten op derden': 'hold',
	'on hold': 'hold',
	'waiting for supplier': 'hold',
	'waiting for third party': 'hold',
	gereed: 'solved',
	opgelost: 'solved',
	completed: 'solved',
	resolved: 'solved',
	afgemeld: 'closed',
	gesloten: 'closed',
	closed: 'closed',
	// an overview's `Status` column is the line; the dates (see `derived`) decide done or not
	eerstelijns: 'open',
	tweedelijns: 'open',
	deelmelding: 'open',
	'first line': 'open',
	'second line': 'open',
	partial: 'open',
	firstline: 'open',
	secondline: 'open',
	firstlinearchived: 'closed',
	secondlinearchived: 'closed',
	partialarchived: 'closed'
};

const TYPE: Record<string, string> = {
	storing: 'incident',
	verstoring: 'incident',
	incident: 'incident',
	vraag: 'question',
	informatievraag: 'question',
	question: 'question',
	'request for information': 'question',
	verzoek: 'request',
	aanvraag: 'request',
	wijzigingsverzoek: 'request',
	request: 'request',
	'service request': 'request',
	wens: 'feature_request',
	'feature request': 'feature_request',
	probleem: 'problem',
	problem: 'problem'
};

const CHANNEL: Record<string, string> = {
	telefoon: 'phone',
	telefonisch: 'phone',
	phone: 'phone',
	telephone: 'phone',
	'e-mail': 'email',
	email: 'email',
	mail: 'email',
	selfservice: 'web',
	'self-service': 'web',
	'self service': 'web',
	'self service desk': 'web',
	'self-service portal': 'web',
	zelfbediening: 'web',
	portal: 'web',
	portaal: 'web',
	web: 'web',
	chat: 'chat',
	balie: 'walk-in',
	'walk-in': 'walk-in',
	'walk in': 'walk-in',
	automatisering: 'api',
	automatisch: 'api',
	automation: 'api',
	api: 'api'
};

/** The UI export's fields, Dutch and English labels. */
const uiFields: Profile['fields'] = {
	external_id: {
		column: ['Incidentnummer', 'Melding', 'Meldingnummer', 'Nummer', 'Number', 'Incident number'],
		required: true
	},
	subject: { column: ['Korte omschrijving', 'Brief description'] },
	created_at: { ...time(['Aanmelddatum', 'Call date']), required: true },
	first_response_at: time(['Reactiedatum', 'Response date']),
	resolved_at: time(['Datum gereed', 'Gereed datum', 'Completed date']),
	closed_at: time(['Datum afgemeld', 'Afgemeld datum', 'Closed date']),
	updated_at: time(['Datum gewijzigd', 'Wijzigingsdatum', 'Modification date']),
	final_priority: { column: ['Prioriteit', 'Priority'], type: 'enum', map: PRIORITY },
	status: { column: ['Behandelstatus', 'Processing status', 'Status'], map: STATUS },
	type: { column: ['Soort melding', 'Call type'], type: 'text', map: TYPE },
	category: { column: ['Categorie', 'Category'] },
	organisation: { column: ['Vestiging', 'Branch', 'Organisatie', 'Organisation', 'Organization'] },
	requester_name: { column: ['Aanmelder', 'Caller'] },
	requester_email: {
		column: ['E-mail aanmelder', 'Email aanmelder', 'Caller email', 'Caller e-mail']
	},
	channel: { column: ['Soort binnenkomst', 'Entry type'], type: 'text', map: CHANNEL },
	sla_target_at: time(['Streefdatum', 'Target date']),
	sla_on_hold_minutes: {
		column: ['Wachtduur', 'On hold duration'],
		type: 'duration',
		unit: 'minutes'
	},
	sla_time_spent_minutes: {
		column: ['Bestede tijd', 'Time spent'],
		type: 'duration',
		unit: 'minutes'
	},
	sla_subcategory: { column: ['Subcategorie', 'Subcategory'], type: 'text' },
	sla_impact: { column: 'Impact', type: 'text' },
	sla_urgency: { column: ['Urgentie', 'Urgency'], type: 'text' }
};

/**
 * The REST API's fields. Only the dotted names: a null object flattens to a column of its own
 * name (`priority`), which must not win over `priority.name` from the records that have one.
 */
const apiFields: Profile['fields'] = {
	external_id: { column: 'number', required: true },
	subject: { column: 'briefDescription' },
	created_at: { ...apiTime('callDate'), required: true },
	first_response_at: apiTime('responseDate'),
	resolved_at: apiTime('completedDate'),
	closed_at: apiTime('closedDate'),
	updated_at: apiTime('modificationDate'),
	final_priority: { column: 'priority.name', type: 'enum', map: PRIORITY },
	status: { column: 'processingStatus.name', map: STATUS },
	type: { column: 'callType.name', type: 'text', map: TYPE },
	category: { column: 'category.name' },
	organisation: { column: ['branch.name', 'callerBranch.name', 'caller.branch.name'] },
	requester_name: { column: 'caller.dynamicName' },
	requester_email: { column: 'caller.email' },
	channel: { column: 'entryType.name', type: 'text', map: CHANNEL },
	sla_target_at: apiTime('targetDate'),
	sla_on_hold_minutes: { column: 'onHoldDuration', type: 'duration', unit: 'minutes' },
	sla_time_spent_minutes: { column: 'timeSpent', type: 'duration', unit: 'minutes' },
	sla_subcategory: { column: 'subcategory.name', type: 'text' },
	sla_impact: { column: 'impact.name', type: 'text' },
	sla_urgency: { column: 'urgency.name', type: 'text' }
};

const derived: Profile['derived'] = {
	status: {
		sql: `CASE WHEN n.closed_at IS NOT NULL THEN 'closed'
			WHEN n.resolved_at IS NOT NULL AND n.status IS DISTINCT FROM 'closed' THEN 'solved'
			ELSE n.status END`,
		uses: ['status', 'resolved_at', 'closed_at']
	}
};

export const topdeskIncidents: Profile = {
	name: 'topdesk',
	label: 'TOPdesk incident export (Dutch labels)',
	kind: 'tickets',
	zone: 'Europe/Amsterdam',
	signature: [
		'Aanmelddatum',
		'Aanmelder',
		'Korte omschrijving',
		'Soort melding',
		'Categorie',
		'Prioriteit',
		'Behandelaarsgroep',
		'Behandelaar',
		'Streefdatum',
		'Datum gereed',
		'Datum afgemeld'
	],
	fields: uiFields,
	derived
};

export const topdeskIncidentsEn: Profile = {
	name: 'topdesk-en',
	label: 'TOPdesk incident export (English labels)',
	kind: 'tickets',
	zone: 'Europe/Amsterdam',
	signature: [
		'Call date',
		'Caller',
		'Brief description',
		'Call type',
		'Category',
		'Priority',
		'Operator group',
		'Operator',
		'Target date',
		'Completed date',
		'Closed date'
	],
	fields: uiFields,
	derived
};

/**
 * The REST API's incidents as JSON, nested objects flattened to dotted columns
 * (`priority.name`, `caller.dynamicName`). `onHoldDuration` and `timeSpent` are taken as minutes.
 */
export const topdeskApiIncidents: Profile = {
	name: 'topdesk-api',
	label: 'TOPdesk incidents (REST API JSON)',
	kind: 'tickets',
	zone: 'Europe/Amsterdam',
	signature: [
		'number',
		'callDate',
		'briefDescription',
		'targetDate',
		'responseDate',
		'completedDate',
		'closedDate',
		'onHoldDuration',
		'timeSpent',
		'processingStatus.name',
		'caller.dynamicName',
		'modificationDate'
	],
	fields: apiFields,
	derived
};
