import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { clusterKind, clusterStatus } from './enums.ts';
import { users } from './users.ts';

export const clusters = pgTable(
  'minikube_clusters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    kind: clusterKind('kind').notNull().default('minikube'),
    status: clusterStatus('status').notNull().default('stopped'),
    cpus: integer('cpus').notNull(),
    memory: integer('memory').notNull(),
    diskSize: integer('disk_size').notNull(),
    kubernetesVersion: text('kubernetes_version').notNull(),
    // kubeconfig context handed to the Kubernetes driver (the minikube profile name for minikube clusters).
    kubeContext: text('kube_context'),
    driver: text('driver').notNull(),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUpdated: timestamp('last_updated', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('minikube_clusters_owner_name').on(t.ownerId, t.name).where(sql`deleted_at is null`),
    index('minikube_clusters_owner_created').on(t.ownerId, t.createdAt),
  ],
);
export type Cluster = typeof clusters.$inferSelect;
