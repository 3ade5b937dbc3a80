import { auditLog } from '@slipway/db';
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
