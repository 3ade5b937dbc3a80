import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoreDeps, silentLogger } from '../deps.ts';
import { createImage, loadImageForWorker } from '../images.ts';
import {
  type ClaimOptions,
  type ClaimOutcome,
  claimGroupStats,
  claimOperation,
  LOST_EVENT,
  settleGroupStats,
} from './lease.ts';
import { appendEvent, insertOperation } from './record.ts';

let t: TestDatabase;
let deps: CoreDeps;

beforeAll(async () => {
  t = await createTestDatabase();
  deps = {
    db: t.db,
    driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
    log: silentLogger,
  };
});
afterAll(() => t?.drop());

/** An image (and its build operation) of a fresh operator. */
async function newImage(input: Parameters<typeof createImage>[2]) {
  const u = await insertUser(t.db, 'operator');
  return createImage(deps, { id: u.id, role: 'operator' }, input);
}

/** Claims `operationId`; anything but `claimed` fails the test. */
async function claim(operationId: string, opts: Partial<ClaimOptions> = {}) {
  const c = await claimOperation(t.db, operationId, { leaseMs: 30_000, workerId: 'w', ...opts });
  if (c.outcome !== 'claimed') throw new Error(`not claimed: ${c.outcome}`);
  return c.lease;
}

describe('claimOperation readResource', () => {
  it('reads the resource row in the claim’s transaction, as drizzle reads it', async () => {
    const { image, operation } = await newImage({
      name: 'app',
      tag: 'v1',
      repository: 'r.local/acme',
      buildArgs: { A: '1' },
    });
    const lease = await claim(operation.id, { readResource: 'container_image' });
    expect(lease.resource).toEqual(await loadImageForWorker(deps, image.id));
    expect(lease.resource).toMatchObject({ id: image.id, buildArgs: { A: '1' } });
    expect(lease.resource?.createdAt).toBeInstanceOf(Date);

    // Not asked for: not read. Another table's type than the operation's: not taken for its row.
    const other = await newImage({ name: 'b', tag: 'v1', repository: 'r.local/acme' });
    expect((await claim(other.operation.id)).resource).toBeUndefined();
    const third = await newImage({ name: 'c', tag: 'v1', repository: 'r.local/acme' });
    expect((await claim(third.operation.id, { readResource: 'helm_chart' })).resource).toBeUndefined();
  });

  it('a deleted resource row is still read (regardless of deletion, like loadImageForWorker)', async () => {
    const { image, operation } = await newImage({ name: 'gone', tag: 'v1', repository: 'r.local/acme' });
    await t.sql`update container_images set deleted_at = now() where id = ${image.id}`;
    const lease = await claim(operation.id, { readResource: 'container_image' });
    expect(lease.resource?.deletedAt).toBeInstanceOf(Date);
  });
});

