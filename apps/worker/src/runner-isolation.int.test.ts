import { createImage } from '@slipway/core';
import { waitUntil } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

/** With a source the sandbox runs a full build (~3 s at time scale 1, 8 log lines). */
const SRC = { git: 'https://git.example.com/iso/app.git', ref: 'main' };

describe('runner: an operation that was lost with its worker runs alone', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    // Builds of ~0.3 s, four at a time; a re-driven operation waits 0.1-0.2 s.
    h = await startHarness({
      SANDBOX_TIME_SCALE: '0.1',
      REDRIVE_DELAY_MS: '200',
      RECONCILE_INTERVAL_MS: '200',
    });
  });
  afterAll(() => h?.close());

  const build = async (name: string) =>
    (await createImage(h.deps, h.owner, { name, tag: 'v1', repository: 'r', source: SRC })).operation.id;

  it('is claimed once nothing else runs in the worker, and nothing else starts beside it', async () => {
    const ordinary: string[] = [];
    for (let i = 0; i < 12; i++) ordinary.push(await build(`before-${i}`));
    await waitUntil('the worker is busy', async () => {
      const [r] = await h.t.sql`select count(*)::int as n from operations where status = 'running'`;
      return Number(r?.n) >= 2;
    });
    // What a worker that died mid-build leaves: running, attempt 1, its lease expired. The reconciler
    // re-drives it while the worker here is busy.
    const { operation } = await createImage({ ...h.deps, producer: undefined }, h.owner, {
      name: 'survivor',
      tag: 'v1',
      repository: 'r',
      source: SRC,
    });
    await h.t.sql`update operations set status = 'running', attempts = 1, started_at = now(),
      lease_token = gen_random_uuid(), lease_expires_at = now() - interval '1 second' where id = ${operation.id}`;
    // Once its job is delivered (re-driven by the reconciler, then its delay), more builds arrive.
    const q = h.producer.queue('images');
    await waitUntil('the re-driven job delivered', async () => {
      const [r] = await h.t.sql`select count(*)::int as n from operation_events
        where operation_id = ${operation.id} and message like 'lease expired (worker lost)%'`;
      const state = Number(r?.n) > 0 ? await (await q.getJob(operation.id))?.getState() : null;
      return state === 'active' || state === 'completed';
    });
    for (let i = 0; i < 16; i++) ordinary.push(await build(`after-${i}`));

    const lost = await h.settle(operation, 60_000);
    for (const id of ordinary) expect((await h.settle({ id }, 60_000)).status).toBe('succeeded');
    expect(lost.status).toBe('succeeded');
    expect(lost.attempts).toBe(2);

    // Each run's span in Postgres time: the claim's event to the settlement. Compared in Postgres.
    const [spans] = await h.t.sql`
      with run as (
        select o.id, e.at as started, o.finished_at as finished from operations o
        join operation_events e on e.operation_id = o.id and e.message like 'attempt ' || o.attempts || ' started on %'
        where o.status = 'succeeded'
      ), lost as (select * from run where id = ${operation.id})
      select (select count(*) from run)::int as runs,
        count(*) filter (where run.finished < lost.started)::int as before,
        count(*) filter (where run.started > lost.finished)::int as after,
        count(*) filter (where run.finished > lost.started and run.started < lost.finished)::int as beside
      from run, lost where run.id <> lost.id`;
    expect(spans?.runs).toBe(ordinary.length + 1);
    // It ran in the middle of the others (some ended before it, some started after it) ...
    expect(spans?.before).toBeGreaterThan(0);
    expect(spans?.after).toBeGreaterThan(0);
    // ... and none of them beside it.
    expect(spans?.beside).toBe(0);
  });
});
