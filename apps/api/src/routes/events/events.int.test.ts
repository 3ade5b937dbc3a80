import { type CoreDeps, claimOperation, type Lease } from '@slipway/core';
import { createDb, type DbHandle } from '@slipway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../app.ts';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';
import { listen, type OpenStream, openStream, type SseMessage } from './sse-test-client.ts';
import { closeEventStreams, eventStreams, type StreamOptions } from './streams.ts';

// Two API instances (each with its own Postgres pool and LISTEN connection, as two processes have)
// over one database; the "worker" is core's lease API (what apps/worker's runner calls), writing
// through either instance's pool.

let api: TestApi;
let second: { app: App; handle: DbHandle; core: CoreDeps };
let baseA = '';
let baseB = '';
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  api = await createTestApi();
  const handle = createDb({ url: api.db.url });
  const core: CoreDeps = { ...api.core, db: handle.db };
  const app = createApp({ ...api.deps, core, sql: handle.sql });
  second = { app, handle, core };
  for (const a of [api.app, app]) {
    // No re-read timer worth the name: what arrives here arrived by NOTIFY.
    Object.assign(eventStreams(a).options, { heartbeatMs: 200, rereadMs: 600_000 });
  }
  const la = await listen(api.app);
  const lb = await listen(app);
  baseA = la.base;
  baseB = lb.base;
  closers.push(la.close, lb.close);
});

afterAll(async () => {
  for (const a of [api?.app, second?.app]) if (a) await closeEventStreams(a);
  for (const c of closers) await c();
  await second?.handle.close();
  await api?.close();
});

async function newImageOperation(token = api.alice.token): Promise<{ opId: string; imageId: string }> {
  const r = await api.call<{ id: string; operation_id: string }>('POST', '/api/container-images', {
    token,
    body: { name: uniqueName('sse'), repository: 'docker.io/acme' },
  });
  expect(r.status).toBe(201);
  return { opId: r.body.operation_id, imageId: r.body.id };
}

async function claim(core: CoreDeps, opId: string): Promise<Lease> {
  const c = await claimOperation(core.db, opId, { leaseMs: 30_000, workerId: 'sse-test' });
  if (c.outcome !== 'claimed') throw new Error(`claim: ${c.outcome}`);
  return c.lease;
}

/** One more API instance (its own pool and LISTEN connection) with these stream options. */
async function extraApp(options: Partial<StreamOptions>) {
  const handle = createDb({ url: api.db.url });
  const app = createApp({ ...api.deps, core: { ...api.core, db: handle.db }, sql: handle.sql });
  Object.assign(eventStreams(app).options, options);
  const l = await listen(app);
  return {
    app,
    base: l.base,
    async close() {
      await closeEventStreams(app);
      await l.close();
      await handle.close();
    },
  };
}

const parsed = (m: SseMessage) => JSON.parse(m.data) as { status: string; message: string; progress: number };
const dbEventIds = async (opId: string) =>
  (
    await api.db.sql<
      { id: string }[]
    >`select id from operation_events where operation_id = ${opId} order by id`
  ).map((r) => r.id);

