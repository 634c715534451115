/**
 * A profile says how one kind of export maps onto Peil's records: which column holds which Peil
 * field, how its dates are written and in which zone, and how its values map onto Peil's words.
 * A profile is data (this shape, as JSON) plus, for the built-in helpdesks, a few derived fields
 * written as SQL expressions over the already-normalised fields.
 *
 * The user's own mapping file (the "generic" profile) has exactly this shape; so do the ones
 * saved from the /import page.
 */

export type RecordKind = 'tickets' | 'events' | 'time_entries' | 'event_log';

export type FieldType =
	| 'text'
	| 'instant'
	| 'integer'
	| 'number'
	| 'boolean'
	/** a duration, stored in minutes; `unit` says how the export writes it */
	| 'duration'
	/** text mapped through `map`; a value with no entry is rejected */
	| 'enum';

export interface FieldSpec {
	/** header name(s) to look for, case-insensitive; the first one present is used */
	column: string | string[];
	type?: FieldType;
	/** instants: accepted formats (DuckDB strptime patterns, or dd-mm-yyyy HH:mm style) */
	format?: string | string[];
	/** enum/text: value map, keys matched case-insensitively after trimming */
	map?: Record<string, string>;
	/** enum: what an empty cell becomes (default: empty stays empty) */
	emptyAs?: string;
	/** booleans: the words that mean true (default true/yes/ja/1/y/x) */
	trueValues?: string[];
	/** the row is rejected when this field is empty */
	required?: boolean;
	/**
	 * durations: 'minutes' (default), 'hours', 'seconds', or 'clock' for h:mm / h:mm:ss (a leading
	 * minus kept: Jira writes a missed SLA's remaining time as -1:30)
	 */
	unit?: 'minutes' | 'hours' | 'seconds' | 'clock';
	/**
	 * text replaced before parsing, in order, case-insensitively: localised month names and
	 * AM/PM markers (`{ "ene": "jan", "a. m.": "am" }`) so one date format reads them all
	 */
	replace?: Record<string, string>;
}

/**
 * How an event log (one row per activity or per update of a ticket, as process-mining tools and
 * ServiceNow audit extracts write them) becomes tickets with their event history.
 */
export interface EventLogSpec {
	/**
	 * 'activity': each row is one thing that happened (the activity column names it);
	 * 'snapshot': each row is the ticket as it was after an update (the activity column holds its
	 * state), so a change of state between consecutive rows is the event.
	 */
	mode: 'activity' | 'snapshot';
	/** activity (or state) names per meaning, matched case-insensitively */
	activities: Partial<Record<EventMeaning, string[]>>;
}

export const EVENT_MEANINGS = [
	'created',
	'first_response',
	'pause_start',
	'pause_end',
	'resolved',
	'closed'
] as const;
export type EventMeaning = (typeof EVENT_MEANINGS)[number];

export interface Profile {
	name: string;
	/** what a person sees in the report: "Zendesk ticket CSV export" */
	label: string;
	kind: RecordKind;
	/** headers that identify this export; detection scores how many are present */
	/** an entry that is a list names one column in several languages: any of them counts */
	signature?: (string | string[])[];
	/** the zone of wall-clock times when the import gives none */
	zone?: string;
	fields: Record<string, FieldSpec>;
	/**
	 * Fields computed from the normalised ones, as DuckDB SQL expressions over `n.<field>`
	 * (the normalised values) and `src` columns named `f_<field>`; applied after parsing.
	 * Example: first_response_at from Zendesk's "First reply time in minutes".
	 */
	derived?: Record<string, { sql: string; origin?: string; uses: string[] }>;
	/** cell values that mean "no value" besides an empty cell (ServiceNow extracts write `?`) */
	nullValues?: string[];
	/** for kind 'event_log': how rows become tickets and events */
	eventLog?: EventLogSpec;
}

/** The Peil fields of each kind of record, with their types and what they mean. */
export const RECORD_FIELDS: Record<
	RecordKind,
	Record<string, { type: FieldType; label: string }>
