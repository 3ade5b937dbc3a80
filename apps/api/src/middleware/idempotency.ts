import { createHash, randomUUID } from 'node:crypto';
import {
  type CoreDeps,
  claimIdempotencyKey,
  completeIdempotencyKey,
  completeIdempotencyKeyAndAudit,
  currentAuditScope,
  DomainError,
  IdempotentReplay,
  idempotencyAnswer,
  type KeyedWrite,
  keyedWritesSupported,
  releaseIdempotencyKey,
  type StoredResponse,
  storeUnclaimedResponse,
  withKeyedWrite,
} from '@slipway/core';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, AuthUser } from '../context.ts';
import { createdId, jsonBodyOf } from './standard-headers.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const utf8 = new TextDecoder();
/** Headers worth replaying: what tells the client where the work went. */
const REPLAYED_HEADERS = ['Content-Type', 'Location'];

/**
 * Routes ("POST /api/container-images", the route pattern) whose verb claims the key in its own
 * statement (core's withKeyedWrite): the claim commits with the change, one commit fewer per keyed
 * write. Registered by the route (claimsKeyInVerb); every other keyed write claims the key first.
 */
const claimedInVerb = new Set<string>();

/** Marks a route whose core verb claims the Idempotency-Key in its own statement (pendingKeyedWrite). */
export function claimsKeyInVerb(method: string, routePattern: string): void {
  claimedInVerb.add(`${method} ${routePattern}`);
}

/** The stored response replayed (app.onError answers a verb's IdempotentReplay with it). */
export function replayed(c: Context, e: IdempotentReplay): Response {
  const { status, body, headers } = e.response;
  return c.body(body, status as 200, { ...headers, 'Idempotent-Replayed': 'true' });
}

/**
 * Idempotency-Key with Stripe's semantics, per user, for 24 hours: the same key and the same
 * request (sha256 of method, path and body) replays the first response with Idempotent-Replayed:
 * true; the same key with another request is a 422; while the first is still running, a 409 —
 * until its lock times out (the first request died), when the retry takes the key over.
 * 5xx answers are not stored (the key is released) so the client can retry with the same key.
 */
export function idempotency(opts: { core: CoreDeps }): MiddlewareHandler<AppEnv> {
  // Not async itself: reads and unkeyed writes pass straight through (no promise, no header lookup for reads).
  return function idempotentWrites(c, next) {
    if (!WRITES.has(c.req.method)) return next();
    const key = c.req.header('Idempotency-Key');
    const user = c.get('user');
    if (key === undefined || !user) return next();
    return keyedWrite(c, next, key, user);
  };

  async function keyedWrite(
    c: Context<AppEnv>,
    next: () => Promise<void>,
    key: string,
    user: AuthUser,
  ): Promise<Response | undefined> {
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
    if (claimedInVerb.has(`${c.req.method} ${c.get('route')}`) && keyedWritesSupported(opts.core)) {
      const w: KeyedWrite = {
        userId: user.id,
        key,
        requestHash: hash,
        lockToken: randomUUID(),
        claimed: false,
        answered: false,
      };
      try {
        await withKeyedWrite(w, () => next());
      } catch (e) {
        if (w.claimed) await releaseIdempotencyKey(opts.core, user.id, key, w.lockToken).catch(() => {});
        throw e;
      }
      // The verb found the key taken: its answer (replay, 409, 422) is the response.
      if (w.answered) return;
      if (w.claimed) {
        await finish(c, opts.core, user.id, key, w.lockToken);
        return;
      }
      // Answered before the verb claimed the key (refused by validation, a missing cluster, ...):
      // a 4xx is stored with its claim in one statement; nothing is stored for a 5xx.
      if (c.res.status >= 500) return;
      await storeUnclaimedResponse(opts.core, w, await storedOf(c.res));
      return;
    }
    const claim = await claimIdempotencyKey(opts.core, user.id, key, hash);
    if (claim.state !== 'new') {
      if (claim.state === 'replay') return replayed(c, new IdempotentReplay(claim.response));
      throw idempotencyAnswer(claim);
    }
    const { lockToken } = claim;
    try {
      await next();
    } catch (e) {
      await releaseIdempotencyKey(opts.core, user.id, key, lockToken).catch(() => {});
      throw e;
    }
    await finish(c, opts.core, user.id, key, lockToken);
  }
}

async function storedOf(res: Response): Promise<StoredResponse> {
  const headers: Record<string, string> = {};
  for (const h of REPLAYED_HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  const text = jsonBodyOf(res) ?? (await res.clone().text());
  return { status: res.status, body: text, headers };
}

/** The request held the key: its response stored (a 5xx releases the key instead). */
async function finish(c: Context<AppEnv>, core: CoreDeps, userId: string, key: string, lockToken: string) {
  const res = c.res;
  if (res.status >= 500) {
    await releaseIdempotencyKey(core, userId, key, lockToken).catch(() => {});
    return;
  }
  const stored = await storedOf(res);
  // The verb's transaction wrote the audit row (status still null): its status goes in the same
  // statement as the stored response, and the audit middleware has nothing left to write.
  const audit = currentAuditScope();
  if (audit?.rowId !== undefined) {
    if (!audit.resourceId && res.status === 201) audit.resourceId = createdId(stored.body);
    const done = await completeIdempotencyKeyAndAudit(core, userId, key, stored, lockToken, {
      rowId: audit.rowId,
      statusCode: res.status,
      resourceId: audit.resourceId,
    });
    if (done.audited) audit.finishedStatus = res.status;
    return;
  }
  await completeIdempotencyKey(core, userId, key, stored, lockToken);
}
