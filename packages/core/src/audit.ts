import { auditLog, securityEvents, type Tx } from '@slipway/db';
import { sql } from 'drizzle-orm';
import type { CoreDeps } from './deps.ts';

// The audit trail (contract: "Audit Logging"): who changed what, through which request, and how it ended.

export type AuditEntry = {
  userId: string | null;
  /** e.g. "POST /api/deployments/:id/scale" (the route pattern, not the raw path). */
  action: string;
  method: string;
  path: string;
  resourceId?: string | null | undefined;
  statusCode: number;
  requestId?: string | null | undefined;
};

export async function recordAudit(deps: CoreDeps, e: AuditEntry): Promise<void> {
  await deps.db.insert(auditLog).values({
    userId: e.userId,
    action: e.action.slice(0, 200),
    method: e.method,
    path: e.path.slice(0, 2000),
    resourceId: e.resourceId?.slice(0, 200) ?? null,
    statusCode: e.statusCode,
    requestId: e.requestId?.slice(0, 200) ?? null,
  });
}

export type SecurityEventInput = {
  /** e.g. "unauthorized", "forbidden", "rate_limited", "refresh_token_reuse", "login_locked". */
  kind: string;
  userId?: string | null | undefined;
  address?: string | null | undefined;
  path?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
};

/**
 * Records a security event. Events with the same kind, user, address and path in the same minute
 * share one row (its count goes up), so a flood adds a row a minute per source, not one per request.
 * Takes a transaction so an event can commit with the change it explains (a revoked token family).
 */
export async function recordSecurityEvent(db: Tx, e: SecurityEventInput): Promise<void> {
  const address = e.address?.slice(0, 64) ?? null;
  const path = e.path?.slice(0, 200) ?? null;
  const fingerprint = [e.kind, e.userId ?? '', address ?? '', path ?? ''].join('|');
  await db
    .insert(securityEvents)
    .values({
      kind: e.kind.slice(0, 64),
      userId: e.userId ?? null,
      address,
      path,
      detail: e.detail ?? null,
      fingerprint,
      bucket: sql`date_trunc('minute', now())` as unknown as Date,
    })
    .onConflictDoUpdate({
      target: [securityEvents.fingerprint, securityEvents.bucket],
      set: { count: sql`${securityEvents.count} + 1`, lastAt: sql`now()` },
    });
}
