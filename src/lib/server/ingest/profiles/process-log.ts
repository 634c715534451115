/**
 * Event logs as process-mining tools write them (Disco, ProM, pm4py CSV): one row per activity,
 * with a case id, the activity, a timestamp, a resource and any case attributes. The activity
 * map says which activity means what; this one fits help-desk logs such as the public Italian
 * help-desk log ("Take in charge ticket" is the first response, "Wait" a pause, "Resolve
 * ticket" the resolution, "Closed" the closing). A different log is a mapping file of kind
 * "event_log" with its own activity map.
 *
 * Such logs often run on a fixed clock (the Italian one on UTC+01:00 all year): import them with
 * --zone +01:00.
 */
import type { Profile } from '../profile.ts';

export const processLog: Profile = {
	name: 'process-log',
	label: 'process-mining event log (case, activity, timestamp, resource)',
	kind: 'event_log',
	zone: 'Europe/Amsterdam',
	signature: ['Case ID', 'Activity', 'Resource', 'Complete Timestamp'],
	fields: {
		external_id: { column: ['Case ID', 'case:concept:name', 'case_id', 'CaseID'], required: true },
		activity: { column: ['Activity', 'concept:name', 'activity'], required: true },
		occurred_at: {
			column: ['Complete Timestamp', 'time:timestamp', 'timestamp', 'Timestamp'],
			type: 'instant',
			format: [
				'yyyy/MM/dd HH:mm:ss.SSS',
				'yyyy/MM/dd HH:mm:ss',
				'yyyy-MM-dd HH:mm:ss.SSS',
				'yyyy-MM-dd HH:mm:ss',
				'%Y-%m-%dT%H:%M:%S.%g%z',
				'%Y-%m-%dT%H:%M:%S%z'
			]
		},
		actor: { column: ['Resource', 'org:resource', 'resource'] },
		organisation: { column: ['customer', 'Customer'] },
		category: { column: ['product', 'Product'] },
		final_priority: {
			column: ['seriousness_2', 'priority', 'Priority'],
			type: 'enum',
			map: {
				'value 1': 'P1',
				'value 2': 'P2',
				'value 3': 'P3',
				'value 4': 'P4',
				'1': 'P1',
				'2': 'P2',
				'3': 'P3',
				'4': 'P4',
				high: 'P2',
				medium: 'P3',
				low: 'P4'
			}
		},
		sla_service_level: { column: 'service_level', type: 'text' }
	},
	eventLog: {
		mode: 'activity',
		activities: {
			created: ['insert ticket', 'create ticket', 'ticket created'],
			first_response: ['take in charge ticket'],
			pause_start: ['wait'],
			resolved: ['resolve ticket', 'resolved'],
			closed: ['closed', 'close ticket']
		}
	}
};
