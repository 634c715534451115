/**
 * Jira Service Management's issue CSV export ("Export → Export Excel CSV (all fields)"), in the
 * exporting user's language: the headers, the month names and the status names are localised
 * (`Creada`, `18/jul/26 9:10 AM`, `Completado`), while vendor-fixed values stay English (the
 * default priority names, the SLA names inside `Custom field (Time to first response)`). Every
 * field lists its English and its Spanish header; other languages need their names added.
 *
 * - The ticket id is the issue key (IHS-5): what people see and what the JSM SLA API takes. The
 *   numeric `Issue id` is not kept (it only matters when an issue moves to another project and
 *   gets a new key, and it is no SLA figure of the helpdesk's).
 * - Times are wall-clock times in the exporting user's zone and date format (default
 *   `dd/MMM/yy h:mm a`); the zone comes from the import. Localised month abbreviations and
 *   a. m./p. m. markers are replaced before parsing.
 * - The SLA columns hold the REMAINING time of each SLA as h:mm (negative when missed): kept as
 *   the helpdesk's claim in minutes, never used as Peil's figure.
 * - JSM writes no first-response timestamp; only `[CHART] Date of First Response`, when the site
 *   has that field, gives one.
 * - `Resolved` is empty when the project sets no resolution (team-managed projects): the
 *   ticket's resolution time then falls back to `Status Category Changed` when its status
 *   category is Done. The category and its change time are read as `sla_` fields because a
 *   derived field can only use fields the import knows; they are stored with the SLA claims.
 */
import type { FieldSpec, Profile } from '../profile.ts';

/** English and Spanish header of a column, in that order. */
const col = (en: string, es: string | string[]): string[] => [
	en,
	...(Array.isArray(es) ? es : [es])
];

/** A JSM custom field as exported: the prefix is localised, the field's own name is not. */
const custom = (name: string, ...localisedNames: string[]): string[] =>
	[name, ...localisedNames].flatMap((n) => [`Custom field (${n})`, `Campo personalizado (${n})`]);

/** Date and time as JSM writes them, with Spanish month names and AM/PM markers made English. */
const jiraInstant = (column: string[]): FieldSpec => ({
	column,
	type: 'instant',
	format: ['dd/MMM/yy h:mm a', 'dd/MMM/yy HH:mm'],
	replace: {
		// longer forms first: replacements run in order on the lower-cased text
		sept: 'sep',
		ene: 'jan',
		abr: 'apr',
		ago: 'aug',
		dic: 'dec',
		'a.\u00a0m.': 'am',
		'p.\u00a0m.': 'pm',
		'a. m.': 'am',
		'p. m.': 'pm',
		'a.m.': 'am',
		'p.m.': 'pm'
	}
});

/** The remaining time of a JSM SLA, h:mm, negative when the goal was missed. */
const remaining = (column: string[]): FieldSpec => ({ column, type: 'duration', unit: 'clock' });

/** The columns that identify the export, per column its English and Spanish header. */
export const JIRA_SIGNATURE: [string, string][] = [
	['Summary', 'Resumen'],
	['Issue key', 'Clave de incidencia'],
	['Issue id', 'ID de la incidencia'],
	['Issue Type', 'Tipo de Incidencia'],
	['Status', 'Estado'],
	['Priority', 'Prioridad'],
	['Resolution', 'Resolución'],
	['Assignee', 'Persona asignada'],
	['Reporter', 'Informador'],
	['Created', 'Creada'],
	['Updated', 'Actualizada'],
	['Resolved', 'Resuelta'],
	['Due date', 'Fecha de vencimiento'],
	['Status Category', 'Categoría de estado'],
	['Status Category Changed', 'Categoría de estado cambiada']
];

