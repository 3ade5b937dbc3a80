import { bigserial, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// Every state-changing request, who made it and how it ended (contract: "Audit Logging"). A change
// that commits writes its row in the verb's own transaction (so the row exists exactly when the
// change does); the response status is filled in just before the response is sent. A refused
// request has no transaction to join: its row is written before its response.
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id'),
    action: text('action').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    resourceId: text('resource_id'),
    // null while the committed change's response is not sent yet (or if the process died before).
    statusCode: integer('status_code'),
    requestId: text('request_id'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('audit_log_user_at').on(t.userId, t.at),
    index('audit_log_at').on(t.at),
    index('audit_log_resource_at').on(t.resourceId, t.at),
  ],
);
export type AuditRow = typeof auditLog.$inferSelect;
