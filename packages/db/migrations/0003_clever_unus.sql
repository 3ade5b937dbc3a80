ALTER TABLE "audit_log" ALTER COLUMN "status_code" DROP NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_resource_at" ON "audit_log" USING btree ("resource_id","at");