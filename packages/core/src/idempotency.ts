import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { idempotencyKeys, type Sql } from '@slipway/db';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { CoreDeps } from './deps.ts';
import { DomainError } from './errors.ts';
import { TurnBatcher } from './operations/group.ts';

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

/**
 * The answer to a request whose key is taken, as the API gives it: the 422 of a key reused with
 * another request, the 409 of one still being processed, or the stored response replayed.
 */
export function idempotencyAnswer(claim: Exclude<IdempotencyClaim, { state: 'new' }>): Error {
  if (claim.state === 'mismatch')
    return new DomainError(
      'idempotency_mismatch',
      'Idempotency-Key was already used with a different request',
      {
        details: { field: 'Idempotency-Key', issue: 'reused with a different method, path or body' },
      },
    );
  if (claim.state === 'in_progress')
    return new DomainError('conflict', 'A request with this Idempotency-Key is still being processed');
  return new IdempotentReplay(claim.response);
}

/** Thrown (by `idempotencyAnswer`) for a key that already has its response: the API replays it. */
export class IdempotentReplay extends Error {
  readonly response: StoredResponse;
  constructor(response: StoredResponse) {
    super('Idempotency-Key replay');
    this.response = response;
  }
}

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
  return completeInBatch(client, params);
}

// completeIdempotencyKeyAndAudit's of one event-loop turn as one statement (one commit, one write to
// the socket): under load the keyed writes whose verbs finished together store their responses
// together. Each row is matched by its own key and lock token, so a batch never touches another
// request's rows; each caller still gets its own answer, before its response goes out.
const COMPLETE_BATCH = `with v as (
    select * from unnest($1::int[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::text[], $7::uuid[],
                         $8::text[], $9::uuid[], $10::int[])
      as v(audit_status, audit_rid, audit_id, status, body, headers, user_id, key, lock_token, i)
  ), audited as (
    update audit_log a set status_code = v.audit_status, resource_id = coalesce(v.audit_rid, a.resource_id)
      from v where a.id = v.audit_id
    returning v.i
  ), stored as (
    update idempotency_keys k
       set response_status = v.status, response_body = v.body, response_headers = v.headers::jsonb
      from v
     where k.user_id = v.user_id and k.key = v.key and k.lock_token = v.lock_token and k.response_status is null
    returning v.i
  )
  select v.i, exists (select 1 from stored s where s.i = v.i) as stored,
         exists (select 1 from audited a where a.i = v.i) as audited
    from v`;

type Completed = { stored: boolean; audited: boolean };

/** The stored responses of one event-loop turn, per pool, as one statement (TurnBatcher). */
const completions = new TurnBatcher<Sql, (string | number | null)[], Completed>({
  name: 'idempotency.complete',
  async one(client, params) {
    type Done = { stored: number; audited: number };
    const rows = await client.unsafe<Done[]>(COMPLETE_AND_AUDIT, params, { prepare: true });
    const r = rows[0];
    return { stored: (r?.stored ?? 0) > 0, audited: (r?.audited ?? 0) > 0 };
  },
  async many(client, batch) {
    const cols: (string | number | null)[][] = Array.from({ length: 10 }, () => []);
    batch.forEach((params, i) => {
      for (let c = 0; c < 9; c++) cols[c]?.push(params[c] ?? null);
      cols[9]?.push(i);
    });
    const rows = await client.unsafe<{ i: number; stored: boolean; audited: boolean }[]>(
      COMPLETE_BATCH,
      cols as never[],
      { prepare: true },
    );
    const byIndex = new Map(rows.map((r) => [Number(r.i), r]));
    return batch.map((_, i) => {
      const r = byIndex.get(i);
      return { stored: r?.stored === true, audited: r?.audited === true };
    });
  },
});

