/**
 * Freshdesk's ticket export (Tickets → Export, CSV or Excel), and Freshservice's, which writes the
 * same labels with other capitals (`Ticket Id`, `Created Time`, `First Response Time (in Hrs)`)
 * and a few other words (`Last Updated Time`, `Requester Name`, `Department`) plus ITSM fields
 * (`Urgency`, `Impact`, `Category`, `Sub-Category`). Headers match case-insensitively, so one
 * profile reads both.
 *
 * Times are `YYYY-MM-DD HH:MM:SS` in the exporting user's zone, with no offset: the import's zone
 * matters. A file opened and saved again in Excel has the spreadsheet's `DD/MM/YYYY H:MM`; both
 * are read.
 *
 * Freshdesk writes the first response as a timestamp (`Initial response time`), so Peil takes it
 * as it is. Its own SLA figures are kept as its claim, never used as Peil's: the business-hour
 * durations `First response time (in hrs)` / `Resolution time (in hrs)` (`HH:MM:SS`, in minutes
 * here; real exports often hold 0:00:00 even when the times exist), the verdicts `Within SLA` /
 * `SLA Violated`, `Due by Time` and `Time tracked` (`HH:MM`).
 */
import type { FieldSpec, Profile } from '../profile.ts';

const TIME_FORMATS = [
	'yyyy-MM-dd HH:mm:ss',
	'yyyy-MM-dd HH:mm',
	// Excel re-saves in the spreadsheet's locale
	'dd/MM/yyyy H:mm',
	'dd/MM/yyyy H:mm:ss',
	'dd-MM-yyyy H:mm',
	'dd-MM-yyyy H:mm:ss'
];

const time = (column: string | string[]): FieldSpec => ({
	column,
	type: 'instant',
	format: TIME_FORMATS
});

const clock = (column: string | string[]): FieldSpec => ({
	column,
	type: 'duration',
	unit: 'clock'
});

export const freshdeskTickets: Profile = {
	name: 'freshdesk',
	label: 'Freshdesk / Freshservice ticket export',
	kind: 'tickets',
	zone: 'Europe/Amsterdam',
	signature: [
		'Ticket ID',
		'Subject',
		'Status',
		'Priority',
		'Source',
		'Type',
		'Agent',
		'Group',
		'Created time',
		'Due by Time',
		'Resolved time',
		'Closed time',
		'Initial response time',
		'First response time (in hrs)',
		'Resolution time (in hrs)',
		'Resolution status'
	],
	fields: {
		external_id: { column: ['Ticket ID', 'Ticket Id'], required: true },
		subject: { column: 'Subject' },
		status: {
			column: 'Status',
			map: {
				open: 'open',
				pending: 'pending',
				resolved: 'solved',
				closed: 'closed',
				'waiting on customer': 'pending',
				'waiting on third party': 'hold',
				'on hold': 'hold'
			}
		},
		final_priority: {
			column: 'Priority',
			type: 'enum',
			map: { urgent: 'P1', high: 'P2', medium: 'P3', low: 'P4' }
		},
		// account-defined: the usual ones mapped, any other kept as written
		type: {
			column: 'Type',
			type: 'text',
			map: {
				question: 'question',
				incident: 'incident',
				problem: 'problem',
				'feature request': 'feature_request',
				'service request': 'request',
				request: 'request',
				task: 'task'
			}
		},
		category: { column: 'Category' },
		// Freshdesk's sources, and Freshservice's; any other (Twitter, WhatsApp…) kept as written
		channel: {
			column: 'Source',
			type: 'text',
			map: {
				email: 'email',
				'outbound email': 'email',
				portal: 'web',
				'feedback widget': 'web',
				forum: 'web',
				phone: 'phone',
				chat: 'chat',
				'ms teams': 'chat',
				slack: 'chat',
				walkup: 'walk-in',
				'walk-up': 'walk-in'
			}
		},
		organisation: { column: ['Company Name', 'Company', 'Department'] },
		requester_name: { column: ['Requester Name', 'Full name', 'Requester'] },
		requester_email: { column: ['Requester Email', 'Email'] },
		requester_id: { column: ['Contact ID', 'Requester ID'] },
		tags: { column: 'Tags' },
		created_at: { ...time('Created time'), required: true },
		first_response_at: time('Initial response time'),
		resolved_at: time('Resolved time'),
		closed_at: time('Closed time'),
		updated_at: time(['Last update time', 'Last Updated Time']),
		sla_due_by: time('Due by Time'),
		sla_first_response_business_minutes: clock('First response time (in hrs)'),
		sla_resolution_business_minutes: clock('Resolution time (in hrs)'),
		sla_first_response_status: { column: 'First response status', type: 'text' },
		sla_resolution_status: { column: 'Resolution status', type: 'text' },
		sla_time_tracked_minutes: clock('Time tracked'),
		// Freshservice: the priority matrix's inputs, and the second level of its category
		sla_urgency: { column: 'Urgency', type: 'text' },
		sla_impact: { column: 'Impact', type: 'text' },
		sla_subcategory: { column: ['Sub-Category', 'Sub Category', 'Subcategory'], type: 'text' }
	}
};
