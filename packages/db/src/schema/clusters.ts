import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { resourceIdentity, resourceIndexes, resourceTrail } from './columns.ts';
import { clusterKind, clusterStatus } from './enums.ts';

export const clusters = pgTable(
  'minikube_clusters',
  {
    ...resourceIdentity(),
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
    ...resourceTrail(),
  },
  (t) => resourceIndexes('minikube_clusters', { name: 'owner_name', on: [t.ownerId, t.name] }, t),
);
export type Cluster = typeof clusters.$inferSelect;