describe('GET /api/operations/{id}/events', () => {
  it('replays, follows writes made through the other API instance, and ends after the terminal event', async () => {
    const { opId } = await newImageOperation();
    const s = await openStream(`${baseB}/api/operations/${opId}/events`, api.alice.token);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toContain('text/event-stream');
    await s.until((m) => m.length === 1, 'the replayed queued event');
    expect(s.messages[0]).toMatchObject({ event: 'status' });
    expect(parsed(s.messages[0] as SseMessage)).toMatchObject({
      status: 'queued',
      message: 'image.build accepted',
    });

    const lease = await claim(api.core, opId); // written through instance A's pool
    await s.until((m) => m.some((x) => parsed(x).status === 'running'), 'running');
    await lease.event('step 1 of 2');
    await s.until((m) => m.some((x) => x.event === 'log'), 'a log line');
    await lease.progress(40, 'step 2 of 2');
    await s.until((m) => m.some((x) => parsed(x).progress === 40), 'progress 40');
    await lease.succeed({ message: 'built' });
    await s.ended;

    const events = s.messages.filter((m) => m.event !== 'progress');
    expect(events.map((m) => m.event)).toEqual(['status', 'status', 'log', 'log', 'done']);
    expect(parsed(events[3] as SseMessage)).toMatchObject({ message: 'step 2 of 2', progress: 40 });
    expect(parsed(events[4] as SseMessage)).toMatchObject({
      status: 'succeeded',
      message: 'built',
      progress: 100,
    });
    // Every committed event exactly once, in id order, with its id.
    expect(events.map((m) => m.id)).toEqual(await dbEventIds(opId));
  });

  it('resumes after Last-Event-ID without gaps or repeats', async () => {
    const { opId } = await newImageOperation();
    const lease = await claim(second.core, opId); // through instance B
    await lease.event(['a', 'b', 'c']);
    const ids = await dbEventIds(opId);
    expect(ids.length).toBe(5);
    const s = await openStream(`${baseA}/api/operations/${opId}/events`, api.alice.token, {
      'Last-Event-ID': String(ids[2]),
    });
    await s.until((m) => m.length === 2, 'the two events after the resume point');
    expect(s.messages.map((m) => m.id)).toEqual(ids.slice(3));
    // Same status as the event it resumed from: log lines, not status changes.
    expect(s.messages.map((m) => m.event)).toEqual(['log', 'log']);
    await lease.fail('broke');
    await s.ended;
    expect(s.messages.map((m) => m.id)).toEqual((await dbEventIds(opId)).slice(3));
    expect(s.messages.at(-1)).toMatchObject({ event: 'done' });
    expect(parsed(s.messages.at(-1) as SseMessage)).toMatchObject({ status: 'failed', message: 'broke' });
  });

  it('a finished operation replays its events and ends at once; resuming past the end ends empty', async () => {
    const { opId } = await newImageOperation();
    await api.call('POST', `/api/operations/${opId}/cancel`, { token: api.alice.token });
    const s = await openStream(`${baseA}/api/operations/${opId}/events`, api.alice.token);
    await s.ended;
    expect(s.messages.map((m) => m.event)).toEqual(['status', 'done']);
    const again = await openStream(`${baseA}/api/operations/${opId}/events`, api.alice.token, {
      'Last-Event-ID': String(s.messages.at(-1)?.id),
    });
    await again.ended;
    expect(again.messages).toEqual([]);
  });

  it('a progress-only change (no event, so no NOTIFY) arrives with the re-read, as a progress message', async () => {
    const x = await extraApp({ rereadMs: 200 });
    try {
      const { opId } = await newImageOperation();
      const lease = await claim(api.core, opId);
      const s = await openStream(`${x.base}/api/operations/${opId}/events`, api.alice.token);
      await s.until((m) => m.length === 2, 'replay');
      await lease.progress(70);
      const got = await s.until((m) => m.some((y) => y.event === 'progress'), 'a progress message');
      const p = got.find((y) => y.event === 'progress') as SseMessage;
      expect(parsed(p)).toMatchObject({ status: 'running', progress: 70 });
      // It repeats the last event's id: resuming from it neither skips nor repeats an event.
      expect(p.id).toBe(got[1]?.id);
      s.close();
    } finally {
      await x.close();
    }
  });

  it('sends a comment heartbeat while nothing happens', async () => {
    const { opId } = await newImageOperation();
    const s = await openStream(`${baseA}/api/operations/${opId}/events`, api.alice.token);
    await s.untilComment('heartbeat');
    expect(s.isEnded()).toBe(false);
    s.close();
  });

  it("another user's operation is a 404, no token a 401, a token in the query string is not accepted", async () => {
    const { opId } = await newImageOperation();
    const bob = await openStream(`${baseA}/api/operations/${opId}/events`, api.bob.token);
    expect(bob.status).toBe(404);
    expect(bob.body).toMatchObject({ error: 'Not Found' });
    const none = await openStream(`${baseA}/api/operations/${opId}/events`, null);
    expect(none.status).toBe(401);
    const query = await openStream(
      `${baseA}/api/operations/${opId}/events?access_token=${api.alice.token}`,
      null,
    );
    expect(query.status).toBe(401);
    const unknown = await openStream(
      `${baseA}/api/operations/00000000-0000-4000-8000-000000000000/events`,
      api.alice.token,
    );
    expect(unknown.status).toBe(404);
  });
});

