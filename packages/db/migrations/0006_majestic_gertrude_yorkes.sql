CREATE TABLE "namespace_assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"namespace" text NOT NULL,
	"owner_id" uuid NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "namespace_assignments" ADD CONSTRAINT "namespace_assignments_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "namespace_assignments" ADD CONSTRAINT "namespace_assignments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "namespace_assignments_namespace_owner" ON "namespace_assignments" USING btree ("namespace","owner_id");--> statement-breakpoint
-- Existing rows stay where they are (issue 12, tenants): every namespace a live deployment or service
-- is in is assigned to its owner (created_by NULL: this backfill), so owners keep changing and deleting
-- them after namespaces became per-owner. Owners that shared a namespace (typically `default`) each get
-- an assignment of it; an admin may withdraw those. New assignments are one owner per namespace.
INSERT INTO "namespace_assignments" ("namespace", "owner_id")
SELECT DISTINCT r."namespace", r."owner_id" FROM (
	SELECT "namespace", "owner_id" FROM "deployments" WHERE "deleted_at" IS NULL
	UNION
	SELECT "namespace", "owner_id" FROM "services" WHERE "deleted_at" IS NULL
) r
ON CONFLICT DO NOTHING;--> statement-breakpoint
-- minikube clusters created before profiles came from ids recorded their name as kube_context (the old
-- profile). Slipway now addresses such a cluster as `slipway-<first 12 hex of its id>` only; the stale
-- column is cleared so it no longer names a profile Slipway does not manage (the worker records the
-- derived profile at the next start). See packages/db/README.md.
UPDATE "minikube_clusters" SET "kube_context" = NULL
WHERE "kind" = 'minikube'
	AND "kube_context" IS DISTINCT FROM 'slipway-' || substr(replace("id"::text, '-', ''), 1, 12);
