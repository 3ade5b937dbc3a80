import { integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { resourceIdentity, resourceIndexes, resourceTrail } from './columns.ts';
import { deploymentStatus } from './enums.ts';

export const deployments = pgTable(
  'deployments',
  {
    ...resourceIdentity(),
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
    // Why the status is what it is when the status alone does not say (e.g. `unknown`: the cluster was stopped).
    reason: text('reason'),
    driver: text('driver').notNull(),
    ...resourceTrail(),
  },
  (t) =>
    resourceIndexes('deployments', { name: 'cluster_ns_name', on: [t.clusterId, t.namespace, t.name] }, t),
);
export type Deployment = typeof deployments.$inferSelect;
