/**
 * Peil's own formats for what most ticket exports leave out: a status history (one row per
 * change) and time entries. Helpdesks whose exports lack them can produce these with a report
 * or a small script; the sample generator writes them too. Times are ISO 8601, with offset.
 */
import type { Profile } from '../profile.ts';

export const peilEvents: Profile = {
	name: 'peil-events',
	label: 'Peil status history (ticket_id, at, kind, from, to, actor)',
	kind: 'events',
	zone: 'UTC',
	signature: ['ticket_id', 'at', 'kind', 'from', 'to', 'actor'],
	fields: {
		ticket_id: { column: ['ticket_id', 'ticket'], required: true },
		occurred_at: {
			column: ['at', 'occurred_at', 'time', 'timestamp'],
			type: 'instant',
			required: true
		},
		kind: {
			column: 'kind',
			type: 'enum',
			required: true,
			map: {
				status: 'status',
				priority: 'priority',
				line: 'line',
				reply: 'reply',
				reassessment: 'reassessment',
				assignee: 'assignee',
				group: 'group'
			}
		},
		from_value: { column: ['from', 'from_value'] },
		to_value: { column: ['to', 'to_value'] },
		actor: { column: ['actor', 'author'] }
	}
};

export const peilTimeEntries: Profile = {
	name: 'peil-time-entries',
	label: 'Peil time entries (entry_id, ticket_id, started_at, minutes, …)',
	kind: 'time_entries',
	zone: 'UTC',
	signature: ['entry_id', 'ticket_id', 'started_at', 'minutes', 'work_type', 'billable'],
	fields: {
		external_id: { column: ['entry_id', 'id'], required: true },
		ticket_id: { column: 'ticket_id', required: true },
		started_at: { column: ['started_at', 'start'], type: 'instant', required: true },
		minutes: { column: 'minutes', type: 'number', required: true },
		work_type: { column: 'work_type' },
		billable: { column: 'billable', type: 'boolean' },
		on_site: { column: 'on_site', type: 'boolean' },
		order_reference: { column: ['order_reference', 'order', 'po'] },
		agent: { column: 'agent' }
	}
};
