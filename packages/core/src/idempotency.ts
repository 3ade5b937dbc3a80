import { randomUUID } from 'node:crypto';
import { idempotencyKeys, type Sql } from '@slipway/db';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { CoreDeps } from './deps.ts';

// Stripe-style Idempotency-Key bookkeeping for the API. A key belongs to one user; the first request
// inserts a row with a null response (a claim), later requests with the same key either replay the
// stored response, wait-and-retry (409) while the first is still running, or are refused (422) when
// their body differs. Keys live 24 hours. A claim whose request died (process killed, connection
// lost before the response was stored) is not held for the whole day: after the lock timeout the
// next retry with the same request takes the key over, as Stripe does. Every claim carries a fresh
// lock token and only its holder can store or release a response, so a request that outlived its
// lock cannot overwrite what the retry stored.

export const IDEMPOTENCY_TTL_HOURS = 24;
/** How long a claim is held for a request that has not answered; longer than any request runs. */
export const IDEMPOTENCY_LOCK_TIMEOUT_S = 120;

export type StoredResponse = { status: number; body: string; headers: Record<string, string> };

/**
 * The postgres.js client under `deps.db`, for the statements of every keyed write: fixed texts run
 * as prepared statements (no query building per request). Undefined for another kind of db.
 */
function rawClient(deps: CoreDeps): Sql | undefined {
  const client = (deps.db as { $client?: Sql }).$client;
  return typeof client?.unsafe === 'function' ? client : undefined;
}

// The fresh-key claim, as drizzle's insert below writes it (the other columns take their defaults).
const CLAIM = `insert into idempotency_keys (user_id, key, request_hash, lock_token, expires_at)
  values ($1::uuid, $2::text, $3::text, $4::uuid, now() + make_interval(hours => $5::int))
  on conflict do nothing
  returning key`;

// completeIdempotencyKeyAndAudit's statement: the audit row's status and the stored response.
const COMPLETE_AND_AUDIT = `with audited as (
    update audit_log set status_code = $1::int, resource_id = coalesce($2::text, resource_id)
     where id = $3::bigint
    returning 1
  ), stored as (
    update idempotency_keys
       set response_status = $4::int, response_body = $5::text, response_headers = $6::jsonb
     where user_id = $7::uuid and key = $8::text and lock_token = $9::uuid and response_status is null
    returning 1
  )
  select (select count(*) from stored)::int as stored, (select count(*) from audited)::int as audited`;

export type IdempotencyClaim =
  | { state: 'new'; lockToken: string }
  | { state: 'replay'; response: StoredResponse }
  | { state: 'in_progress' }
  | { state: 'mismatch' };

/** Claims `key` for this request, or reports what an earlier request with the same key left. */
export async function claimIdempotencyKey(
  deps: CoreDeps,
  userId: string,
  key: string,
  requestHash: string,
  opts: { lockTimeoutS?: number } = {},
): Promise<IdempotencyClaim> {
  const lockTimeoutS = opts.lockTimeoutS ?? IDEMPOTENCY_LOCK_TIMEOUT_S;
  const lockToken = randomUUID();
  const client = rawClient(deps);
  const insertWithDrizzle = () =>
    deps.db
      .insert(idempotencyKeys)
      .values({
        userId,
        key,
        requestHash,
        lockToken,
        expiresAt: sql`now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})` as unknown as Date,
      })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
  const insert = async () =>
    client
      ? await client.unsafe(CLAIM, [userId, key, requestHash, lockToken, IDEMPOTENCY_TTL_HOURS], {
          prepare: true,
        })
      : await insertWithDrizzle();
  // A fresh key (the usual case) is one statement. Only when the key exists is it checked for
  // expiry: an expired key is free again, so it is dropped and the claim tried once more.
  if ((await insert()).length > 0) return { state: 'new', lockToken };
  const expired = await deps.db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.userId, userId),
        eq(idempotencyKeys.key, key),
        lt(idempotencyKeys.expiresAt, sql`now()`),
      ),
    )
    .returning({ key: idempotencyKeys.key });
  if (expired.length > 0 && (await insert()).length > 0) return { state: 'new', lockToken };
  const [row] = await deps.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  // Released between our insert and this read: the caller may simply retry.
  if (!row) return { state: 'in_progress' };
  if (row.requestHash !== requestHash) return { state: 'mismatch' };
  if (row.responseStatus === null || row.responseBody === null) {
    // Still unanswered: take it over if its lock timed out (compare-and-set: one retry wins).
    const taken = await deps.db
      .update(idempotencyKeys)
      .set({ lockToken, lockedAt: sql`now()` })
      .where(
        and(
          eq(idempotencyKeys.userId, userId),
          eq(idempotencyKeys.key, key),
          isNull(idempotencyKeys.responseStatus),
          lt(idempotencyKeys.lockedAt, sql`now() - make_interval(secs => ${lockTimeoutS})`),
        ),
      )
      .returning({ key: idempotencyKeys.key });
    return taken.length > 0 ? { state: 'new', lockToken } : { state: 'in_progress' };
  }
  return {
    state: 'replay',
    response: { status: row.responseStatus, body: row.responseBody, headers: row.responseHeaders ?? {} },
  };
}

