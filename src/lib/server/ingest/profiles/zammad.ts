/**
 * Zammad tickets: the XLSX report export (Reporting → Download, `lib/excel_sheet/ticket.rb`) and
 * the REST API's ticket JSON (`/api/v1/tickets?expand=true`, names instead of ids).
 *
 * The XLSX writes its times as spreadsheet date cells in the zone the download asked for (the
 * browser's), so the import's zone matters; the API writes UTC (`2021-11-03T11:51:13.790Z`).
 * Zammad writes a title line and an empty line above the header and a "Timezone: …" line below
 * the rows; the reader needs the header in the first row.
 *
 * Zammad's own SLA figures are kept as its claim: `*_in_min` (time taken) and `*_diff_in_min`
 * (left against its SLA target, negative when escalated), computed on the SLA's calendar, and its
 * escalation times. Peil takes only the times themselves; Zammad has no solved state, so its
 * closing time is also the resolution time.
 *
 * States: new, open, pending reminder, pending close, closed, merged, removed (the last two count
 * as closed; the raw state is kept). Priorities: `1 low`, `2 normal`, `3 high`. A German-language
 * account shows the same values translated; those are mapped too.
 */
import type { FieldSpec, Profile } from '../profile.ts';

/** The report's date cells (wall-clock), or the same sheet saved again by a spreadsheet. */
const SHEET_FORMATS = [
	'yyyy-MM-dd HH:mm:ss',
	'yyyy-MM-dd HH:mm',
	'dd.MM.yyyy HH:mm:ss',
	'dd.MM.yyyy HH:mm',
	'dd-MM-yyyy HH:mm:ss',
	'dd-MM-yyyy HH:mm'
];
/** The API's UTC times, `2021-11-03T11:51:13.790Z`. */
const API_FORMATS = ['yyyy-MM-ddTHH:mm:ss.SSSZ', 'yyyy-MM-ddTHH:mm:ssZ'];

const sheetTime = (column: string): FieldSpec => ({
	column,
	type: 'instant',
	format: SHEET_FORMATS
});
const apiTime = (column: string): FieldSpec => ({ column, type: 'instant', format: API_FORMATS });
const minutes = (column: string | string[]): FieldSpec => ({ column, type: 'integer' });

const STATE: Record<string, string> = {
	new: 'new',
	open: 'open',
	'pending reminder': 'pending',
	'pending close': 'pending',
	closed: 'closed',
	merged: 'closed',
	removed: 'closed',
	neu: 'new',
	offen: 'open',
	'warten auf erinnerung': 'pending',
	'warten auf schließen': 'pending',
	geschlossen: 'closed',
	zusammengefügt: 'closed',
	entfernt: 'closed'
};

const PRIORITY: Record<string, string> = {
	'1 low': 'P4',
	'2 normal': 'P3',
	'3 high': 'P2',
	low: 'P4',
	normal: 'P3',
	high: 'P2',
	'1 niedrig': 'P4',
	'3 hoch': 'P2',
	niedrig: 'P4',
	hoch: 'P2'
};

const CHANNEL: Record<string, string> = {
	email: 'email',
	phone: 'phone',
	web: 'web',
	chat: 'chat',
	sms: 'phone',
	fax: 'email'
};

/** Zammad has no solved state: closing a ticket is its resolution (close_at is its solution time). */
const DERIVED: Profile['derived'] = {
	resolved_at: { sql: 'n.closed_at', uses: ['closed_at'] }
};

const TYPE: Record<string, string> = {
	incident: 'incident',
	problem: 'problem',
	question: 'question',
	request: 'request',
	'service request': 'request',
	'request for change': 'request',
	'feature request': 'feature_request'
};

