import { sql } from 'drizzle-orm';
import { index, type PgColumn, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

// The columns and indexes every resource table (container images, helm charts, clusters,
// deployments, services) shares, written once. Same SQL names and types as before they were
// shared, so the committed migrations do not change.

/** First in every resource table: the row's id and the user who owns it. */
export const resourceIdentity = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  ownerId: uuid('owner_id')
    .notNull()
    .references(() => users.id),
});

/** Last in every resource table: the last error, and the timestamps (deletion is soft). */
export const resourceTrail = () => ({
  error: text('error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  lastUpdated: timestamp('last_updated', { withTimezone: true }).notNull().defaultNow(),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
});

/**
 * A resource table's indexes: its natural key unique among live rows (a second create with the same
 * key is a 409; a deleted row frees the name), and the owner's newest-first listing.
 */
export const resourceIndexes = (
  table: string,
  key: { name: string; on: [PgColumn, ...PgColumn[]] },
  t: { ownerId: PgColumn; createdAt: PgColumn },
) => [
  uniqueIndex(`${table}_${key.name}`)
    .on(...key.on)
    .where(sql`deleted_at is null`),
  index(`${table}_owner_created`).on(t.ownerId, t.createdAt),
];
