CREATE TABLE "account_aliases" (
	"source" text NOT NULL,
	"alias_key" text NOT NULL,
	"alias" text NOT NULL,
	"account_id" text NOT NULL,
	CONSTRAINT "account_aliases_source_alias_key_pk" PRIMARY KEY("source","alias_key")
);
--> statement-breakpoint
CREATE TABLE "account_assignments" (
	"user_id" uuid NOT NULL,
	"account_id" text NOT NULL,
	"role" text NOT NULL,
	CONSTRAINT "account_assignments_user_id_account_id_role_pk" PRIMARY KEY("user_id","account_id","role")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"policy_id" text,
	"csm" text,
	"account_manager" text,
	"time_zone" text DEFAULT 'Europe/Amsterdam' NOT NULL,
	"default_language" text,
	"status" text DEFAULT 'active' NOT NULL,
	"is_sample" boolean DEFAULT false NOT NULL,
	"created_by_import" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "arrears" (
	"account_id" text NOT NULL,
	"from_date" date NOT NULL,
	"to_date" date,
	"note" text,
	CONSTRAINT "arrears_account_id_from_date_pk" PRIMARY KEY("account_id","from_date")
);
--> statement-breakpoint
CREATE TABLE "calendars" (
	"id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"zone" text NOT NULL,
	"effective_from" date NOT NULL,
	"body" json NOT NULL,
	"origin" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "calendars_id_version_pk" PRIMARY KEY("id","version")
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" text NOT NULL,
	"name" text,
	"email" text,
	"is_spoc" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_profiles" (
	"name" text PRIMARY KEY NOT NULL,
	"body" json NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_rejects" (
	"import_id" integer NOT NULL,
	"record_kind" text NOT NULL,
	"file_name" text NOT NULL,
	"row_number" integer NOT NULL,
	"column_name" text,
	"value" text,
	"reason" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" integer PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"record_kind" text NOT NULL,
	"profile" text NOT NULL,
	"profile_reason" text NOT NULL,
	"file_name" text NOT NULL,
	"file_size" double precision NOT NULL,
	"file_sha256" text NOT NULL,
	"encoding" text NOT NULL,
	"zone" text NOT NULL,
	"as_of" timestamp with time zone,
	"as_of_origin" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"is_sample" boolean DEFAULT false NOT NULL,
	"report" json NOT NULL,
	"rolled_back_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"effective_from" date NOT NULL,
	"body" json NOT NULL,
	"origin" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "policies_id_version_pk" PRIMARY KEY("id","version")
);
--> statement-breakpoint
CREATE TABLE "ticket_events" (
	"source" text NOT NULL,
	"ticket_id" text NOT NULL,
	"event_key" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"from_value" text,
	"to_value" text,
	"actor" text,
	"import_id" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_history" (
	"replaced_by" integer NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"account_id" text,
	"organisation" text,
	"subject" text,
	"status" text,
	"status_raw" text,
	"submitted_priority" text,
	"final_priority" text,
	"priority_raw" text,
	"type" text,
	"type_raw" text,
	"category" text,
	"channel" text,
	"language" text,
	"requester_name" text,
	"requester_email" text,
	"requester_id" text,
	"line" text,
	"phone_pin_valid" boolean,
	"tags" text,
	"created_at" timestamp with time zone NOT NULL,
	"first_response_at" timestamp with time zone,
	"first_response_origin" text,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"updated_at" timestamp with time zone,
	"helpdesk_sla" json,
	"missing_fields" text[],
	"defaulted_fields" text[],
	"row_hash" text NOT NULL,
	"import_id" integer NOT NULL,
	"first_import_id" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"account_id" text,
	"organisation" text,
	"subject" text,
	"status" text,
	"status_raw" text,
	"submitted_priority" text,
	"final_priority" text,
	"priority_raw" text,
	"type" text,
	"type_raw" text,
	"category" text,
	"channel" text,
	"language" text,
	"requester_name" text,
	"requester_email" text,
	"requester_id" text,
	"line" text,
	"phone_pin_valid" boolean,
	"tags" text,
	"created_at" timestamp with time zone NOT NULL,
	"first_response_at" timestamp with time zone,
	"first_response_origin" text,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"updated_at" timestamp with time zone,
	"helpdesk_sla" json,
	"missing_fields" text[],
	"defaulted_fields" text[],
	"row_hash" text NOT NULL,
	"import_id" integer NOT NULL,
	"first_import_id" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tier_history" (
	"account_id" text NOT NULL,
	"effective_from" date NOT NULL,
	"tier" text NOT NULL,
	CONSTRAINT "tier_history_account_id_effective_from_pk" PRIMARY KEY("account_id","effective_from")
);
--> statement-breakpoint
CREATE TABLE "time_entries" (
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"ticket_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"minutes" double precision NOT NULL,
	"work_type" text,
	"billable" boolean,
	"on_site" boolean,
	"order_reference" text,
	"agent" text,
	"row_hash" text NOT NULL,
	"import_id" integer NOT NULL,
	"first_import_id" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "time_entry_history" (
	"replaced_by" integer NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"ticket_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"minutes" double precision NOT NULL,
	"work_type" text,
	"billable" boolean,
	"on_site" boolean,
	"order_reference" text,
	"agent" text,
	"row_hash" text NOT NULL,
	"import_id" integer NOT NULL,
	"first_import_id" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE INDEX "import_rejects_import" ON "import_rejects" USING btree ("import_id","row_number");