function completeInBatch(client: Sql, params: (string | number | null)[]): Promise<Completed> {
  return completions.submit(client, params);
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

// ---------------------------------------------------------------------------------------------
// Keyed writes whose verb claims the key in its own statement (issue 10: one commit fewer per
// keyed create). The API puts the request's key in scope (withKeyedWrite) for the routes whose verb
// does this; the verb's statement then inserts the claim together with its rows, so the claim
// commits exactly when the change does. While such a statement runs, its claim row is not visible
// to others yet, so it holds two transaction-scoped advisory locks: one on (user, key) and one on
// (user, key, request hash). Another request with the key that cannot take the first is answered
// without waiting: a 409 when the second is held too (the same request is being processed), a 422
// when it is free (another request holds the key) — what it would have read from a committed claim.

/** The request's key, for a verb that claims it in its own statement. */
export type KeyedWrite = {
  userId: string;
  key: string;
  requestHash: string;
  /** The claim's lock token (a takeover replaces it). */
  lockToken: string;
  /** The key is held by this request (its claim committed). */
  claimed: boolean;
  /** The verb found the key taken and threw its answer (idempotencyAnswer). */
  answered: boolean;
};

const keyedWrites = new AsyncLocalStorage<KeyedWrite>();

export function withKeyedWrite<T>(w: KeyedWrite, fn: () => Promise<T>): Promise<T> {
  return keyedWrites.run(w, fn);
}

/** Whether verbs can claim keys in their statements on this db (a postgres.js-backed one). */
export function keyedWritesSupported(deps: CoreDeps): boolean {
  return rawClient(deps) !== undefined;
}

/** The request's key when it is still to be claimed by the verb's statement; else undefined. */
export function pendingKeyedWrite(): KeyedWrite | undefined {
  const w = keyedWrites.getStore();
  return w && !w.claimed && !w.answered ? w : undefined;
}

const keyLock = (u: string, k: string) =>
  `pg_try_advisory_xact_lock(hashtextextended('slipway:idempotency:' || ${u}::uuid::text || ':' || ${k}::text, 0))`;
const requestLock = (u: string, k: string, h: string) =>
  `pg_try_advisory_xact_lock(hashtextextended('slipway:idempotency:' || ${u}::uuid::text || ':' || ${k}::text || ':' || ${h}::text, 0))`;

/**
 * The CTEs `key_lock` (held: this statement has the key's lock) and `claim` (one row when the key
 * was claimed: free and not being written by another statement), for a verb's statement whose
 * inserts select from `claim`. Parameters $first..$first+3: user id, key, request hash, lock token.
 */
export function keyClaimCtes(
  first: number,
  withResponse?: { status: string; body: string; headers: string },
): string {
  const [u, k, h, t] = [0, 1, 2, 3].map((i) => `$${first + i}`) as [string, string, string, string];
  const extra = withResponse ? ', response_status, response_body, response_headers' : '';
  const values = withResponse
    ? `, ${withResponse.status}::int, ${withResponse.body}::text, ${withResponse.headers}::jsonb`
    : '';
  return `key_lock as materialized (select ${keyLock(u, k)} as held),
claim as (
  insert into idempotency_keys (user_id, key, request_hash, lock_token, expires_at${extra})
  select ${u}::uuid, ${k}::text, ${h}::text, ${t}::uuid, now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})${values}
    from key_lock where key_lock.held and ${requestLock(u, k, h)}
  on conflict do nothing
  returning key
)`;
}

/** keyClaimCtes' parameters. */
export const keyClaimParams = (w: KeyedWrite): string[] => [w.userId, w.key, w.requestHash, w.lockToken];

// The response of a keyed request whose verb never claimed the key (refused before it: validation,
// a missing cluster), stored with its claim in one statement.
const STORE_UNCLAIMED = `with ${keyClaimCtes(1, { status: '$5', body: '$6', headers: '$7' })}
select (select held from key_lock) as key_locked, (select count(*) from claim)::int as claimed`;

// What a request whose key another statement is writing can see: the committed row, if any, and
// whether the same request holds the key (its request lock taken first, then the key's).
const INSPECT = `with same as materialized (select not ${requestLock('$1', '$2', '$3')} as held),
free as materialized (select ${keyLock('$1', '$2')} as held from same)
select (select held from same) as same_request, (select held from free) as key_free,
       k.request_hash, k.response_status, k.response_body, k.response_headers
  from (select 1) one
  left join idempotency_keys k on k.user_id = $1::uuid and k.key = $2::text and k.expires_at > now()`;

/**
 * The verb's statement did not claim the key. `keyLocked`: it had the key's lock, so a committed
 * row holds the key: decided as claimIdempotencyKey decides (an expired key or an unanswered one
 * past its lock timeout is claimed now: the key is this request's and the caller runs its write
 * without the claim). Otherwise another statement is writing the key. Throws the answer
 * (idempotencyAnswer) when the key is not this request's.
 */
export async function keyedWriteTaken(deps: CoreDeps, w: KeyedWrite, keyLocked: boolean): Promise<void> {
  let claim: IdempotencyClaim;
  if (keyLocked) {
    claim = await claimIdempotencyKey(deps, w.userId, w.key, w.requestHash);
    if (claim.state === 'new') {
      w.lockToken = claim.lockToken;
      w.claimed = true;
      return;
    }
  } else {
    const client = rawClient(deps);
    if (!client) throw new Error('keyed writes need a postgres.js db');
    type Seen = {
      same_request: boolean;
      key_free: boolean;
      request_hash: string | null;
      response_status: number | null;
      response_body: string | null;
      response_headers: Record<string, string> | null;
    };
    const [r] = await client.unsafe<Seen[]>(INSPECT, [w.userId, w.key, w.requestHash], { prepare: true });
    if (r?.request_hash != null) {
      // Committed meanwhile.
      if (r.request_hash !== w.requestHash) claim = { state: 'mismatch' };
      else if (r.response_status === null || r.response_body === null) claim = { state: 'in_progress' };
      else
        claim = {
          state: 'replay',
          response: { status: r.response_status, body: r.response_body, headers: r.response_headers ?? {} },
        };
    } else if (r?.same_request || r?.key_free) {
      // The same request is being written, or the writer has just gone (a retry may simply run).
      claim = { state: 'in_progress' };
    } else claim = { state: 'mismatch' };
  }
  w.answered = true;
  throw idempotencyAnswer(claim);
}

/**
 * Stores the response of a keyed request whose verb never claimed the key, claiming it in the same
 * statement. When the key is taken, throws the answer to give instead (idempotencyAnswer).
 */
export async function storeUnclaimedResponse(
  deps: CoreDeps,
  w: KeyedWrite,
  response: StoredResponse,
): Promise<void> {
  const client = rawClient(deps);
  if (!client) throw new Error('keyed writes need a postgres.js db');
  const [r] = await client.unsafe<{ key_locked: boolean; claimed: number }[]>(
    STORE_UNCLAIMED,
    [...keyClaimParams(w), response.status, response.body, JSON.stringify(response.headers)],
    { prepare: true },
  );
  if ((r?.claimed ?? 0) > 0) {
    w.claimed = true;
    return;
  }
  await keyedWriteTaken(deps, w, Boolean(r?.key_locked));
  await completeIdempotencyKey(deps, w.userId, w.key, response, w.lockToken);
}
