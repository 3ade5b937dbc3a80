import { idempotencyKeys } from '@slipway/db';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { CoreDeps } from './deps.ts';

// Stripe-style Idempotency-Key bookkeeping for the API. A key belongs to one user; the first request
// inserts a row with a null response (a claim), later requests with the same key either replay the
// stored response, wait-and-retry (409) while the first is still running, or are refused (422) when
// their body differs. Keys live 24 hours.

export const IDEMPOTENCY_TTL_HOURS = 24;

export type StoredResponse = { status: number; body: string; headers: Record<string, string> };

export type IdempotencyClaim =
  | { state: 'new' }
  | { state: 'replay'; response: StoredResponse }
  | { state: 'in_progress' }
  | { state: 'mismatch' };

/** Claims `key` for this request, or reports what an earlier request with the same key left. */
export async function claimIdempotencyKey(
  deps: CoreDeps,
  userId: string,
  key: string,
  requestHash: string,
): Promise<IdempotencyClaim> {
  // An expired key is free again: drop it before the insert so the claim below can win.
  await deps.db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.userId, userId),
        eq(idempotencyKeys.key, key),
        lt(idempotencyKeys.expiresAt, sql`now()`),
      ),
    );
  const inserted = await deps.db
    .insert(idempotencyKeys)
    .values({
      userId,
      key,
      requestHash,
      expiresAt: sql`now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})` as unknown as Date,
    })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { state: 'new' };
  const [row] = await deps.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  // Released between our insert and this read: the caller may simply retry.
  if (!row) return { state: 'in_progress' };
  if (row.requestHash !== requestHash) return { state: 'mismatch' };
  if (row.responseStatus === null || row.responseBody === null) return { state: 'in_progress' };
  return {
    state: 'replay',
    response: { status: row.responseStatus, body: row.responseBody, headers: row.responseHeaders ?? {} },
  };
}

/** Stores the first response so later requests with the same key replay it. */
export async function completeIdempotencyKey(
  deps: CoreDeps,
  userId: string,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await deps.db
    .update(idempotencyKeys)
    .set({ responseStatus: response.status, responseBody: response.body, responseHeaders: response.headers })
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
}

/** Frees the key (the request failed on our side, 5xx): a retry with the same key runs afresh. */
export async function releaseIdempotencyKey(deps: CoreDeps, userId: string, key: string): Promise<void> {
  await deps.db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.userId, userId),
        eq(idempotencyKeys.key, key),
        sql`${idempotencyKeys.responseStatus} is null`,
      ),
    );
}
