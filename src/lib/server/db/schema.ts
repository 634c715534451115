/**
 * The store's schema, in drizzle's pg-core dialect. drizzle-kit turns it into SQL under drizzle/
 * that DuckDB accepts, provided we keep to what DuckDB understands:
 *  - no `serial` (integer keys are assigned under the write lock, or uuid / natural text keys),
 *  - `json`, never `jsonb`,
 *  - no `.references()`: drizzle-kit emits foreign keys as ALTER TABLE … ADD CONSTRAINT, which
 *    DuckDB lacks, and DuckDB foreign keys would block updates of referenced rows. Integrity is
 *    kept by the import code and checked by its tests.
 * Every instant is TIMESTAMPTZ and stored in UTC; dates without a time (tier changes, arrears)
 * are DATE in the account's own zone.
 */
import {
	boolean,
	date,
	doublePrecision,
	integer,
	json,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uuid,
	index
} from 'drizzle-orm/pg-core';

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** Key/value facts about the store itself: schema state, whether the sample was loaded. */
export const meta = pgTable('meta', {
	key: text('key').primaryKey(),
	value: text('value').notNull()
});

export const accounts = pgTable('accounts', {
	id: text('id').primaryKey(),
	name: text('name').notNull(),
	/** null while an account created from an export is still unassigned */
	policyId: text('policy_id'),
	csm: text('csm'),
	accountManager: text('account_manager'),
	timeZone: text('time_zone').notNull().default('Europe/Amsterdam'),
	defaultLanguage: text('default_language'),
	/** the account's number in finance's ledger, written on its invoice lines (null: not known yet) */
	debtorNumber: text('debtor_number'),
	/** 'active' once a person (or an accounts file) described it; 'unassigned' when an export named it first */
	status: text('status').notNull().default('active'),
	isSample: boolean('is_sample').notNull().default(false),
	/** the import that created it as unassigned, so rolling that import back removes it again */
	createdByImport: integer('created_by_import'),
	createdAt: instant('created_at').notNull(),
	updatedAt: instant('updated_at').notNull()
});

/** The names a helpdesk uses for an account. source '*' matches every source. */
export const accountAliases = pgTable(
	'account_aliases',
	{
		source: text('source').notNull(),
		/** lower-cased, whitespace-collapsed form used for matching */
		aliasKey: text('alias_key').notNull(),
		alias: text('alias').notNull(),
		accountId: text('account_id').notNull()
	},
	(t) => [primaryKey({ columns: [t.source, t.aliasKey] })]
);

export const contacts = pgTable('contacts', {
	id: uuid('id').primaryKey().defaultRandom(),
	accountId: text('account_id').notNull(),
	name: text('name'),
	email: text('email'),
	/** a registered single point of contact (R4) */
	isSpoc: boolean('is_spoc').notNull().default(false)
});

export const tierHistory = pgTable(
	'tier_history',
	{
		accountId: text('account_id').notNull(),
		effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
		tier: text('tier').notNull()
	},
	(t) => [primaryKey({ columns: [t.accountId, t.effectiveFrom] })]
);

/** Periods in which an account is in arrears (R27); `to` null while it still is. */
export const arrears = pgTable(
	'arrears',
	{
		accountId: text('account_id').notNull(),
		fromDate: date('from_date', { mode: 'string' }).notNull(),
		toDate: date('to_date', { mode: 'string' }),
		note: text('note')
	},
	(t) => [primaryKey({ columns: [t.accountId, t.fromDate] })]
);

/** People who sign in. `email` is the sign-in name; roles: admin, csm, account_manager, finance, viewer. */
export const users = pgTable('users', {
	id: uuid('id').primaryKey().defaultRandom(),
	email: text('email').notNull().unique(),
	name: text('name').notNull(),
	role: text('role').notNull(),
	createdAt: instant('created_at').notNull(),
	/** argon2id (PHC string); null until a password is set */
	passwordHash: text('password_hash'),
	/** a disabled user cannot sign in and their sessions and tokens stop working */
	disabledAt: instant('disabled_at')
});

/** Signed-in sessions. The cookie carries a random secret; only its SHA-256 is stored. */
export const sessions = pgTable('sessions', {
	idHash: text('id_hash').primaryKey(),
	userId: uuid('user_id').notNull(),
	createdAt: instant('created_at').notNull(),
	expiresAt: instant('expires_at').notNull(),
	lastSeenAt: instant('last_seen_at').notNull()
});

