import { type CoreDeps, type Logger, recordAudit } from '@slipway/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UUID_IN_PATH = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export type AuditOptions = {
  core: CoreDeps;
  log: Logger;
  /** Registers the background write so shutdown (and tests) can wait for it. */
  track: (p: Promise<unknown>) => void;
};

/**
 * Writes an audit_log row for every state-changing request and every admin request, after the
 * response is built and without holding it up; a failed audit write is logged, never surfaced.
 */
export function auditTrail(opts: AuditOptions): MiddlewareHandler<AppEnv> {
  return async function audit(c, next) {
    await next();
    const user = c.get('user');
    const method = c.req.method;
    if (READS.has(method) && user?.role !== 'admin') return;
    const res = c.res;
    let resourceId = UUID_IN_PATH.exec(c.req.path)?.[0] ?? null;
    const started = (async () => {
      if (!resourceId && res.status === 201) {
        const body = (await res
          .clone()
          .json()
          .catch(() => null)) as { id?: unknown } | null;
        if (typeof body?.id === 'string') resourceId = body.id;
      }
      await recordAudit(opts.core, {
        userId: user?.id ?? c.get('auditUserId') ?? null,
        action: `${method} ${c.get('route') ?? c.req.path}`,
        method,
        path: c.req.path,
        resourceId,
        statusCode: res.status,
        requestId: c.get('requestId'),
      });
    })().catch((err: unknown) => opts.log.warn({ err, requestId: c.get('requestId') }, 'audit write failed'));
    opts.track(started);
  };
}
