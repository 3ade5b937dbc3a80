import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { serviceStatus, serviceType } from './enums.ts';
import { users } from './users.ts';

export const services = pgTable(
  'services',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    deploymentId: uuid('deployment_id').notNull(),
    clusterId: uuid('cluster_id').notNull(),
    namespace: text('namespace').notNull().default('default'),
    name: text('name').notNull(),
    type: serviceType('type').notNull().default('ClusterIP'),
    port: integer('port').notNull(),
    targetPort: integer('target_port').notNull(),
    protocol: text('protocol').notNull().default('TCP'),
    status: serviceStatus('status').notNull().default('pending'),
    generation: integer('generation').notNull().default(1),
    // Why a service is still pending (no ready endpoints, no load-balancer ingress), or why it failed.
    reason: text('reason'),
    driver: text('driver').notNull(),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUpdated: timestamp('last_updated', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('services_cluster_ns_name')
      .on(t.clusterId, t.namespace, t.name)
      .where(sql`deleted_at is null`),
    index('services_owner_created').on(t.ownerId, t.createdAt),
  ],
);
export type Service = typeof services.$inferSelect;