export const zammadTickets: Profile = {
	name: 'zammad',
	label: 'Zammad ticket report (XLSX)',
	kind: 'tickets',
	zone: 'Europe/Amsterdam',
	signature: [
		'#',
		'Title',
		'State',
		'Priority',
		'Group',
		'Owner',
		'Customer',
		'Organization',
		'Create Channel',
		'Time Units Total',
		'Created At',
		'Updated At',
		'Closed At',
		'First Response At',
		'First Response In Min',
		'Close In Min',
		'Escalation At'
	],
	fields: {
		external_id: { column: ['#', 'Number'], required: true },
		subject: { column: 'Title' },
		status: { column: 'State', map: STATE },
		final_priority: { column: 'Priority', type: 'enum', map: PRIORITY },
		type: { column: 'Type', type: 'text', map: TYPE },
		organisation: { column: 'Organization' },
		requester_name: { column: 'Customer' },
		channel: { column: 'Create Channel', type: 'text', map: CHANNEL },
		tags: { column: 'Tags' },
		created_at: { ...sheetTime('Created At'), required: true },
		updated_at: sheetTime('Updated At'),
		closed_at: sheetTime('Closed At'),
		first_response_at: sheetTime('First Response At'),
		sla_first_response_in_min: minutes('First Response In Min'),
		sla_first_response_diff_in_min: minutes('First Response Diff In Min'),
		sla_first_response_escalation_at: sheetTime('First Response Escalation At'),
		sla_close_in_min: minutes('Close In Min'),
		sla_close_diff_in_min: minutes('Close Diff In Min'),
		sla_close_escalation_at: sheetTime('Close Escalation At'),
		sla_update_in_min: minutes('Update In Min'),
		sla_update_diff_in_min: minutes('Update Diff In Min'),
		sla_update_escalation_at: sheetTime('Update Escalation At'),
		sla_escalation_at: sheetTime('Escalation At'),
		sla_time_units_total: { column: 'Time Units Total', type: 'number' }
	},
	derived: DERIVED
};

/**
 * The API's tickets as JSON. With `expand=true` state, priority, organization and customer are
 * names; without it only ids come (`state_id`, `priority_id`), read here with Zammad's default
 * ids (states an administrator added are then unknown).
 */
export const zammadApiTickets: Profile = {
	name: 'zammad-api',
	label: 'Zammad tickets (REST API JSON)',
	kind: 'tickets',
	zone: 'UTC',
	signature: [
		'number',
		'title',
		'state',
		'priority',
		'organization',
		'customer',
		'created_at',
		'updated_at',
		'close_at',
		'first_response_at',
		'first_response_in_min',
		'first_response_diff_in_min',
		'close_in_min',
		'close_diff_in_min',
		'escalation_at'
	],
	fields: {
		external_id: { column: 'number', required: true },
		subject: { column: 'title' },
		status: {
			column: ['state', 'state_id'],
			map: {
				...STATE,
				'1': 'new',
				'2': 'open',
				'3': 'pending',
				'4': 'closed',
				'5': 'closed',
				'6': 'closed',
				'7': 'pending'
			}
		},
		final_priority: {
			column: ['priority', 'priority_id'],
			type: 'enum',
			map: { ...PRIORITY, '1': 'P4', '2': 'P3', '3': 'P2' }
		},
		type: { column: 'type', type: 'text', map: TYPE },
		organisation: { column: 'organization' },
		requester_name: { column: 'customer' },
		requester_id: { column: 'customer_id' },
		channel: { column: 'create_article_type', type: 'text', map: CHANNEL },
		tags: { column: 'tags' },
		created_at: { ...apiTime('created_at'), required: true },
		updated_at: apiTime('updated_at'),
		closed_at: apiTime('close_at'),
		first_response_at: apiTime('first_response_at'),
		sla_first_response_in_min: minutes('first_response_in_min'),
		sla_first_response_diff_in_min: minutes('first_response_diff_in_min'),
		sla_first_response_escalation_at: apiTime('first_response_escalation_at'),
		sla_close_in_min: minutes('close_in_min'),
		sla_close_diff_in_min: minutes('close_diff_in_min'),
		sla_close_escalation_at: apiTime('close_escalation_at'),
		sla_update_in_min: minutes('update_in_min'),
		sla_update_diff_in_min: minutes('update_diff_in_min'),
		sla_update_escalation_at: apiTime('update_escalation_at'),
		sla_escalation_at: apiTime('escalation_at'),
		sla_time_units_total: { column: 'time_unit', type: 'number' }
	},
	derived: DERIVED
};