/**
 * API tokens for scripts and the command line's hand-off to the running server: a role, and for
 * the account-scoped roles the accounts it may read. Only the SHA-256 of the secret is stored.
 */
export const apiTokens = pgTable('api_tokens', {
	id: uuid('id').primaryKey().defaultRandom(),
	name: text('name').notNull(),
	tokenHash: text('token_hash').notNull().unique(),
	role: text('role').notNull(),
	accountIds: json('account_ids').$type<string[]>(),
	createdBy: text('created_by').notNull(),
	createdAt: instant('created_at').notNull(),
	lastUsedAt: instant('last_used_at'),
	revokedAt: instant('revoked_at')
});

/** Who did what: sign-ins, imports, rollbacks, settings, corrections, locks, exports. */
export const auditLog = pgTable(
	'audit_log',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		at: instant('occurred_at').notNull(),
		/** the user's email, `token:<name>`, or `command line` */
		actor: text('actor').notNull(),
		role: text('role'),
		action: text('action').notNull(),
		/** what it was done to: a route with its parameters, an account, a file name */
		target: text('target'),
		outcome: text('outcome').notNull(),
		detail: json('detail'),
		ip: text('ip')
	},
	(t) => [index('audit_log_occurred_at').on(t.at)]
);

export const accountAssignments = pgTable(
	'account_assignments',
	{
		userId: uuid('user_id').notNull(),
		accountId: text('account_id').notNull(),
		role: text('role').notNull()
	},
	(t) => [primaryKey({ columns: [t.userId, t.accountId, t.role] })]
);

/** Versioned policy documents; the files under data/policies are loaded as version 1 on first start. */
export const policies = pgTable(
	'policies',
	{
		id: text('id').notNull(),
		version: integer('version').notNull(),
		name: text('name').notNull(),
		effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
		body: json('body').notNull(),
		origin: text('origin').notNull(),
		createdAt: instant('created_at').notNull()
	},
	(t) => [primaryKey({ columns: [t.id, t.version] })]
);

export const calendars = pgTable(
	'calendars',
	{
		id: text('id').notNull(),
		version: integer('version').notNull(),
		name: text('name').notNull(),
		zone: text('zone').notNull(),
		effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
		body: json('body').notNull(),
		origin: text('origin').notNull(),
		createdAt: instant('created_at').notNull()
	},
	(t) => [primaryKey({ columns: [t.id, t.version] })]
);

/** Mapping profiles a user saved (the built-in ones live in code and data/profiles). */
export const importProfiles = pgTable('import_profiles', {
	name: text('name').primaryKey(),
	body: json('body').notNull(),
	createdAt: instant('created_at').notNull(),
	updatedAt: instant('updated_at').notNull()
});

const ticketColumns = () => ({
	source: text('source').notNull(),
	externalId: text('external_id').notNull(),
	accountId: text('account_id'),
	/** the organisation name exactly as the export wrote it */
	organisation: text('organisation'),
	subject: text('subject'),
	status: text('status'),
	statusRaw: text('status_raw'),
	submittedPriority: text('submitted_priority'),
	finalPriority: text('final_priority'),
	priorityRaw: text('priority_raw'),
	type: text('type'),
	typeRaw: text('type_raw'),
	category: text('category'),
	channel: text('channel'),
	language: text('language'),
	requesterName: text('requester_name'),
	requesterEmail: text('requester_email'),
	requesterId: text('requester_id'),
	line: text('line'),
	phonePinValid: boolean('phone_pin_valid'),
	tags: text('tags'),
	createdAt: instant('created_at').notNull(),
	firstResponseAt: instant('first_response_at'),
	/** where first_response_at came from: 'export' (a timestamp column), 'helpdesk minutes', 'events' */
	firstResponseOrigin: text('first_response_origin'),
	resolvedAt: instant('resolved_at'),
	closedAt: instant('closed_at'),
	updatedAt: instant('updated_at'),
	/** the helpdesk's own SLA figures, kept as the source's claim (names per profile) */
	helpdeskSla: json('helpdesk_sla'),
	/** Peil fields this export does not carry: "not in this export", never guessed */
	missingFields: text('missing_fields').array(),
	/** fields filled from the account's defaults because the export left them empty */
	defaultedFields: text('defaulted_fields').array(),
	rowHash: text('row_hash').notNull(),
	importId: integer('import_id').notNull(),
	firstImportId: integer('first_import_id').notNull()
});

