import { integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { resourceIdentity, resourceIndexes, resourceTrail } from './columns.ts';
import { serviceStatus, serviceType } from './enums.ts';

export const services = pgTable(
  'services',
  {
    ...resourceIdentity(),
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
    ...resourceTrail(),
  },
  (t) => resourceIndexes('services', { name: 'cluster_ns_name', on: [t.clusterId, t.namespace, t.name] }, t),
);
export type Service = typeof services.$inferSelect;
