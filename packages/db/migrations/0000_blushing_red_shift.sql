CREATE TYPE "public"."chart_status" AS ENUM('validating', 'valid', 'invalid');--> statement-breakpoint
CREATE TYPE "public"."cluster_kind" AS ENUM('minikube', 'kubeconfig');--> statement-breakpoint
CREATE TYPE "public"."cluster_status" AS ENUM('stopped', 'starting', 'running', 'stopping', 'restarting', 'error');--> statement-breakpoint
CREATE TYPE "public"."deployment_status" AS ENUM('pending', 'running', 'scaling', 'updating', 'failed');--> statement-breakpoint
CREATE TYPE "public"."image_status" AS ENUM('building', 'built', 'failed');--> statement-breakpoint
CREATE TYPE "public"."operation_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."resource_type" AS ENUM('container_image', 'helm_chart', 'minikube_cluster', 'deployment', 'service', 'ai');--> statement-breakpoint
CREATE TYPE "public"."service_status" AS ENUM('pending', 'active', 'failed');--> statement-breakpoint
CREATE TYPE "public"."service_type" AS ENUM('ClusterIP', 'NodePort', 'LoadBalancer');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('admin', 'operator', 'viewer');--> statement-breakpoint
CREATE TYPE "public"."user_tier" AS ENUM('standard', 'premium');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid,
	"action" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"resource_id" text,
	"status_code" integer NOT NULL,
	"request_id" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "minikube_clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" "cluster_kind" DEFAULT 'minikube' NOT NULL,
	"status" "cluster_status" DEFAULT 'stopped' NOT NULL,
	"cpus" integer NOT NULL,
	"memory" integer NOT NULL,
	"disk_size" integer NOT NULL,
	"kubernetes_version" text NOT NULL,
	"kube_context" text,
	"driver" text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_updated" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "container_images" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"tag" text NOT NULL,
	"repository" text NOT NULL,
	"description" text,
	"size" bigint DEFAULT 0 NOT NULL,
	"digest" text,
	"image_id" text,
	"status" "image_status" DEFAULT 'building' NOT NULL,
	"driver" text NOT NULL,
	"source" jsonb,
	"dockerfile" text,
	"build_args" jsonb,
	"push" boolean DEFAULT false NOT NULL,
	"load_into_cluster_id" uuid,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_updated" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"namespace" text DEFAULT 'default' NOT NULL,
	"name" text NOT NULL,
	"replicas" integer NOT NULL,
	"available_replicas" integer DEFAULT 0 NOT NULL,
	"image" text NOT NULL,
	"container_port" integer NOT NULL,
	"helm_chart_id" uuid,
	"status" "deployment_status" DEFAULT 'pending' NOT NULL,
	"generation" integer DEFAULT 1 NOT NULL,
	"driver" text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_updated" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "helm_charts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"description" text,
	"app_version" text,
	"status" chart_status DEFAULT 'validating' NOT NULL,
	"driver" text NOT NULL,
	"validator" text,
	"findings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"content" "bytea",
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_updated" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" integer,
	"response_body" text,
	"response_headers" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
CREATE TABLE "operation_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"operation_id" uuid NOT NULL,
	"status" text NOT NULL,
	"message" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"resource_type" "resource_type" NOT NULL,
	"resource_id" uuid NOT NULL,
	"status" "operation_status" DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"error" text,
	"input" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"result" jsonb,
	"lease_token" uuid,
	"lease_expires_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refresh_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refresh_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "services" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"deployment_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"namespace" text DEFAULT 'default' NOT NULL,
	"name" text NOT NULL,
	"type" "service_type" DEFAULT 'ClusterIP' NOT NULL,
	"port" integer NOT NULL,
	"target_port" integer NOT NULL,
	"protocol" text DEFAULT 'TCP' NOT NULL,
	"status" "service_status" DEFAULT 'pending' NOT NULL,
	"generation" integer DEFAULT 1 NOT NULL,
	"reason" text,
	"driver" text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_updated" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" "user_role" NOT NULL,
	"tier" "user_tier" DEFAULT 'standard' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "minikube_clusters" ADD CONSTRAINT "minikube_clusters_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "container_images" ADD CONSTRAINT "container_images_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "helm_charts" ADD CONSTRAINT "helm_charts_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operation_events" ADD CONSTRAINT "operation_events_operation_id_operations_id_fk" FOREIGN KEY ("operation_id") REFERENCES "public"."operations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "services" ADD CONSTRAINT "services_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_user_at" ON "audit_log" USING btree ("user_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "minikube_clusters_owner_name" ON "minikube_clusters" USING btree ("owner_id","name") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "minikube_clusters_owner_created" ON "minikube_clusters" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "container_images_owner_name_tag" ON "container_images" USING btree ("owner_id","name","tag") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "container_images_owner_created" ON "container_images" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_cluster_ns_name" ON "deployments" USING btree ("cluster_id","namespace","name") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "deployments_owner_created" ON "deployments" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "helm_charts_owner_name_version" ON "helm_charts" USING btree ("owner_id","name","version") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "helm_charts_owner_created" ON "helm_charts" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "operation_events_op" ON "operation_events" USING btree ("operation_id","id");--> statement-breakpoint
CREATE INDEX "operations_resource" ON "operations" USING btree ("resource_id","created_at");--> statement-breakpoint
CREATE INDEX "operations_status" ON "operations" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "operations_owner_created" ON "operations" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "services_cluster_ns_name" ON "services" USING btree ("cluster_id","namespace","name") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "services_owner_created" ON "services" USING btree ("owner_id","created_at");