// The big tables (tickets, ticket_events, time_entries) have no primary key or index: DuckDB
// scans with zone maps, and an ART index costs a bulk import a quarter of its time. Their keys
// — (source, external_id), (source, ticket_id, event_key) — are kept unique by the import's
// merge, which is the only writer, runs one at a time, and is tested for exactly that.
export const tickets = pgTable('tickets', ticketColumns());

/** Earlier versions of tickets: the row as it was before import `replaced_by` changed it. */
export const ticketHistory = pgTable('ticket_history', {
	replacedBy: integer('replaced_by').notNull(),
	...ticketColumns()
});

export const ticketEvents = pgTable('ticket_events', {
	source: text('source').notNull(),
	ticketId: text('ticket_id').notNull(),
	/** content hash plus occurrence number: the same event exported twice is one event */
	eventKey: text('event_key').notNull(),
	at: instant('at').notNull(),
	kind: text('kind').notNull(),
	fromValue: text('from_value'),
	toValue: text('to_value'),
	actor: text('actor'),
	importId: integer('import_id').notNull()
});

const timeEntryColumns = () => ({
	source: text('source').notNull(),
	externalId: text('external_id').notNull(),
	ticketId: text('ticket_id').notNull(),
	startedAt: instant('started_at').notNull(),
	minutes: doublePrecision('minutes').notNull(),
	workType: text('work_type'),
	billable: boolean('billable'),
	onSite: boolean('on_site'),
	orderReference: text('order_reference'),
	agent: text('agent'),
	rowHash: text('row_hash').notNull(),
	importId: integer('import_id').notNull(),
	firstImportId: integer('first_import_id').notNull()
});

export const timeEntries = pgTable('time_entries', timeEntryColumns());

export const timeEntryHistory = pgTable('time_entry_history', {
	replacedBy: integer('replaced_by').notNull(),
	...timeEntryColumns()
});

export const imports = pgTable('imports', {
	id: integer('id').primaryKey(),
	source: text('source').notNull(),
	/** tickets | events | time_entries */
	recordKind: text('record_kind').notNull(),
	profile: text('profile').notNull(),
	profileReason: text('profile_reason').notNull(),
	fileName: text('file_name').notNull(),
	fileSize: doublePrecision('file_size').notNull(),
	fileSha256: text('file_sha256').notNull(),
	encoding: text('encoding').notNull(),
	zone: text('zone').notNull(),
	asOf: instant('as_of'),
	asOfOrigin: text('as_of_origin').notNull(),
	startedAt: instant('started_at').notNull(),
	finishedAt: instant('finished_at').notNull(),
	/** committed | rolled_back */
	status: text('status').notNull(),
	isSample: boolean('is_sample').notNull().default(false),
	/** the full import report, as the command line and the API return it */
	report: json('report').notNull(),
	rolledBackAt: instant('rolled_back_at')
});

export const importRejects = pgTable(
	'import_rejects',
	{
		importId: integer('import_id').notNull(),
		recordKind: text('record_kind').notNull(),
		fileName: text('file_name').notNull(),
		rowNumber: integer('row_number').notNull(),
		columnName: text('column_name'),
		value: text('value'),
		reason: text('reason').notNull()
	},
	(t) => [index('import_rejects_import').on(t.importId, t.rowNumber)]
);

/**
 * Corrections a person made to a ticket (R4, R5, R7, R24 and the type, priority and language):
 * kept apart from imported data so every re-import leaves them standing; the latest per
 * (ticket, field) applies. Who, when and why are part of the record and of every explanation.
 */
export const ticketCorrections = pgTable('ticket_corrections', {
	id: uuid('id').primaryKey().defaultRandom(),
	source: text('source').notNull(),
	externalId: text('external_id').notNull(),
	/** type | final_priority | language | unjustified | external | authorised_contact */
	field: text('field').notNull(),
	value: text('value'),
	reason: text('reason').notNull(),
	correctedBy: text('corrected_by').notNull(),
	correctedAt: instant('corrected_at').notNull()
});

/** Written per-account target agreements that replace the policy's targets from a date on. */
export const targetAgreements = pgTable(
	'target_agreements',
	{
		accountId: text('account_id').notNull(),
		version: integer('version').notNull(),
		effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
		/** { first_response?: { P1: hours, … }, resolution?: { … } } */
		body: json('body').notNull(),
		reason: text('reason').notNull(),
		createdBy: text('created_by').notNull(),
		createdAt: instant('created_at').notNull()
	},
	(t) => [primaryKey({ columns: [t.accountId, t.version] })]
);

