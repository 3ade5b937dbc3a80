import { auditRoutes } from '@slipway/contract';
import { listAudit } from '@slipway/core';
import type { AuditRow } from '@slipway/db';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse } from '../../pagination.ts';

const serializeAudit = (r: AuditRow) => ({
  id: r.id,
  user_id: r.userId,
  action: r.action,
  method: r.method,
  path: r.path,
  resource_id: r.resourceId,
  status_code: r.statusCode,
  request_id: r.requestId,
  at: r.at.toISOString(),
});

/** GET /api/audit?actor=&action=&resource_id=&from=&to=: admins read the audit trail, paginated. */
export function registerListAudit(app: ApiApp, deps: AppDeps): void {
  app.openapi(auditRoutes.listAudit, async function listAuditRoute(c) {
    const q = c.req.valid('query');
    const page = await listAudit(deps.core, c.get('actor'), {
      page: q.page,
      perPage: q.per_page,
      actorId: q.actor,
      action: q.action,
      resourceId: q.resource_id,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    });
    return listResponse(c, page, serializeAudit);
  });
}
