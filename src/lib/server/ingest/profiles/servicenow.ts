/**
 * ServiceNow incident exports, by element name (as list exports and the UCI audit extract write
 * them): `?` for a missing value, day-first times (`29-02-2016 01:16`, or `29/2/2016 01:16`),
 * priorities `1 - Critical` … `5 - Planning` that can change during a ticket's life, and
 * `made_sla`, ServiceNow's own verdict, kept as its claim.
 *
 * The audit extract has one row per update of an incident (a snapshot): it is an event log in
 * snapshot mode — the state column's changes are the events, the last row the ticket. A plain
 * incident list (one row per incident, no sys_updated_at) imports with the same profile: each
 * row is then one case with one snapshot.
 */
import type { FieldSpec, Profile } from '../profile.ts';

const DAY_FIRST = [
	'dd-MM-yyyy HH:mm',
	'dd-MM-yyyy HH:mm:ss',
	'd/M/yyyy HH:mm',
	'd/M/yyyy H:mm',
	'yyyy-MM-dd HH:mm:ss'
];
const time = (column: string | string[]): FieldSpec => ({
	column,
	type: 'instant',
	format: DAY_FIRST
});
const PRIORITY = {
	'1 - critical': 'P1',
	'2 - high': 'P2',
	'3 - moderate': 'P3',
	'4 - low': 'P4',
	'5 - planning': 'P4',
	'1': 'P1',
	'2': 'P2',
	'3': 'P3',
	'4': 'P4',
	'5': 'P4'
};

export const serviceNowIncidents: Profile = {
	name: 'servicenow',
	label: 'ServiceNow incident export (list or audit extract)',
	kind: 'event_log',
	zone: 'Europe/Amsterdam',
	nullValues: ['?'],
	signature: [
		'number',
		'incident_state',
		'opened_at',
		'sys_updated_at',
		'priority',
		'made_sla',
		'caller_id',
		'assignment_group',
		'resolved_at',
		'closed_at'
	],
	fields: {
		external_id: { column: 'number', required: true },
		activity: { column: ['incident_state', 'state'], required: true },
		occurred_at: time(['sys_updated_at', 'sys_updated_on', 'opened_at']),
		actor: { column: ['sys_updated_by', 'assigned_to'] },
		created_at: time('opened_at'),
		resolved_at: time('resolved_at'),
		closed_at: time('closed_at'),
		status: {
			column: ['incident_state', 'state'],
			map: {
				new: 'new',
				active: 'open',
				'in progress': 'open',
				'awaiting user info': 'pending',
				'awaiting evidence': 'pending',
				'awaiting problem': 'hold',
				'awaiting vendor': 'hold',
				'awaiting change': 'hold',
				'on hold': 'hold',
				resolved: 'solved',
				closed: 'closed',
				canceled: 'closed',
				cancelled: 'closed',
				'1': 'new',
				'2': 'open',
				'3': 'hold',
				'6': 'solved',
				'7': 'closed',
				'8': 'closed'
			}
		},
		final_priority: { column: 'priority', type: 'enum', map: PRIORITY },
		organisation: { column: ['company', 'account', 'location'] },
		requester_name: { column: ['caller_id', 'caller'] },
		category: { column: 'category' },
		channel: {
			column: 'contact_type',
			map: {
				phone: 'phone',
				email: 'email',
				'self service': 'web',
				'self-service': 'web',
				chat: 'chat',
				'walk-in': 'walk-in',
				ivr: 'phone',
				direct: 'phone'
			}
		},
		sla_made_sla: { column: 'made_sla', type: 'boolean' },
		sla_reassignment_count: { column: 'reassignment_count', type: 'integer' },
		sla_reopen_count: { column: 'reopen_count', type: 'integer' }
	},
	eventLog: {
		mode: 'snapshot',
		activities: {
			created: ['new', '1'],
			// the first time the incident is worked on: the first response as far as the extract shows
			first_response: ['active', 'in progress', '2'],
			pause_start: [
				'awaiting user info',
				'awaiting evidence',
				'awaiting problem',
				'awaiting vendor',
				'awaiting change',
				'on hold',
				'3'
			],
			resolved: ['resolved', '6'],
			closed: ['closed', 'canceled', 'cancelled', '7', '8']
		}
	}
};