/**
 * The engine's verdict per ticket and clock, recomputed in bulk SQL. Everything an explanation
 * needs to say which rule chose what is stored beside the numbers.
 */
export const ticketSla = pgTable('ticket_sla', {
	source: text('source').notNull(),
	externalId: text('external_id').notNull(),
	/** first_response | resolution */
	clock: text('clock').notNull(),
	policyId: text('policy_id'),
	policyVersion: integer('policy_version'),
	tier: text('tier'),
	priority: text('priority'),
	language: text('language'),
	calendarId: text('calendar_id'),
	/** the rule that chose the calendar (index into the policy's calendars.choose) */
	calendarRule: integer('calendar_rule'),
	targetS: doublePrecision('target_s'),
	/** policy | agreement | standard-outside-hours */
	targetOrigin: text('target_origin'),
	startedAt: instant('started_at'),
	stoppedAt: instant('stopped_at'),
	/** where the stop came from: events | export | helpdesk minutes */
	stopOrigin: text('stop_origin'),
	businessS: doublePrecision('business_s'),
	pausedS: doublePrecision('paused_s'),
	pausesAvailable: boolean('pauses_available'),
	dueAt: instant('due_at'),
	/** met | missed | open_within | open_missed | excluded */
	verdict: text('verdict').notNull(),
	excludedReason: text('excluded_reason'),
	asOf: instant('as_of'),
	computedAt: instant('computed_at').notNull(),
	/** the creation date in the account's zone: what months and days of every report group by */
	createdLocalDate: date('created_local_date', { mode: 'string' }),
	// What the reports split and sort by, copied from the ticket (type as corrected) when the
	// verdict is written: the compliance pages then read this one table, never a join with all
	// tickets (bench:pages measured the join at three quarters of the overview's time).
	accountId: text('account_id'),
	channel: text('channel'),
	type: text('type'),
	createdAt: instant('created_at'),
	// What the operational review reads from the ticket's status history, found while the engine
	// reads that history anyway: the review then reads no ticket_events (a scan of every event).
	// NULL has_events: written before these columns existed (the review reads the events then).
	/** whether the ticket has any status-history event */
	hasEvents: boolean('has_events'),
	/** its reassessment requests (R10), [{at: epoch ms, actor}] by time; NULL when none */
	reassessments: json('reassessments'),
	/** its changes of line (R8), [{at: epoch ms, from, to, actor}] by time; NULL when none */
	lineChanges: json('line_changes')
});

/**
 * The monthly operational review of one account (month in the account's zone): the CSM's
 * "agreements and actions" text while it is a draft; once finalised, the snapshot of everything
 * it showed (figures, policy versions, as-of instant, text), which never changes afterwards.
 */
export const reviews = pgTable(
	'reviews',
	{
		accountId: text('account_id').notNull(),
		/** yyyy-mm */
		month: text('month').notNull(),
		agreements: text('agreements'),
		updatedBy: text('updated_by'),
		updatedAt: instant('updated_at').notNull(),
		finalisedBy: text('finalised_by'),
		finalisedAt: instant('finalised_at'),
		snapshot: json('snapshot')
	},
	(t) => [primaryKey({ columns: [t.accountId, t.month] })]
);

/** The training-needs thresholds, versioned like policies: a change is a new version from a date. */
export const trainingSettings = pgTable('training_settings', {
	version: integer('version').primaryKey(),
	effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
	body: json('body').notNull(),
	reason: text('reason').notNull(),
	createdBy: text('created_by').notNull(),
	createdAt: instant('created_at').notNull()
});

/**
 * What an account manager recorded about training for an account: offered, accepted, held or
 * declined, on a date, with a note and who recorded it. From a decline — or 30 days after an
 * offer nobody answered (R20) — the account's how-to questions become chargeable.
 */
export const trainingRecords = pgTable('training_records', {
	id: uuid('id').primaryKey().defaultRandom(),
	accountId: text('account_id').notNull(),
	/** offered | accepted | held | declined */
	status: text('status').notNull(),
	onDate: date('on_date', { mode: 'string' }).notNull(),
	note: text('note'),
	recordedBy: text('recorded_by').notNull(),
	recordedAt: instant('recorded_at').notNull()
});

