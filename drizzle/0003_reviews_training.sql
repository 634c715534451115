CREATE TABLE "reviews" (
	"account_id" text NOT NULL,
	"month" text NOT NULL,
	"agreements" text,
	"updated_by" text,
	"updated_at" timestamp with time zone NOT NULL,
	"finalised_by" text,
	"finalised_at" timestamp with time zone,
	"snapshot" json,
	CONSTRAINT "reviews_account_id_month_pk" PRIMARY KEY("account_id","month")
);
--> statement-breakpoint
CREATE TABLE "training_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" text NOT NULL,
	"status" text NOT NULL,
	"on_date" date NOT NULL,
	"note" text,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_settings" (
	"version" integer PRIMARY KEY NOT NULL,
	"effective_from" date NOT NULL,
	"body" json NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
