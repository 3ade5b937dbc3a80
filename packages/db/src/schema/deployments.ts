import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { deploymentStatus } from './enums.ts';
import { users } from './users.ts';

export const deployments = pgTable(
  'deployments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    clusterId: uuid('cluster_id').notNull(),
    namespace: text('namespace').notNull().default('default'),
    name: text('name').notNull(),
    replicas: integer('replicas').notNull(),
    availableReplicas: integer('available_replicas').notNull().default(0),
    image: text('image').notNull(),
    containerPort: integer('container_port').notNull(),
    helmChartId: uuid('helm_chart_id'),
    status: deploymentStatus('status').notNull().default('pending'),
    // Bumped by every desired-state change; a worker applying an older generation yields to the newer one.
    generation: integer('generation').notNull().default(1),
    driver: text('driver').notNull(),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUpdated: timestamp('last_updated', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('deployments_cluster_ns_name')
      .on(t.clusterId, t.namespace, t.name)
      .where(sql`deleted_at is null`),
    index('deployments_owner_created').on(t.ownerId, t.createdAt),
  ],
);
export type Deployment = typeof deployments.$inferSelect;
