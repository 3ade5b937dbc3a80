import { createHash } from 'node:crypto';
import {
  type CoreDeps,
  claimIdempotencyKey,
  completeIdempotencyKey,
  completeIdempotencyKeyAndAudit,
  currentAuditScope,
  DomainError,
  releaseIdempotencyKey,
} from '@slipway/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { createdId, jsonBodyOf } from './standard-headers.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const utf8 = new TextDecoder();
/** Headers worth replaying: what tells the client where the work went. */
const REPLAYED_HEADERS = ['Content-Type', 'Location'];

/**
 * Idempotency-Key with Stripe's semantics, per user, for 24 hours: the same key and the same
 * request (sha256 of method, path and body) replays the first response with Idempotent-Replayed:
 * true; the same key with another request is a 422; while the first is still running, a 409 —
 * until its lock times out (the first request died), when the retry takes the key over.
 * 5xx answers are not stored (the key is released) so the client can retry with the same key.
 */
export function idempotency(opts: { core: CoreDeps }): MiddlewareHandler<AppEnv> {
  return async function idempotentWrites(c, next) {
    const key = c.req.header('Idempotency-Key');
    const user = c.get('user');
    if (key === undefined || !user || !WRITES.has(c.req.method)) return next();
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new DomainError('validation', 'Invalid Idempotency-Key', {
        details: { field: 'Idempotency-Key', issue: 'must be 1-255 printable ASCII characters' },
      });
    }
    const buf = await c.req.arrayBuffer();
    // The body's text cached too (decoded as Response.text() decodes: UTF-8, BOM dropped), so the
    // JSON gate's text() and the validator's json() read it instead of each wrapping the bytes in a
    // new Response and reading that stream again.
    (c.req.bodyCache as { text?: Promise<string> }).text ??= Promise.resolve(utf8.decode(buf));
    const body = Buffer.from(buf);
    const hash = createHash('sha256').update(`${c.req.method}\n${c.req.path}\n`).update(body).digest('hex');
    const claim = await claimIdempotencyKey(opts.core, user.id, key, hash);
    if (claim.state === 'mismatch') {
      throw new DomainError(
        'idempotency_mismatch',
        'Idempotency-Key was already used with a different request',
        {
          details: { field: 'Idempotency-Key', issue: 'reused with a different method, path or body' },
        },
      );
    }
    if (claim.state === 'in_progress') {
      throw new DomainError('conflict', 'A request with this Idempotency-Key is still being processed');
    }
    if (claim.state === 'replay') {
      const { status, body: stored, headers } = claim.response;
      return c.body(stored, status as 200, { ...headers, 'Idempotent-Replayed': 'true' });
    }
    const { lockToken } = claim;
    try {
      await next();
    } catch (e) {
      await releaseIdempotencyKey(opts.core, user.id, key, lockToken).catch(() => {});
      throw e;
    }
    const res = c.res;
    if (res.status >= 500) {
      await releaseIdempotencyKey(opts.core, user.id, key, lockToken).catch(() => {});
      return;
    }
    const headers: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const v = res.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    const text = jsonBodyOf(res) ?? (await res.clone().text());
    const stored = { status: res.status, body: text, headers };
    // The verb's transaction wrote the audit row (status still null): its status goes in the same
    // statement as the stored response, and the audit middleware has nothing left to write.
    const audit = currentAuditScope();
    if (audit?.rowId !== undefined) {
      if (!audit.resourceId && res.status === 201) audit.resourceId = createdId(text);
      const done = await completeIdempotencyKeyAndAudit(opts.core, user.id, key, stored, lockToken, {
        rowId: audit.rowId,
        statusCode: res.status,
        resourceId: audit.resourceId,
      });
      if (done.audited) audit.finishedStatus = res.status;
      return;
    }
    await completeIdempotencyKey(opts.core, user.id, key, stored, lockToken);
  };
}
