/**
 * The policies as small tables the engine's SQL joins: targets, calendar rules, tier ranks and
 * settings, one row per policy version. Built from the validated documents (parsePolicy) and
 * loaded with parameters: a policy is data a person edits, never SQL text.
 */
import type { Param, Tx } from '../db/index.ts';
import { CLOCKS, type Policy } from '../../domain/policy.ts';

export interface PolicyVersion {
	id: string;
	version: number;
	effectiveFrom: string;
	policy: Policy;
}

async function insertRows(
	tx: Tx,
	table: string,
	columns: string[],
	casts: string[],
	rows: Param[][]
): Promise<void> {
	for (let i = 0; i < rows.length; i += 100) {
		const chunk = rows.slice(i, i + 100);
		const params: Param[] = [];
		const values = chunk.map((r) => {
			const marks = r.map((v, j) => {
				params.push(v);
				return `$${params.length}${casts[j]}`;
			});
			return `(${marks.join(', ')})`;
		});
		await tx.run(
			`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`,
			params
		);
	}
}

const list = (xs: readonly string[] | undefined | null) => JSON.stringify(xs ?? []);

export async function loadPolicyTables(tx: Tx, versions: PolicyVersion[]): Promise<void> {
	// the five tables in one round trip
	await tx.run(
		[
			`CREATE TEMP TABLE sla_policies (policy_id VARCHAR, version INTEGER, effective_from DATE);`,
			`CREATE TEMP TABLE sla_targets (policy_id VARCHAR, version INTEGER, clock VARCHAR, tier VARCHAR, priority VARCHAR, target_s DOUBLE);`,
			`CREATE TEMP TABLE sla_tiers (policy_id VARCHAR, version INTEGER, tier VARCHAR, rank INTEGER);`,
			`CREATE TEMP TABLE sla_rules (policy_id VARCHAR, version INTEGER, idx INTEGER, tiers VARCHAR[], language VARCHAR, priorities VARCHAR[], calendar_id VARCHAR);`,
			`CREATE TEMP TABLE sla_settings (policy_id VARCHAR, version INTEGER, downgrade VARCHAR, excluded_types VARCHAR[], first_response_kinds VARCHAR[],
			   pause_statuses VARCHAR[], reopen VARCHAR, closed_without_response VARCHAR, clock_reading VARCHAR, measured_priority VARCHAR,
			   oh_enabled BOOLEAN, oh_language VARCHAR, oh_tiers VARCHAR[], oh_calendar VARCHAR, oh_target_tier VARCHAR);`
		].join('\n')
	);
	const policies: Param[][] = [];
	const targets: Param[][] = [];
	const tiers: Param[][] = [];
	const rules: Param[][] = [];
	const settings: Param[][] = [];
	for (const v of versions) {
		const p = v.policy;
		policies.push([v.id, v.version, v.effectiveFrom]);
		for (const clock of CLOCKS) {
			const c = p.clocks[clock];
			if (!c) continue;
			for (const [tier, row] of Object.entries(c.targetHours))
				for (const [prio, hours] of Object.entries(row))
					targets.push([v.id, v.version, clock, tier, prio, hours * 3600]);
		}
		for (const t of p.tiers) tiers.push([v.id, v.version, t.name, t.rank]);
		const dutchHours = p.settings.clockReading?.value === 'dutch-hours';
		p.calendars.choose.forEach((r, idx) => {
			// "every clock in Dutch opening hours" (R13's other reading): language rules do not apply
			if (dutchHours && r.when.language) return;
			rules.push([
				v.id,
				v.version,
				idx,
				list(r.when.tiers ?? null),
				r.when.language ?? null,
				list(r.when.priorities ?? null),
				r.calendar
			]);
		});
		const s = p.settings;
		const oh = s.dutchOutsideHoursGetsStandardTarget as unknown as
			| {
					value: boolean;
					language?: string;
					tiers?: string[];
					calendar?: string;
					targetTier?: string;
			  }
			| undefined;
		settings.push([
			v.id,
			v.version,
			String(s.downgradeTakesEffect.value),
			list(s.excludedTypes.value as string[]),
			list(s.firstResponse.value as string[]),
			list(s.pauseStatuses.value as string[]),
			String(s.reopen.value),
			String(s.closedWithoutResponse.value),
			String(s.clockReading?.value ?? 'language-hours'),
			String(s.measuredPriority.value),
			!!oh?.value,
			oh?.language ?? null,
			list(oh?.tiers ?? []),
			oh?.calendar ?? null,
			oh?.targetTier ?? null
		]);
	}
	await insertRows(
		tx,
		'sla_policies',
		['policy_id', 'version', 'effective_from'],
		['', '', '::DATE'],
		policies
	);
	await insertRows(
		tx,
		'sla_targets',
		['policy_id', 'version', 'clock', 'tier', 'priority', 'target_s'],
		['', '', '', '', '', ''],
		targets
	);
	await insertRows(
		tx,
		'sla_tiers',
		['policy_id', 'version', 'tier', 'rank'],
		['', '', '', ''],
		tiers
	);
	// lists travel as JSON text and become DuckDB lists in the cast
	await insertRows(
		tx,
		'sla_rules',
		['policy_id', 'version', 'idx', 'tiers', 'language', 'priorities', 'calendar_id'],
		['', '', '', '::JSON::VARCHAR[]', '::VARCHAR', '::JSON::VARCHAR[]', ''],
		rules
	);
	await insertRows(
		tx,
		'sla_settings',
		[
			'policy_id',
			'version',
			'downgrade',
			'excluded_types',
			'first_response_kinds',
			'pause_statuses',
			'reopen',
			'closed_without_response',
			'clock_reading',
			'measured_priority',
			'oh_enabled',
			'oh_language',
			'oh_tiers',
			'oh_calendar',
			'oh_target_tier'
		],
		[
			'',
			'',
			'',
			'::JSON::VARCHAR[]',
			'::JSON::VARCHAR[]',
			'::JSON::VARCHAR[]',
			'',
			'',
			'',
			'',
			'::BOOLEAN',
			'::VARCHAR',
			'::JSON::VARCHAR[]',
			'::VARCHAR',
			'::VARCHAR'
		],
		settings
	);
}

export const POLICY_TEMP_TABLES = [
	'sla_policies',
	'sla_targets',
	'sla_tiers',
	'sla_rules',
	'sla_settings'
];