const held = (userId: string, key: string, lockToken: string | undefined) =>
  and(
    eq(idempotencyKeys.userId, userId),
    eq(idempotencyKeys.key, key),
    lockToken === undefined ? undefined : eq(idempotencyKeys.lockToken, lockToken),
  );

/**
 * Stores the first response so later requests with the same key replay it. With `lockToken`, only
 * while this request still holds the claim (false when a retry took it over).
 */
export async function completeIdempotencyKey(
  deps: CoreDeps,
  userId: string,
  key: string,
  response: StoredResponse,
  lockToken?: string,
): Promise<boolean> {
  const done = await deps.db
    .update(idempotencyKeys)
    .set({ responseStatus: response.status, responseBody: response.body, responseHeaders: response.headers })
    .where(and(held(userId, key, lockToken), isNull(idempotencyKeys.responseStatus)))
    .returning({ key: idempotencyKeys.key });
  return done.length > 0;
}

/**
 * `completeIdempotencyKey` and the audited request's final status (finishAudit's UPDATE of the row
 * its transaction wrote) in one statement, so a keyed write costs one commit after its verb, not two.
 * `audited` is false when no such row exists (its transaction rolled back): the caller then leaves
 * the audit row to finishAudit.
 */
export async function completeIdempotencyKeyAndAudit(
  deps: CoreDeps,
  userId: string,
  key: string,
  response: StoredResponse,
  lockToken: string,
  audit: { rowId: number; statusCode: number; resourceId?: string | null | undefined },
): Promise<{ stored: boolean; audited: boolean }> {
  const rid = audit.resourceId ? audit.resourceId.slice(0, 200) : null;
  const client = rawClient(deps);
  type Done = { stored: number; audited: number };
  const params: (string | number | null)[] = [
    audit.statusCode,
    rid,
    audit.rowId,
    response.status,
    response.body,
    JSON.stringify(response.headers),
    userId,
    key,
    lockToken,
  ];
  // Not on postgres.js: the response alone; finishAudit then writes the audit status itself.
  if (!client)
    return { stored: await completeIdempotencyKey(deps, userId, key, response, lockToken), audited: false };
  const rows = await client.unsafe<Done[]>(COMPLETE_AND_AUDIT, params, { prepare: true });
  const r = rows[0];
  return { stored: (r?.stored ?? 0) > 0, audited: (r?.audited ?? 0) > 0 };
}

/** Frees the key (the request failed on our side, 5xx): a retry with the same key runs afresh. */
export async function releaseIdempotencyKey(
  deps: CoreDeps,
  userId: string,
  key: string,
  lockToken?: string,
): Promise<void> {
  await deps.db
    .delete(idempotencyKeys)
    .where(and(held(userId, key, lockToken), isNull(idempotencyKeys.responseStatus)));
}
