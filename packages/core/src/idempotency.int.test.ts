import type { Sql } from '@slipway/db';
import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from './deps.ts';
import { claimIdempotencyKey, completeIdempotencyKeyAndAudit } from './idempotency.ts';

// The stored responses of keyed writes that finish in the same event-loop turn go to Postgres as one
// statement; each request still gets its own answer and only its own rows change.
let t: TestDatabase;
let userId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  userId = (await insertUser(t.db)).id;
});
afterAll(async () => {
  await t?.drop();
});

/** The real pool, its statements counted on their way through (a pass-through spy, not a double). */
function counted(sql: Sql) {
  const seen: string[] = [];
  const client = new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop !== 'unsafe') return Reflect.get(target, prop, receiver);
      return (query: string, ...rest: unknown[]) => {
        seen.push(query);
        return (target.unsafe as (...a: unknown[]) => unknown)(query, ...rest);
      };
    },
  });
  return { deps: { db: { $client: client } } as unknown as CoreDeps, seen };
}

async function claimed(n: number) {
  const deps = { db: t.db } as unknown as CoreDeps;
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const key = `batch-${crypto.randomUUID()}`;
      const claim = await claimIdempotencyKey(deps, userId, key, `hash-${i}`);
      if (claim.state !== 'new') throw new Error('not claimed');
      const [row] = await t.sql<{ id: string }[]>`
        insert into audit_log (user_id, action, method, path, status_code)
        values (${userId}, 'POST /api/container-images', 'POST', '/api/container-images', null) returning id`;
      return { key, lockToken: claim.lockToken, auditId: Number(row?.id) };
    }),
  );
}

describe('completeIdempotencyKeyAndAudit', () => {
  it('the completions of one turn are one statement; each stores only its own response and audit status', async () => {
    const reqs = await claimed(8);
    const { deps, seen } = counted(t.sql);
    const results = await Promise.all(
      reqs.map((r, i) =>
        completeIdempotencyKeyAndAudit(
          deps,
          userId,
          r.key,
          { status: 201, body: `{"n":${i}}`, headers: { Location: `/api/x/${i}` } },
          // The last one no longer holds its key (a retry took it over): its response is not stored.
          i === 7 ? crypto.randomUUID() : r.lockToken,
          { rowId: r.auditId, statusCode: 201, resourceId: `res-${i}` },
        ),
      ),
    );
    expect(seen).toHaveLength(1);
    expect(results.slice(0, 7)).toEqual(Array.from({ length: 7 }, () => ({ stored: true, audited: true })));
    expect(results[7]).toEqual({ stored: false, audited: true });
    const keys = await t.sql<{ key: string; response_status: number | null; response_body: string | null }[]>`
      select key, response_status, response_body, response_headers from idempotency_keys
       where key = any(${reqs.map((r) => r.key)}::text[])`;
    for (const [i, r] of reqs.entries()) {
      const row = keys.find((k) => k.key === r.key);
      if (i === 7) expect(row).toMatchObject({ response_status: null, response_body: null });
      else
        expect(row).toMatchObject({
          response_status: 201,
          response_body: `{"n":${i}}`,
          response_headers: { Location: `/api/x/${i}` },
        });
    }
    const audits = await t.sql<{ id: string; status_code: number; resource_id: string }[]>`
      select id, status_code, resource_id from audit_log where id = any(${reqs.map((r) => r.auditId)}::bigint[])`;
    for (const [i, r] of reqs.entries())
      expect(audits.find((a) => Number(a.id) === r.auditId)).toMatchObject({
        status_code: 201,
        resource_id: `res-${i}`,
      });
  });

  it('a value that fails the batch statement fails only its own request', async () => {
    const reqs = await claimed(3);
    const { deps, seen } = counted(t.sql);
    const results = await Promise.allSettled(
      reqs.map((r, i) =>
        completeIdempotencyKeyAndAudit(
          deps,
          userId,
          r.key,
          // A NUL character: Postgres text cannot hold it.
          { status: 201, body: i === 1 ? 'bad\u0000' : `{"n":${i}}`, headers: {} },
          r.lockToken,
          { rowId: r.auditId, statusCode: 201 },
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(seen).toHaveLength(4); // the batch, then each on its own
    const stored = await t.sql<{ key: string }[]>`
      select key from idempotency_keys where key = any(${reqs.map((r) => r.key)}::text[]) and response_status = 201`;
    expect(stored.map((s) => s.key).sort()).toEqual([reqs[0]?.key, reqs[2]?.key].sort());
  });
});
