import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

// Security-relevant refusals and incidents (401, 403, 429, refresh-token reuse, lockouts). Bounded:
// events with the same fingerprint (kind, user, address, route) within one minute are one row with
// a count, so a flood from one source adds one row a minute, not one per request.
export const securityEvents = pgTable(
  'security_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    userId: uuid('user_id'),
    address: text('address'),
    path: text('path'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    fingerprint: text('fingerprint').notNull(),
    // The minute the row counts (date_trunc('minute', now())).
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(1),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull().defaultNow(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('security_events_fingerprint_bucket').on(t.fingerprint, t.bucket),
    index('security_events_last_at').on(t.lastAt),
  ],
);
export type SecurityEvent = typeof securityEvents.$inferSelect;
