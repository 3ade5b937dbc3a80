ALTER TYPE "public"."deployment_status" ADD VALUE 'unknown';--> statement-breakpoint
ALTER TYPE "public"."service_status" ADD VALUE 'unknown';--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "reason" text;