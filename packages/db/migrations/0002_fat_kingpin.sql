ALTER TABLE "idempotency_keys" ADD COLUMN "lock_token" uuid;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "locked_at" timestamp with time zone DEFAULT now() NOT NULL;