CREATE TABLE "target_agreements" (
	"account_id" text NOT NULL,
	"version" integer NOT NULL,
	"effective_from" date NOT NULL,
	"body" json NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "target_agreements_account_id_version_pk" PRIMARY KEY("account_id","version")
);
--> statement-breakpoint
CREATE TABLE "ticket_corrections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"field" text NOT NULL,
	"value" text,
	"reason" text NOT NULL,
	"corrected_by" text NOT NULL,
	"corrected_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_sla" (
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"clock" text NOT NULL,
	"policy_id" text,
	"policy_version" integer,
	"tier" text,
	"priority" text,
	"language" text,
	"calendar_id" text,
	"calendar_rule" integer,
	"target_s" double precision,
	"target_origin" text,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"stop_origin" text,
	"business_s" double precision,
	"paused_s" double precision,
	"pauses_available" boolean,
	"due_at" timestamp with time zone,
	"verdict" text NOT NULL,
	"excluded_reason" text,
	"as_of" timestamp with time zone,
	"computed_at" timestamp with time zone NOT NULL
);
