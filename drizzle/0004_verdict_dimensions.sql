ALTER TABLE "ticket_sla" ADD COLUMN "account_id" text;--> statement-breakpoint
ALTER TABLE "ticket_sla" ADD COLUMN "channel" text;--> statement-breakpoint
ALTER TABLE "ticket_sla" ADD COLUMN "type" text;--> statement-breakpoint
ALTER TABLE "ticket_sla" ADD COLUMN "created_at" timestamp with time zone;