/* ------------------------------------------------------------------ chargeable work (issue 7) */

/**
 * Rate cards per policy, versioned like policies: a change is a new version from a date; entries
 * are priced by the version in force on their (local) date. The body holds per tier an hourly rate
 * in cents per work category, the out-of-hours and holiday multipliers, the minimum and rounding
 * increment per entry, and for the card the VAT rate, currency and which reasons apply. The files
 * under data/rates are built-in examples, read when no version is stored.
 */
export const rateCards = pgTable(
	'rate_cards',
	{
		policyId: text('policy_id').notNull(),
		version: integer('version').notNull(),
		effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
		body: json('body').notNull(),
		reason: text('reason').notNull(),
		createdBy: text('created_by').notNull(),
		createdAt: instant('created_at').notNull()
	},
	(t) => [primaryKey({ columns: [t.policyId, t.version] })]
);

/**
 * Corrections a person made to a time entry on the billing page — its chargeable reason, its
 * order reference — kept apart from imported data so every re-import leaves them standing; the
 * latest per (entry, field) applies. Who, when and why are part of the record.
 */
export const timeEntryCorrections = pgTable('time_entry_corrections', {
	id: uuid('id').primaryKey().defaultRandom(),
	source: text('source').notNull(),
	/** the time entry's external id */
	entryId: text('entry_id').notNull(),
	/** reason | order_reference */
	field: text('field').notNull(),
	value: text('value'),
	reason: text('reason').notNull(),
	correctedBy: text('corrected_by').notNull(),
	correctedAt: instant('corrected_at').notNull()
});

/** Material lines entered by a person for an account and month (R22: charged with materials). */
export const billingMaterials = pgTable('billing_materials', {
	id: uuid('id').primaryKey().defaultRandom(),
	accountId: text('account_id').notNull(),
	/** yyyy-mm, the invoice period */
	month: text('month').notNull(),
	source: text('source'),
	ticketId: text('ticket_id'),
	description: text('description').notNull(),
	quantity: doublePrecision('quantity').notNull(),
	/** price per unit in cents, as entered */
	unitPriceCents: integer('unit_price_cents').notNull(),
	/** the chargeable reason the material belongs to (R22 by default) */
	chargeReason: text('charge_reason').notNull(),
	orderReference: text('order_reference'),
	note: text('note'),
	createdBy: text('created_by').notNull(),
	createdAt: instant('created_at').notNull(),
	/** removed by a person (the line stays for the record, out of every figure) */
	removedAt: instant('removed_at'),
	removedBy: text('removed_by'),
	removedReason: text('removed_reason')
});

/**
 * Every edit and removal of a material line: the line before and after, who, when and why. The
 * line itself holds its current values; this is the record of how it got them.
 */
export const billingMaterialChanges = pgTable('billing_material_changes', {
	id: uuid('id').primaryKey().defaultRandom(),
	materialId: uuid('material_id').notNull(),
	/** edit | remove */
	action: text('action').notNull(),
	before: json('before').notNull(),
	/** null for a removal */
	after: json('after'),
	reason: text('reason').notNull(),
	changedBy: text('changed_by').notNull(),
	changedAt: instant('changed_at').notNull()
});

/**
 * A month locked once invoiced: its invoice lines as they were then (`lines`), which nothing
 * changes afterwards. Later differences are adjustment lines in the first open month.
 */
export const billingLocks = pgTable('billing_locks', {
	/** yyyy-mm */
	month: text('month').primaryKey(),
	lines: json('lines').notNull(),
	lockedBy: text('locked_by').notNull(),
	lockedAt: instant('locked_at').notNull(),
	note: text('note')
});

/**
 * One account's month locked once invoiced: that account's invoice lines as they were then, which
 * nothing changes afterwards (a lock of the whole month, billing_locks, covers every account the
 * same way). Later differences are adjustment lines in the account's first open month.
 */
export const billingAccountLocks = pgTable(
	'billing_account_locks',
	{
		/** yyyy-mm */
		month: text('month').notNull(),
		accountId: text('account_id').notNull(),
		lines: json('lines').notNull(),
		lockedBy: text('locked_by').notNull(),
		lockedAt: instant('locked_at').notNull(),
		note: text('note')
	},
	(t) => [primaryKey({ columns: [t.month, t.accountId] })]
);
