ALTER TABLE "ticket_sla" ADD COLUMN "has_events" boolean;--> statement-breakpoint
ALTER TABLE "ticket_sla" ADD COLUMN "reassessments" json;--> statement-breakpoint
ALTER TABLE "ticket_sla" ADD COLUMN "line_changes" json;