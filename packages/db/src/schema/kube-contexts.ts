import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

// The admin-managed allowlist of kubeconfig contexts (issue 12, tenants). A `kind: kubeconfig` cluster
// may name only a context assigned here to its owner. One owner per context: two owners on one context
// could server-side-apply over each other's deployments.
export const kubeContexts = pgTable(
  'kube_contexts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    context: text('context').notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('kube_contexts_context').on(t.context)],
);
export type KubeContext = typeof kubeContexts.$inferSelect;
