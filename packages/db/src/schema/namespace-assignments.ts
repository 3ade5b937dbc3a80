import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

// The admin-managed namespace assignments (issue 12, tenants). An owner deploys into its default
// namespace (`slipway-u-<owner id hex>`, derived, never stored) and into the namespaces assigned here.
// An admin assigns a namespace to one owner only (the API answers 409 otherwise); the one exception is
// the backfill of migration 0006, which assigned every namespace existing deployments and services were
// in to their owners (several owners may share `default` that way, created_by NULL) so they keep working.
export const namespaceAssignments = pgTable(
  'namespace_assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    namespace: text('namespace').notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    // NULL: the migration's backfill.
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('namespace_assignments_namespace_owner').on(t.namespace, t.ownerId)],
);
export type NamespaceAssignment = typeof namespaceAssignments.$inferSelect;