describe('claims made together (group commit)', () => {
  const claimIn = (operationId: string, opts: Partial<ClaimOptions> = {}) =>
    claimOperation(t.db, operationId, { leaseMs: 30_000, workerId: 'w', takeOver: false, ...opts });
  const outcome = (c: ClaimOutcome) => c.outcome;

  it('go out as one transaction, each with its own token, event and outcome', async () => {
    const images = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        newImage({ name: `g${i}`, tag: 'v1', repository: 'r.local/acme' }),
      ),
    );
    const ids = images.map((x) => x.operation.id);
    // A second operation on the first image (queued after its build): it waits behind the build.
    const [first] = images;
    if (!first) throw new Error('no image');
    const behind = await insertOperation(t.db, {
      ownerId: first.operation.ownerId,
      kind: 'image.build',
      resourceType: 'container_image',
      resourceId: first.image.id,
    });
    const done = await newImage({ name: 'done', tag: 'v1', repository: 'r.local/acme' });
    await t.sql`update operations set status = 'succeeded' where id = ${done.operation.id}`;
    const lost = await newImage({ name: 'lost', tag: 'v1', repository: 'r.local/acme' });
    await t.sql`update operations set attempts = 1 where id = ${lost.operation.id}`;
    await appendEvent(t.db, lost.operation.id, 'queued', `${LOST_EVENT}; re-driven by the reconciler`);
    // Lost before, claimed alone: claimed. Running with an expired lease, taken over: claimed.
    const alone = await newImage({ name: 'alone', tag: 'v1', repository: 'r.local/acme' });
    await t.sql`update operations set attempts = 1 where id = ${alone.operation.id}`;
    await appendEvent(t.db, alone.operation.id, 'queued', `${LOST_EVENT}; re-driven by the reconciler`);
    const expired = await newImage({ name: 'expired', tag: 'v1', repository: 'r.local/acme' });
    await t.sql`update operations set status = 'running', attempts = 1, lease_token = gen_random_uuid(),
      lease_expires_at = now() - interval '1 minute' where id = ${expired.operation.id}`;
    const before = claimGroupStats(t.db).reduce((n, s) => n + s.batched, 0);

    // All requested in one turn: the first goes out alone, the others queue behind it and go together.
    const [warm, ...rest] = ids;
    const results = await Promise.all([
      claimIn(warm ?? '', { readResource: 'container_image' }),
      ...rest.map((id) => claimIn(id, { readResource: 'container_image' })),
      claimIn(rest[0] ?? '', { readResource: 'container_image' }), // the same operation twice
      claimIn(behind.id, { readResource: 'container_image' }),
      claimIn(crypto.randomUUID(), { readResource: 'container_image' }),
      claimIn(done.operation.id, { readResource: 'container_image' }),
      claimIn(lost.operation.id, { readResource: 'container_image', alone: false }),
      claimIn(alone.operation.id, { readResource: 'container_image', alone: true }),
      claimIn(expired.operation.id, { readResource: 'container_image', takeOver: true }),
    ]);
    const after = claimGroupStats(t.db).reduce((n, s) => n + s.batched, 0);
    expect(after - before).toBeGreaterThanOrEqual(ids.length - 1);

    const claims = results.slice(0, ids.length);
    expect(claims.map(outcome)).toEqual(ids.map(() => 'claimed'));
    const [twice, waiting, missing, terminal, isolate, claimedAlone, takenOver] = results.slice(ids.length);
    expect(claimedAlone?.outcome).toBe('claimed');
    expect(takenOver?.outcome).toBe('claimed');
    expect(twice?.outcome).toBe('held');
    expect(waiting).toEqual({ outcome: 'wait', blockedBy: first.operation.id });
    expect(missing?.outcome).toBe('missing');
    expect(terminal).toEqual({ outcome: 'terminal', status: 'succeeded' });
    expect(isolate?.outcome).toBe('isolate');

    const rows = await t.sql<{ id: string; lease_token: string; attempts: number; tx: string }[]>`
      select id, lease_token, attempts, xmin::text as tx from operations where id = any(${ids}::uuid[])`;
    // Each its own token, as its lease holds it; one attempt each.
    const tokens = new Map(
      claims.map((c) => (c.outcome === 'claimed' ? [c.lease.op.id, c.lease.token] : ['', ''])),
    );
    for (const r of rows) {
      expect(r.lease_token).toBe(tokens.get(r.id));
      expect(r.attempts).toBe(1);
    }
    expect(new Set(tokens.values()).size).toBe(ids.length);
    // The claims after the first were written by one transaction (claimed one by one: one each).
    expect(new Set(rows.filter((r) => r.id !== warm).map((r) => r.tx)).size).toBe(1);
    // One `running` event per claim; the image row read with each claim is its own.
    const events = await t.sql<{ operation_id: string; n: number }[]>`
      select operation_id, count(*)::int as n from operation_events
      where operation_id = any(${ids}::uuid[]) and status = 'running' group by operation_id`;
    expect(events.map((e) => e.n)).toEqual(ids.map(() => 1));
    for (const [i, c] of claims.entries()) {
      if (c.outcome !== 'claimed') continue;
      expect(c.lease.resource?.id).toBe(images[i]?.image.id);
    }
    // Nothing was written for the ones not claimed.
    const [untouched] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from operations
      where id = any(${[behind.id, lost.operation.id]}::uuid[]) and status = 'queued' and lease_token is null`;
    expect(untouched?.n).toBe(2);
  });

  it('a batch that fails as a whole is run again claim by claim: one claim’s error is not the others’', async () => {
    const images = await Promise.all(
      Array.from({ length: 4 }, (_, i) => newImage({ name: `f${i}`, tag: 'v1', repository: 'r.local/acme' })),
    );
    const fallbacks = () => claimGroupStats(t.db).reduce((n, s) => n + s.fallbacks, 0);
    const before = fallbacks();
    const [warm, ...rest] = images.map((x) => x.operation.id);
    const results = await Promise.allSettled([
      claimIn(warm ?? ''),
      claimIn('not-a-uuid'),
      ...rest.map((id) => claimIn(id)),
    ]);
    expect(fallbacks()).toBe(before + 1);
    expect(results[1]?.status).toBe('rejected');
    const others = [results[0], ...results.slice(2)];
    expect(others.map((r) => (r?.status === 'fulfilled' ? r.value.outcome : r?.status))).toEqual(
      images.map(() => 'claimed'),
    );
  });
});

describe('settlements made together (group commit)', () => {
  it('go out as one transaction, each fenced by its own token, with its own outcome and next in line', async () => {
    const images = await Promise.all(
      Array.from({ length: 8 }, (_, i) => newImage({ name: `s${i}`, tag: 'v1', repository: 'r.local/acme' })),
    );
    const leases = [];
    for (const x of images) leases.push(await claim(x.operation.id, { readResource: 'container_image' }));
    const [first, stolen, conflicting, ...rest] = leases;
    if (!first || !stolen || !conflicting) throw new Error('no leases');
    // One queued behind the first (its next in line); one taken from its lease (fenced); one whose
    // resource cannot move to built (deleted): a conflict, its operation stays running.
    const behind = await insertOperation(t.db, {
      ownerId: first.op.ownerId,
      kind: 'image.build',
      resourceType: 'container_image',
      resourceId: first.op.resourceId,
    });
    await t.sql`update operations set lease_token = gen_random_uuid() where id = ${stolen.op.id}`;
    await t.sql`update container_images set deleted_at = now() where id = ${conflicting.op.resourceId}`;
    const stats = () => settleGroupStats(t.db);
    const before = { ...stats() };
    const shapedBefore = settleGroupStats(t.db, true).batched;
    for (const l of leases) l.log(`log of ${l.op.id}`);
    const results = await Promise.allSettled(
      leases.map((l) =>
        l.succeed({
          resourceStatus: 'built',
          resourceSet: { size: 1, digest: `d-${l.op.id}`, imageId: `i-${l.op.id}`, error: null },
          result: { of: l.op.id },
          message: `built ${l.op.id}`,
        }),
      ),
    );
    expect(stats().batched - before.batched).toBe(leases.length - 1);
    // Same shape (succeed, built, the same columns): the batch was one statement for all.
    expect(settleGroupStats(t.db, true).batched - shapedBefore).toBe(leases.length - 1);
    expect(stats().fallbacks).toBe(before.fallbacks);
    expect(results.map((r) => r.status)).toEqual(
      leases.map((_, i) => (i === 1 || i === 2 ? 'rejected' : 'fulfilled')),
    );
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'fenced' });
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    expect(first.next).toEqual({ id: behind.id, kind: 'image.build' });
    for (const l of rest) expect(l.next).toBeNull();

    const ok = [first, ...rest];
    const rows = await t.sql<{ id: string; status: string; result: { of: string }; tx: string }[]>`
      select id, status, result, xmin::text as tx from operations where id = any(${ok.map((l) => l.op.id)}::uuid[])`;
    expect(rows.map((r) => [r.status, r.result.of === r.id])).toEqual(ok.map(() => ['succeeded', true]));
    // All but the first (sent alone) were settled by one transaction.
    expect(new Set(rows.filter((r) => r.id !== first.op.id).map((r) => r.tx)).size).toBe(1);
    const imgs = await t.sql<{ id: string; status: string; digest: string }[]>`
      select id, status, digest from container_images where id = any(${ok.map((l) => l.op.resourceId)}::uuid[])`;
    for (const l of ok)
      expect(imgs.find((i) => i.id === l.op.resourceId)).toMatchObject({
        status: 'built',
        digest: `d-${l.op.id}`,
      });
    // Each operation's own events: its buffered log line, then its `succeeded`; none for the fenced
    // and conflicting ones, which keep their line buffered for their next write.
    const events = await t.sql<{ operation_id: string; status: string; message: string }[]>`
      select operation_id, status, message from operation_events
      where operation_id = any(${leases.map((l) => l.op.id)}::uuid[]) and status <> 'queued' order by id`;
    for (const l of leases) {
      const own = events.filter((e) => e.operation_id === l.op.id).map((e) => e.message);
      const expected = l === stolen || l === conflicting ? [] : [`log of ${l.op.id}`, `built ${l.op.id}`];
      expect(own.slice(1)).toEqual(expected);
    }
    const [still] = await t.sql<
      { status: string }[]
    >`select status from operations where id = ${conflicting.op.id}`;
    expect(still?.status).toBe('running');
  });
});

describe('failures and hand-backs made together', () => {
  it('fail: each its own reason, its resource failed unless gone; release: each queued again, first in line', async () => {
    const images = await Promise.all(
      Array.from({ length: 5 }, (_, i) => newImage({ name: `x${i}`, tag: 'v1', repository: 'r.local/acme' })),
    );
    const leases = [];
    for (const x of images) leases.push(await claim(x.operation.id));
    const gone = leases[2]; // not the first: that one goes out alone
    if (!gone) throw new Error('no lease');
    await t.sql`update container_images set deleted_at = now() where id = ${gone.op.resourceId}`;
    const before = settleGroupStats(t.db, true).batched;
    await Promise.all(leases.map((l) => l.fail(`broken ${l.op.id}`)));
    expect(settleGroupStats(t.db, true).batched - before).toBe(leases.length - 1);
    const ops = await t.sql<{ id: string; status: string; error: string; lease_token: string | null }[]>`
      select id, status, error, lease_token from operations where id = any(${leases.map((l) => l.op.id)}::uuid[])`;
    for (const o of ops)
      expect(o).toMatchObject({ status: 'failed', error: `broken ${o.id}`, lease_token: null });
    const imgs = await t.sql<{ id: string; status: string; error: string }[]>`
      select id, status, error from container_images where id = any(${leases.map((l) => l.op.resourceId)}::uuid[])`;
    for (const l of leases) {
      const img = imgs.find((i) => i.id === l.op.resourceId);
      // The deleted one keeps its state (not required); the others take the failure status and reason.
      if (l === gone) expect(img?.status).not.toBe('failed');
      else expect(img).toMatchObject({ status: 'failed', error: `broken ${l.op.id}` });
    }
    for (const l of leases) expect(l.failedWith).toBe(`broken ${l.op.id}`);

    const more = await Promise.all(
      Array.from({ length: 4 }, (_, i) => newImage({ name: `y${i}`, tag: 'v1', repository: 'r.local/acme' })),
    );
    const held = [];
    for (const x of more) held.push(await claim(x.operation.id));
    const shaped = settleGroupStats(t.db, true).batched;
    await Promise.all(held.map((l) => l.release(`back ${l.op.id}`)));
    expect(settleGroupStats(t.db, true).batched - shaped).toBe(held.length - 1);
    for (const l of held) expect(l.next).toEqual({ id: l.op.id, kind: 'image.build' });
    const back = await t.sql<{ id: string; status: string; lease_token: string | null; message: string }[]>`
      select o.id, o.status, o.lease_token, e.message from operations o
      join lateral (select message from operation_events where operation_id = o.id order by id desc limit 1) e on true
      where o.id = any(${held.map((l) => l.op.id)}::uuid[])`;
    for (const o of back)
      expect(o).toMatchObject({ status: 'queued', lease_token: null, message: `back ${o.id}` });
  });
});
