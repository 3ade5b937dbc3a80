import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { responseHeaders } from './standard-headers.ts';

// A caller-supplied X-Request-Id is kept when it is short and plain (so it can be logged safely);
// otherwise a fresh one is minted. Every response carries it.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): MiddlewareHandler<AppEnv> {
  return async function assignRequestId(c, next) {
    const incoming = c.req.header('X-Request-Id');
    const id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', id);
    await next();
    responseHeaders(c)('X-Request-Id', id);
  };
}
