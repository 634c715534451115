/**
 * Zendesk's ticket CSV export (Admin Center → Reports → Export), headers as in Zendesk's own
 * article and in real files (`Id` / `ID`, `Requester id` / `Requester ID`). Zendesk converts every
 * time to the account's default zone and writes no offset, so the import's zone matters.
 *
 * Zendesk has no first-response timestamp in the CSV: it has "First reply time in minutes"
 * (calendar minutes from creation). Peil derives the instant from it and records that the
 * first response came from the helpdesk's minutes. Its business-hour minutes are kept as the
 * helpdesk's own claim for reconciliation, never used as Peil's figure.
 */
import type { Profile } from '../profile.ts';

export const zendeskTickets: Profile = {
	name: 'zendesk',
	label: 'Zendesk ticket CSV export',
	kind: 'tickets',
	zone: 'Europe/Amsterdam',
	signature: [
		'Id',
		'Requester',
		'Requester id',
		'Subject',
		'Status',
		'Priority',
		'Via',
		'Ticket type',
		'Created at',
		'Updated at',
		'Organization',
		'Solved at',
		'First reply time in minutes',
		'First reply time in minutes within business hours',
		'Full resolution time in minutes within business hours'
	],
	fields: {
		external_id: { column: ['Id', 'ID'], required: true },
		organisation: { column: 'Organization' },
		subject: { column: 'Subject' },
		status: {
			column: 'Status',
			map: {
				new: 'new',
				open: 'open',
				pending: 'pending',
				hold: 'hold',
				'on-hold': 'hold',
				solved: 'solved',
				closed: 'closed'
			}
		},
		final_priority: {
			column: 'Priority',
			type: 'enum',
			map: { urgent: 'P1', high: 'P2', normal: 'P3', low: 'P4' }
		},
		submitted_priority: {
			column: ['Submitted priority [list]', 'Submitted priority'],
			type: 'enum',
			map: {
				p1: 'P1',
				p2: 'P2',
				p3: 'P3',
				p4: 'P4',
				urgent: 'P1',
				high: 'P2',
				normal: 'P3',
				low: 'P4'
			}
		},
		type: {
			column: 'Ticket type',
			map: { question: 'question', incident: 'incident', problem: 'problem', task: 'task' }
		},
		category: { column: ['Category [list]', 'Category'] },
		channel: {
			column: 'Via',
			map: {
				mail: 'email',
				email: 'email',
				'web form': 'web',
				web: 'web',
				'web widget': 'web',
				'phone call (incoming)': 'phone',
				'phone call (outgoing)': 'phone',
				voicemail: 'phone',
				phone: 'phone',
				chat: 'chat',
				api: 'api'
			}
		},
		language: {
			column: ['Language [list]', 'Language'],
			map: { nl: 'nl', dutch: 'nl', nederlands: 'nl', en: 'en', english: 'en', engels: 'en' }
		},
		requester_name: { column: 'Requester' },
		requester_email: { column: 'Requester email' },
		requester_id: { column: ['Requester id', 'Requester ID'] },
		tags: { column: 'Tags' },
		created_at: { column: 'Created at', type: 'instant', required: true },
		updated_at: { column: 'Updated at', type: 'instant' },
		resolved_at: { column: 'Solved at', type: 'instant' },
		sla_first_reply_minutes: { column: 'First reply time in minutes', type: 'integer' },
		sla_first_reply_business_minutes: {
			column: 'First reply time in minutes within business hours',
			type: 'integer'
		},
		sla_first_resolution_business_minutes: {
			column: 'First resolution time in minutes within business hours',
			type: 'integer'
		},
		sla_full_resolution_minutes: { column: 'Full resolution time in minutes', type: 'integer' },
		sla_full_resolution_business_minutes: {
			column: 'Full resolution time in minutes within business hours',
			type: 'integer'
		},
		sla_on_hold_business_minutes: {
			column: 'On hold time in minutes within business hours',
			type: 'integer'
		},
		sla_requester_wait_business_minutes: {
			column: 'Requester wait time in minutes within business hours',
			type: 'integer'
		}
	},
	derived: {
		first_response_at: {
			sql: 'n.created_at + to_minutes(n.sla_first_reply_minutes::BIGINT)',
			origin: 'helpdesk minutes',
			uses: ['created_at', 'sla_first_reply_minutes']
		},
		// Zendesk tickets carry Peil's classifications as tags (macros and triggers set them).
		type: {
			sql: `CASE WHEN list_contains(string_split(lower(coalesce(n.tags, '')), ' '), 'feature_request') THEN 'feature_request'
				WHEN list_contains(string_split(lower(coalesce(n.tags, '')), ' '), 'service_blocker') THEN 'service_blocker'
				WHEN list_contains(string_split(lower(coalesce(n.tags, '')), ' '), 'external_problem') THEN 'external'
				ELSE n.type END`,
			uses: ['type', 'tags']
		},
		line: {
			sql: `CASE WHEN list_contains(string_split(lower(coalesce(n.tags, '')), ' '), 'escalated_3rd_line') THEN '3'
				WHEN list_contains(string_split(lower(coalesce(n.tags, '')), ' '), 'escalated_2nd_line') THEN '2'
				ELSE '1' END`,
			uses: ['tags']
		},
		phone_pin_valid: {
			sql: `CASE WHEN n.channel = 'phone' THEN NOT list_contains(string_split(lower(coalesce(n.tags, '')), ' '), 'no_pin') END`,
			uses: ['channel', 'tags']
		}
	}
};
