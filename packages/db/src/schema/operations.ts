import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { operationStatus, resourceType } from './enums.ts';

// The operation row is the outbox: written in the same transaction as the resource change,
// enqueued afterwards with jobId = id, and found again by the reconciler if Redis lost it.
export const operations = pgTable(
  'operations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id').notNull(),
    kind: text('kind').notNull(),
    resourceType: resourceType('resource_type').notNull(),
    resourceId: uuid('resource_id').notNull(),
    status: operationStatus('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    progress: integer('progress').notNull().default(0),
    error: text('error'),
    input: jsonb('input').$type<Record<string, unknown>>().notNull().default({}),
    result: jsonb('result').$type<Record<string, unknown>>(),
    // Fencing: a claim writes a fresh token; every later write must carry it.
    leaseToken: uuid('lease_token'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('operations_resource').on(t.resourceId, t.createdAt),
    index('operations_status').on(t.status, t.createdAt),
    index('operations_owner_created').on(t.ownerId, t.createdAt),
  ],
);
export type Operation = typeof operations.$inferSelect;

export const operationEvents = pgTable(
  'operation_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    operationId: uuid('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    message: text('message').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('operation_events_op').on(t.operationId, t.id)],
);
export type OperationEvent = typeof operationEvents.$inferSelect;
