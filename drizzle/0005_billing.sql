CREATE TABLE "billing_locks" (
	"month" text PRIMARY KEY NOT NULL,
	"lines" json NOT NULL,
	"locked_by" text NOT NULL,
	"locked_at" timestamp with time zone NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "billing_materials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" text NOT NULL,
	"month" text NOT NULL,
	"source" text,
	"ticket_id" text,
	"description" text NOT NULL,
	"quantity" double precision NOT NULL,
	"unit_price_cents" integer NOT NULL,
	"charge_reason" text NOT NULL,
	"order_reference" text,
	"note" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_cards" (
	"policy_id" text NOT NULL,
	"version" integer NOT NULL,
	"effective_from" date NOT NULL,
	"body" json NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "rate_cards_policy_id_version_pk" PRIMARY KEY("policy_id","version")
);
--> statement-breakpoint
CREATE TABLE "time_entry_corrections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"entry_id" text NOT NULL,
	"field" text NOT NULL,
	"value" text,
	"reason" text NOT NULL,
	"corrected_by" text NOT NULL,
	"corrected_at" timestamp with time zone NOT NULL
);