> = {
	tickets: {
		external_id: { type: 'text', label: 'ticket id' },
		organisation: { type: 'text', label: 'organisation' },
		subject: { type: 'text', label: 'subject' },
		status: { type: 'enum', label: 'status' },
		submitted_priority: { type: 'enum', label: 'submitted priority' },
		final_priority: { type: 'enum', label: 'priority' },
		type: { type: 'enum', label: 'type' },
		category: { type: 'text', label: 'category' },
		channel: { type: 'enum', label: 'channel' },
		language: { type: 'enum', label: 'language' },
		requester_name: { type: 'text', label: 'requester' },
		requester_email: { type: 'text', label: 'requester e-mail' },
		requester_id: { type: 'text', label: 'requester id' },
		line: { type: 'enum', label: 'line' },
		phone_pin_valid: { type: 'boolean', label: 'phone PIN valid' },
		tags: { type: 'text', label: 'tags' },
		created_at: { type: 'instant', label: 'creation time' },
		first_response_at: { type: 'instant', label: 'first response time' },
		resolved_at: { type: 'instant', label: 'resolution time' },
		closed_at: { type: 'instant', label: 'closing time' },
		updated_at: { type: 'instant', label: 'last update time' }
	},
	events: {
		ticket_id: { type: 'text', label: 'ticket id' },
		occurred_at: { type: 'instant', label: 'event time' },
		kind: { type: 'enum', label: 'event kind' },
		from_value: { type: 'text', label: 'from' },
		to_value: { type: 'text', label: 'to' },
		actor: { type: 'text', label: 'actor' }
	},
	time_entries: {
		external_id: { type: 'text', label: 'time entry id' },
		ticket_id: { type: 'text', label: 'ticket id' },
		started_at: { type: 'instant', label: 'start time' },
		minutes: { type: 'number', label: 'minutes' },
		work_type: { type: 'text', label: 'work type' },
		billable: { type: 'boolean', label: 'billable' },
		on_site: { type: 'boolean', label: 'on site' },
		order_reference: { type: 'text', label: 'order reference' },
		agent: { type: 'text', label: 'agent' }
	},
	event_log: {}
};
// An event log carries the ticket's fields on every row, plus what happened when and by whom.
RECORD_FIELDS.event_log = {
	...RECORD_FIELDS.tickets,
	occurred_at: { type: 'instant', label: 'event time' },
	activity: { type: 'text', label: 'activity' },
	actor: { type: 'text', label: 'actor' }
};

/** Fields a record cannot do without. */
export const REQUIRED_FIELDS: Record<RecordKind, string[]> = {
	tickets: ['external_id', 'created_at'],
	events: ['ticket_id', 'occurred_at', 'kind'],
	time_entries: ['external_id', 'ticket_id', 'started_at', 'minutes'],
	event_log: ['external_id', 'occurred_at', 'activity']
};

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export const TYPES = [
	'service_blocker',
	'incident',
	'question',
	'request',
	'feature_request',
	'problem',
	'task',
	'external'
] as const;

/** The values Peil's own words allow, for value maps of these fields. */
export const ALLOWED_VALUES: Record<string, readonly string[]> = {
	final_priority: PRIORITIES,
	submitted_priority: PRIORITIES,
	status: STATUSES,
	type: TYPES
};

/** Fields named sla_… hold the helpdesk's own SLA figures; they are kept, never used as Peil's. */
export function isHelpdeskSlaField(field: string): boolean {
	return /^sla_[a-z0-9_]{1,60}$/.test(field);
}

/** Validate a profile read from a file or a form; returns readable problems (empty when fine). */
export function checkProfile(p: unknown): string[] {
	const problems: string[] = [];
	if (!p || typeof p !== 'object') return ['a profile must be a JSON object'];
	const o = p as Partial<Profile>;
	if (!o.name || typeof o.name !== 'string') problems.push('"name" is missing');
	if (!o.kind || !(o.kind in RECORD_FIELDS))
		problems.push(`"kind" must be one of ${Object.keys(RECORD_FIELDS).join(', ')}`);
	if (!o.fields || typeof o.fields !== 'object') {
		problems.push('"fields" is missing: map each Peil field to a column');
		return problems;
	}
	const known = o.kind && o.kind in RECORD_FIELDS ? RECORD_FIELDS[o.kind] : {};
	for (const [field, spec] of Object.entries(o.fields)) {
		if (isHelpdeskSlaField(field)) {
			// the helpdesk's own SLA figures: kept as its claim, any name of this form
		} else if (!Object.hasOwn(known, field) || !/^[a-z][a-z0-9_]*$/.test(field)) {
			problems.push(`"${field}" is not a Peil field; known: ${Object.keys(known).join(', ')}`);
			continue;
		}
		if (!spec || (typeof spec.column !== 'string' && !Array.isArray(spec.column)))
			problems.push(`field "${field}" needs a "column"`);
		const allowed = ALLOWED_VALUES[field];
		if (allowed && spec?.map)
			for (const [k, v] of Object.entries(spec.map))
				if (!allowed.includes(v))
					problems.push(
						`field "${field}" maps "${k}" to "${v}", which is not one of ${allowed.join(', ')}`
					);
	}
	if (o.kind === 'event_log') {
		const e = o.eventLog;
		if (!e || (e.mode !== 'activity' && e.mode !== 'snapshot') || typeof e.activities !== 'object')
			problems.push(
				'an event log needs "eventLog": { "mode": "activity" or "snapshot", "activities": { "created": [...], ... } }'
			);
		else
			for (const k of Object.keys(e.activities))
				if (!(EVENT_MEANINGS as readonly string[]).includes(k))
					problems.push(`"${k}" is not an activity meaning; known: ${EVENT_MEANINGS.join(', ')}`);
	}
	if (o.kind && o.kind in REQUIRED_FIELDS) {
		for (const f of REQUIRED_FIELDS[o.kind])
			if (!(f in o.fields) && !(o.derived && f in o.derived))
				problems.push(`field "${f}" is required for ${o.kind}`);
	}
	return problems;
}