describe('stream limits and shutdown', () => {
  it('refuses the 21st open stream of a user across both instances, and frees a slot on close', async () => {
    const user = await api.addUser('operator');
    const open: OpenStream[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await openStream(`${i % 2 ? baseA : baseB}/api/events`, user.token);
      expect(s.status).toBe(200);
      open.push(s);
    }
    const refused = await openStream(`${baseA}/api/events`, user.token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.body).toMatchObject({ error: 'Too Many Requests' });
    // Each stream counted once against the rate limit (100/min for the standard tier): 21 requests.
    const probe = await api.call('GET', '/api/operations', { token: user.token });
    expect(Number(probe.headers.get('X-RateLimit-Remaining'))).toBe(100 - 22);

    open[0]?.close();
    await open[0]?.ended;
    let again: OpenStream | null = null;
    for (let i = 0; i < 50; i++) {
      again = await openStream(`${baseA}/api/events`, user.token);
      if (again.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(again?.status).toBe(200);
    again?.close();
    for (const s of open) s.close();
  });

  it('a client that stops reading is dropped after the write timeout; nothing is buffered for it', async () => {
    const x = await extraApp({ writeTimeoutMs: 500 });
    try {
      const { opId } = await newImageOperation();
      // 16 MB of events: far more than the socket buffers hold, so the server's writes block.
      await api.db.sql`insert into operation_events (operation_id, status, message)
        select ${opId}, 'queued', repeat('x', 4000) from generate_series(1, 4000)`;
      const res = await fetch(`${x.base}/api/operations/${opId}/events`, {
        headers: { Authorization: `Bearer ${api.alice.token}` },
      });
      expect(res.status).toBe(200);
      const streams = eventStreams(x.app);
      expect(streams.open.size).toBe(1);
      const before = process.memoryUsage().rss;
      // Not reading `res.body`: the stream must be dropped (and its slot freed), not buffered.
      for (let i = 0; i < 200 && streams.open.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(streams.open.size).toBe(0);
      expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
      await res.body?.cancel().catch(() => {});
      // The slot is free again: the user can open 20 streams.
      const again = await openStream(`${x.base}/api/operations/${opId}/events`, api.alice.token);
      expect(again.status).toBe(200);
      again.close();
    } finally {
      await x.close();
    }
  });

  it('closeEventStreams ends every open stream of that instance cleanly', async () => {
    const user = await api.addUser('operator');
    const x = await extraApp({});
    const app = x.app;
    const l = x;
    try {
      const a = await openStream(`${l.base}/api/events`, user.token);
      const { opId } = await newImageOperation(user.token);
      const b = await openStream(`${l.base}/api/operations/${opId}/events`, user.token);
      await b.until((m) => m.length === 1, 'replay');
      expect(eventStreams(app).open.size).toBe(2);
      // Without a notification or a timer due (re-read every 5 s here), only the close ends them.
      await closeEventStreams(app, 60_000);
      await Promise.all([a.ended, b.ended]);
      expect(eventStreams(app).open.size).toBe(0);
    } finally {
      await x.close();
    }
  });
});

describe('GET /api/events', () => {
  it('streams status changes of the caller’s resources (not log lines, not other users’), filtered', async () => {
    const all = await openStream(`${baseA}/api/events`, api.alice.token);
    const images = await openStream(`${baseB}/api/events?resource_type=container_image`, api.alice.token);
    const bobs = await openStream(`${baseA}/api/events`, api.bob.token);
    await all.untilComment('heartbeat'); // connected and idle: nothing replayed without Last-Event-ID
    expect(all.messages).toEqual([]);

    const { opId, imageId } = await newImageOperation();
    const only = await openStream(`${baseB}/api/events?resource_id=${imageId}`, api.alice.token);
    await only.untilComment('heartbeat');
    const lease = await claim(second.core, opId);
    await lease.event('noise');
    await lease.succeed({ message: 'built', resourceStatus: 'built' });

    for (const s of [all, images]) {
      await s.until((m) => m.some((x) => x.event === 'done'), 'done');
      const mine = s.messages.filter((m) => JSON.parse(m.data).operation_id === opId);
      expect(mine.map((m) => [m.event, JSON.parse(m.data).status])).toEqual([
        ['status', 'queued'],
        ['status', 'running'],
        ['done', 'succeeded'],
      ]);
      expect(JSON.parse(mine[2]?.data ?? '{}')).toMatchObject({
        resource_type: 'container_image',
        resource_id: imageId,
        resource_status: 'built',
        kind: 'image.build',
      });
    }
    await only.until((m) => m.some((x) => x.event === 'done'), 'done (by resource)');
    expect(only.messages.map((m) => JSON.parse(m.data).status)).toEqual(['running', 'succeeded']);

    // Resume the resource stream after its first message: the rest, once.
    const resumed = await openStream(`${baseA}/api/events?resource_id=${imageId}`, api.alice.token, {
      'Last-Event-ID': String(only.messages[0]?.id),
    });
    await resumed.until((m) => m.length === 1, 'the resumed rest');
    expect(resumed.messages.map((m) => m.id)).toEqual([only.messages[1]?.id]);

    await bobs.untilComment('heartbeat');
    expect(bobs.messages).toEqual([]);
    for (const s of [all, images, bobs, only, resumed]) s.close();
  });

  it('rejects a bad filter with the contract 422', async () => {
    const r = await api.call('GET', '/api/events?resource_id=nope', { token: api.alice.token });
    expect(r.status).toBe(422);
  });
});
