CREATE TABLE "billing_account_locks" (
	"month" text NOT NULL,
	"account_id" text NOT NULL,
	"lines" json NOT NULL,
	"locked_by" text NOT NULL,
	"locked_at" timestamp with time zone NOT NULL,
	"note" text,
	CONSTRAINT "billing_account_locks_month_account_id_pk" PRIMARY KEY("month","account_id")
);
--> statement-breakpoint
CREATE TABLE "billing_material_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"material_id" uuid NOT NULL,
	"action" text NOT NULL,
	"before" json NOT NULL,
	"after" json,
	"reason" text NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "billing_materials" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "billing_materials" ADD COLUMN "removed_by" text;--> statement-breakpoint
ALTER TABLE "billing_materials" ADD COLUMN "removed_reason" text;