export const jiraTickets: Profile = {
	name: 'jira',
	label: 'Jira Service Management CSV export',
	kind: 'tickets',
	zone: 'Europe/Amsterdam',
	signature: JIRA_SIGNATURE,
	fields: {
		external_id: { column: col('Issue key', 'Clave de incidencia'), required: true },
		subject: { column: col('Summary', 'Resumen') },
		status: {
			column: col('Status', 'Estado'),
			// statuses are the site's own words: unknown ones load as written (status_raw keeps them)
			type: 'text',
			map: {
				'to do': 'new',
				backlog: 'new',
				'por hacer': 'new',
				'tareas por hacer': 'new',
				open: 'open',
				reopened: 'open',
				'in progress': 'open',
				'work in progress': 'open',
				'waiting for support': 'open',
				escalated: 'open',
				abierta: 'open',
				abierto: 'open',
				reabierta: 'open',
				'en curso': 'open',
				'en progreso': 'open',
				'esperando soporte': 'open',
				'esperando asistencia': 'open',
				escalada: 'open',
				'waiting for customer': 'pending',
				'esperando al cliente': 'pending',
				'esperando por el cliente': 'pending',
				pending: 'hold',
				pendiente: 'hold',
				resolved: 'solved',
				resuelta: 'solved',
				resuelto: 'solved',
				done: 'closed',
				closed: 'closed',
				canceled: 'closed',
				cancelled: 'closed',
				declined: 'closed',
				completado: 'closed',
				completada: 'closed',
				listo: 'closed',
				hecho: 'closed',
				cerrada: 'closed',
				cerrado: 'closed',
				cancelada: 'closed',
				cancelado: 'closed',
				rechazada: 'closed'
			}
		},
		final_priority: {
			column: col('Priority', 'Prioridad'),
			type: 'enum',
			map: {
				highest: 'P1',
				high: 'P2',
				medium: 'P3',
				low: 'P4',
				lowest: 'P4',
				// sites that renamed the default priorities into Spanish
				'más alta': 'P1',
				'mas alta': 'P1',
				alta: 'P2',
				media: 'P3',
				baja: 'P4',
				'más baja': 'P4',
				'mas baja': 'P4'
			}
		},
		type: {
			column: col('Issue Type', 'Tipo de Incidencia'),
			// issue types are the site's own (often custom) names: unknown ones load as written
			type: 'text',
			map: {
				incident: 'incident',
				'[system] incident': 'incident',
				incidente: 'incident',
				incidencia: 'incident',
				'service request': 'request',
				'[system] service request': 'request',
				'service request with approvals': 'request',
				'[system] service request with approvals': 'request',
				'solicitud de servicio': 'request',
				problem: 'problem',
				'[system] problem': 'problem',
				problema: 'problem',
				task: 'task',
				'sub-task': 'task',
				subtask: 'task',
				tarea: 'task',
				subtarea: 'task'
			}
		},
		category: { column: custom('Request Type', 'Tipo de solicitud') },
		organisation: { column: custom('Organizations', 'Organizaciones') },
		language: {
			column: custom('Request language', 'Idioma de la solicitud'),
			// a language this map does not know loads as written
			type: 'text',
			map: {
				english: 'en',
				inglés: 'en',
				ingles: 'en',
				en: 'en',
				dutch: 'nl',
				neerlandés: 'nl',
				neerlandes: 'nl',
				nederlands: 'nl',
				nl: 'nl',
				spanish: 'es',
				español: 'es',
				espanol: 'es',
				es: 'es',
				german: 'de',
				alemán: 'de',
				aleman: 'de',
				deutsch: 'de',
				de: 'de',
				french: 'fr',
				francés: 'fr',
				frances: 'fr',
				français: 'fr',
				fr: 'fr'
			}
		},
		requester_name: { column: col('Reporter', 'Informador') },
		requester_id: { column: col('Reporter Id', 'ID del informador') },
		created_at: { ...jiraInstant(col('Created', 'Creada')), required: true },
		updated_at: jiraInstant(col('Updated', 'Actualizada')),
		resolved_at: jiraInstant(col('Resolved', 'Resuelta')),
		first_response_at: jiraInstant(custom('[CHART] Date of First Response')),
		sla_first_response_remaining_minutes: remaining(custom('Time to first response')),
		sla_resolution_remaining_minutes: remaining(custom('Time to resolution', 'Time to done')),
		// auxiliary: read for the resolution fallback below (stored with the claims meanwhile)
		sla_status_category: {
			column: col('Status Category', 'Categoría de estado'),
			type: 'text',
			map: {
				'to do': 'to_do',
				'por hacer': 'to_do',
				'tareas por hacer': 'to_do',
				'in progress': 'in_progress',
				'en curso': 'in_progress',
				'en progreso': 'in_progress',
				done: 'done',
				listo: 'done',
				hecho: 'done'
			}
		},
		sla_status_category_changed_at: jiraInstant(
			col('Status Category Changed', 'Categoría de estado cambiada')
		)
	},
	derived: {
		resolved_at: {
			sql: `CASE WHEN n.resolved_at IS NULL AND n.sla_status_category = 'done' THEN n.sla_status_category_changed_at ELSE n.resolved_at END`,
			origin: 'Status Category Changed when Resolved is empty and the category is Done',
			uses: ['resolved_at', 'sla_status_category', 'sla_status_category_changed_at']
		}
	}
};
