import { DomainError } from '@slipway/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Their own session is not a write to anything: a viewer may sign out like anyone else. */
const OWN_SESSION = new Set(['/api/auth/logout']);

/**
 * Viewers read only. Core checks this too; answering here first means a viewer gets the 403 even
 * when the body would also fail validation, and nothing is claimed or counted for them.
 */
export function rejectViewerWrites(): MiddlewareHandler<AppEnv> {
  // Not async: Hono's dispatch catches the throw as it catches a rejection.
  return function viewersReadOnly(c, next) {
    if (c.get('user')?.role === 'viewer' && !READS.has(c.req.method) && !OWN_SESSION.has(c.req.path)) {
      throw new DomainError('forbidden', 'Insufficient permissions');
    }
    return next();
  };
}
