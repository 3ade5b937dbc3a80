import { type AuditScope, type CoreDeps, finishAudit, type Logger, withAuditScope } from '@slipway/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, AuthUser } from '../context.ts';
import { createdId, jsonBodyOf } from './standard-headers.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UUID_IN_PATH = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export type AuditOptions = {
  core: CoreDeps;
  log: Logger;
  /** Unused since audit rows are no longer written in the background; kept for callers. */
  track?: (p: Promise<unknown>) => void;
};

/**
 * The audit trail for every state-changing request and every admin request. The request is put in
 * scope (core's withAuditScope) so the verb's own transaction writes the row with the change it
 * makes; before the response goes out the row gets its status (or, where no transaction wrote one —
 * a refusal, a verb without operations — the row is written then). Nothing is written after the
 * response. A failed audit write is logged, never surfaced.
 */
export function auditTrail(opts: AuditOptions): MiddlewareHandler<AppEnv> {
  // Not async itself: a read that is not audited passes straight through (no promise of its own).
  return function audit(c, next) {
    const user = c.get('user');
    const method = c.req.method;
    if (READS.has(method) && user?.role !== 'admin') return next();
    return audited(c, next, user, method);
  };

  async function audited(
    c: Parameters<MiddlewareHandler<AppEnv>>[0],
    next: () => Promise<void>,
    user: AuthUser | undefined,
    method: string,
  ): Promise<void> {
    const scope: AuditScope = {
      userId: user?.id ?? null,
      action: `${method} ${c.get('route') ?? c.req.path}`,
      method,
      path: c.req.path,
      resourceId: UUID_IN_PATH.exec(c.req.path)?.[0] ?? null,
      requestId: c.get('requestId'),
    };
    await withAuditScope(scope, () => next());
    const res = c.res;
    scope.userId ??= c.get('auditUserId') ?? null;
    if (!scope.resourceId && res.status === 201) {
      const id = createdId(
        jsonBodyOf(res) ??
          (await res
            .clone()
            .text()
            .catch(() => '')),
      );
      if (id !== null) scope.resourceId = id;
    }
    await finishAudit(opts.core, scope, res.status).catch((err: unknown) =>
      opts.log.warn({ err, requestId: c.get('requestId') }, 'audit write failed'),
    );
  }
}
