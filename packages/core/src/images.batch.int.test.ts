import type { Sql } from '@slipway/db';
import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditScope, currentAuditScope, withAuditScope } from './audit.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { DomainError } from './errors.ts';
import { type KeyedWrite, withKeyedWrite } from './idempotency.ts';
import { createImage } from './images.ts';

// The API's keyed creates that reach createImage in the same event-loop turn are one statement;
// each still gets exactly its own image, operation, event, audit row and key claim.
let t: TestDatabase;
let actor: Actor;
let seen: string[];
let deps: CoreDeps;
beforeAll(async () => {
  t = await createTestDatabase();
  const u = await insertUser(t.db);
  actor = { id: u.id, role: u.role };
  seen = [];
  // The real pool, its statements counted on their way through (a pass-through spy, not a double).
  const client = new Proxy(t.sql, {
    get(target, prop, receiver) {
      if (prop !== 'unsafe') return Reflect.get(target, prop, receiver);
      return (query: string, ...rest: unknown[]) => {
        seen.push(query);
        return (target.unsafe as (...a: unknown[]) => unknown)(query, ...rest);
      };
    },
  }) as Sql;
  deps = {
    db: Object.assign(Object.create(t.db), { $client: client }),
    driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
  };
});
afterAll(() => t?.drop());

/** createImage as the API calls it for a keyed request: in its audit scope and with its key. */
function keyedCreate(name: string, key: string, hash = `hash-${name}`) {
  const scope: AuditScope = {
    userId: actor.id,
    action: 'POST /api/container-images',
    method: 'POST',
    path: '/api/container-images',
    resourceId: null,
    requestId: `req-${name}`,
  };
  const w: KeyedWrite = {
    userId: actor.id,
    key,
    requestHash: hash,
    lockToken: crypto.randomUUID(),
    claimed: false,
    answered: false,
  };
  return withAuditScope(scope, () =>
    withKeyedWrite(w, async () => {
      const out = await createImage(deps, actor, { name, tag: 'latest', repository: 'docker.io/acme' });
      return { ...out, auditId: currentAuditScope()?.rowId, w };
    }),
  );
}

describe('createImage: keyed creates of one turn', () => {
  it('are one statement, each with its own rows and claim', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `batch-${i}-${crypto.randomUUID().slice(0, 8)}`);
    seen.length = 0;
    const made = await Promise.all(names.map((n) => keyedCreate(n, `key-${n}`)));
    expect(seen.filter((q) => q.includes('insert into container_images'))).toHaveLength(1);
    for (const [i, m] of made.entries()) {
      expect(m.image.name).toBe(names[i]);
      expect(m.operation.resourceId).toBe(m.image.id);
      expect(m.w.claimed).toBe(true);
      const [row] = await t.sql<{ resource_id: string; request_id: string; status_code: number | null }[]>`
        select resource_id, request_id, status_code from audit_log where id = ${m.auditId ?? 0}`;
      expect(row).toEqual({ resource_id: m.image.id, request_id: `req-${names[i]}`, status_code: null });
      const [key] = await t.sql<{ lock_token: string; request_hash: string }[]>`
        select lock_token, request_hash from idempotency_keys where user_id = ${actor.id} and key = ${`key-${names[i]}`}`;
      expect(key).toEqual({ lock_token: m.w.lockToken, request_hash: `hash-${names[i]}` });
      const [ev] = await t.sql<{ n: number }[]>`
        select count(*)::int as n from operation_events where operation_id = ${m.operation.id}`;
      expect(ev?.n).toBe(1);
    }
  });

  it('the same key twice in one turn: one creates, the other is still being processed (409)', async () => {
    const name = `same-${crypto.randomUUID().slice(0, 8)}`;
    const key = `key-${name}`;
    const [a, b] = await Promise.allSettled([keyedCreate(name, key), keyedCreate(name, key)]);
    const results = [a, b].map((r) => r.status);
    expect(results.sort()).toEqual(['fulfilled', 'rejected']);
    const failed = [a, b].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(DomainError);
    expect(failed.reason).toMatchObject({ code: 'conflict' });
    const [n] = await t.sql<
      { n: number }[]
    >`select count(*)::int as n from container_images where name = ${name}`;
    expect(n?.n).toBe(1);
  });

  it('a duplicate name + tag in the same turn: one image, the other request answered 409 with its id, its key claimed', async () => {
    const name = `dup-${crypto.randomUUID().slice(0, 8)}`;
    const settled = await Promise.allSettled([
      keyedCreate(name, `k1-${name}`),
      keyedCreate(name, `k2-${name}`),
    ]);
    const ok = settled.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<
      Awaited<ReturnType<typeof keyedCreate>>
    >;
    const failed = settled.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: 'conflict', id: ok.value.image.id });
    const [k] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from idempotency_keys where key in (${`k1-${name}`}, ${`k2-${name}`})`;
    expect(k?.n).toBe(2);
  });

  it('a request whose values fail the batch statement fails alone', async () => {
    const good = `ok-${crypto.randomUUID().slice(0, 8)}`;
    seen.length = 0;
    const settled = await Promise.allSettled([
      keyedCreate(good, `key-${good}`),
      // A NUL character: Postgres text cannot hold it.
      keyedCreate(`bad\u0000${good}`, `key-bad-${good}`),
    ]);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(seen.filter((q) => q.includes('insert into container_images'))).toHaveLength(3);
  });
});
