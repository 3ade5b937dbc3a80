// @slipway/client against the real API (here, not in packages/client: it drives the API's own test
// harness, which no package may import).
import { claimOperation, type Lease } from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../apps/api/src/routes/events/sse-test-client.ts';
import { closeEventStreams, eventStreams } from '../../apps/api/src/routes/events/streams.ts';
import { createTestApi, TEST_PASSWORD, type TestApi, uniqueName } from '../../apps/api/src/test-helpers.ts';
import {
  createSlipwayClient,
  type OperationStreamEvent,
  retryAfterMs,
  SlipwayError,
  type Tokens,
  WaitTimeoutError,
} from '../../packages/client/src/index.ts';

// The client against the real API (served over HTTP, real Postgres and Redis). The "worker" is
// core's lease API, so each test decides when an operation moves. `recording` wraps the real fetch
// only to look at what the client sent.

let api: TestApi;
let base = '';
let closeServer: () => Promise<void> = async () => {};

beforeAll(async () => {
  api = await createTestApi({ rateLimits: { standard: 1000, premium: 1000, admin: 1000 } });
  Object.assign(eventStreams(api.app).options, { heartbeatMs: 1000, rereadMs: 600_000 });
  const l = await listen(api.app);
  base = l.base;
  closeServer = l.close;
});
afterAll(async () => {
  if (api) await closeEventStreams(api.app);
  await closeServer();
  await api?.close();
});

function recording() {
  const sent: Request[] = [];
  const f = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const req = new Request(input, init);
    sent.push(req.clone());
    return fetch(req);
  };
  return { sent, fetch: f as typeof fetch };
}

async function newImage(token: string) {
  const r = await api.call<{ id: string; operation_id: string }>('POST', '/api/container-images', {
    token,
    body: { name: uniqueName('cl'), repository: 'docker.io/acme' },
  });
  return { imageId: r.body.id, opId: r.body.operation_id };
}

async function claim(opId: string): Promise<Lease> {
  const c = await claimOperation(api.core.db, opId, { leaseMs: 30_000, workerId: 'client-test' });
  if (c.outcome !== 'claimed') throw new Error(c.outcome);
  return c.lease;
}

describe('auth', () => {
  it('login stores the tokens; a rejected access token is refreshed once and the call retried', async () => {
    const seen: (Tokens | null)[] = [];
    const rec = recording();
    const client = createSlipwayClient({
      baseUrl: `${base}/`,
      fetch: rec.fetch,
      onTokens: (t) => seen.push(t),
    });
    const t = await client.login(api.alice.email, TEST_PASSWORD);
    expect(t.access_token).toEqual(expect.any(String));
    expect(seen).toHaveLength(1);
    const me = await client.api.GET('/api/users/me');
    expect(me.data).toMatchObject({ id: api.alice.id, email: api.alice.email });

    client.setTokens({ access_token: 'not-a-jwt', refresh_token: t.refresh_token });
    rec.sent.length = 0;
    const again = await client.api.GET('/api/users/me');
    expect(again.response.status).toBe(200);
    expect(rec.sent.map((r) => new URL(r.url).pathname)).toEqual([
      '/api/users/me',
      '/api/auth/refresh',
      '/api/users/me',
    ]);
    expect(client.tokens?.refresh_token).not.toBe(t.refresh_token); // rotated
    expect(seen.at(-1)).toEqual(client.tokens);

    // Only once: a refresh that fails leaves the 401 to the caller.
    client.setTokens({ access_token: 'not-a-jwt', refresh_token: 'not-a-refresh-token' });
    const denied = await client.api.GET('/api/users/me');
    expect(denied.response.status).toBe(401);
    await client.logout();
    expect(client.tokens).toBeNull();
    expect(seen.at(-1)).toBeNull();

    // logout revokes the refresh token on the server, not only here.
    const other = createSlipwayClient({ baseUrl: base });
    const t2 = await other.login(api.alice.email, TEST_PASSWORD);
    await other.logout();
    expect(other.tokens).toBeNull();
    const stale = createSlipwayClient({ baseUrl: base, refreshToken: t2.refresh_token });
    await expect(stale.refresh()).rejects.toMatchObject({ status: 401 });
  });

  it('refresh() without a stored refresh token posts {} with credentials: the cookie carries it', async () => {
    // A minimal cookie jar around fetch, standing in for the browser's.
    let cookie = '';
    const rec = recording();
    const jarFetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const req = new Request(input, init);
      if (cookie) req.headers.set('Cookie', cookie);
      const res = await rec.fetch(req);
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0] ?? '';
      return res;
    }) as typeof fetch;
    const client = createSlipwayClient({ baseUrl: base, fetch: jarFetch, credentials: 'include' });
    const login = await client.api.POST('/api/auth/login', {
      body: { email: api.alice.email, password: TEST_PASSWORD, refresh_cookie: true },
    });
    expect(login.data?.refresh_token).toBeUndefined();
    expect(cookie).toMatch(/^slipway_refresh=/);
    client.setTokens({ access_token: String(login.data?.access_token) });
    rec.sent.length = 0;
    const t = await client.refresh();
    expect(t.access_token).toEqual(expect.any(String));
    const sent = rec.sent[0] as Request;
    expect(new URL(sent.url).pathname).toBe('/api/auth/refresh');
    expect(await sent.text()).toBe('{}');
    expect(sent.credentials).toBe('include');
    // Without the cookie the same call is a 401 the caller sees.
    cookie = '';
    await expect(client.refresh()).rejects.toMatchObject({ status: 401 });
  });
});

describe('writes and retries', () => {
  it('sends a fresh Idempotency-Key on every write and keeps one the caller gives', async () => {
    const rec = recording();
    const client = createSlipwayClient({ baseUrl: base, fetch: rec.fetch, accessToken: api.alice.token });
    const body = { name: uniqueName('idem'), tag: 'latest', repository: 'docker.io/acme' };
    const a = await client.api.POST('/api/container-images', { body });
    expect(a.response.status).toBe(201);
    const b = await client.api.POST('/api/container-images', { body: { ...body, name: uniqueName('idem') } });
    expect(b.response.status).toBe(201);
    const keys = rec.sent.map((r) => r.headers.get('Idempotency-Key'));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[0]).not.toBe(keys[1]);

    const given = { name: uniqueName('idem'), tag: 'latest', repository: 'docker.io/acme' };
    const first = await client.api.POST('/api/container-images', {
      body: given,
      headers: { 'Idempotency-Key': 'client-test-key' },
    });
    const replay = await client.api.POST('/api/container-images', {
      body: given,
      headers: { 'Idempotency-Key': 'client-test-key' },
    });
    expect(replay.response.headers.get('Idempotent-Replayed')).toBe('true');
    expect(replay.data?.id).toBe(first.data?.id);
  });

  it('retries a 429 up to maxRetries, waiting Retry-After (capped), then hands the 429 over', async () => {
    const limited = await createTestApi({ rateLimits: { standard: 2, premium: 2, admin: 2 } });
    const l = await listen(limited.app);
    try {
      const rec = recording();
      const client = createSlipwayClient({
        baseUrl: l.base,
        fetch: rec.fetch,
        accessToken: limited.alice.token,
        maxRetries: 2,
        maxRetryDelayMs: 50,
      });
      expect((await client.api.GET('/api/operations')).response.status).toBe(200);
      expect((await client.api.GET('/api/operations')).response.status).toBe(200);
      rec.sent.length = 0;
      const r = await client.api.GET('/api/operations');
      expect(r.response.status).toBe(429);
      expect(r.error).toMatchObject({ error: 'Too Many Requests' });
      expect(rec.sent).toHaveLength(3);
    } finally {
      await l.close();
      await limited.close();
    }
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(null, 250)).toBe(250);
    const d = retryAfterMs(new Date(Date.now() + 10_000).toUTCString());
    expect(d).toBeGreaterThan(5000);
    expect(d).toBeLessThanOrEqual(10_000);
    expect(retryAfterMs('soon', 7)).toBe(7);
  });
});

describe('streams', () => {
  it('watchOperation iterates the SSE stream to the done event; waitForOperation resolves with the operation', async () => {
    const client = createSlipwayClient({ baseUrl: base, accessToken: api.alice.token });
    const { opId } = await newImage(api.alice.token);
    const got: OperationStreamEvent[] = [];
    const watching = (async () => {
      for await (const e of client.watchOperation(opId)) got.push(e);
    })();
    const seenByWait: string[] = [];
    const waiting = client.waitForOperation(opId, {
      timeoutMs: 20_000,
      onEvent: (e) => seenByWait.push(e.event),
    });
    const lease = await claim(opId);
    await lease.event('compiling');
    await lease.succeed({ message: 'built', resourceStatus: 'built' });
    await watching;
    expect(got.map((e) => e.event)).toEqual(['status', 'status', 'log', 'done']);
    expect(got[3]?.data).toMatchObject({ status: 'succeeded', message: 'built', progress: 100 });
    const op = await waiting;
    expect(op).toMatchObject({ id: opId, status: 'succeeded' });
    expect(seenByWait.at(-1)).toBe('done');

    // Resuming from an id yields only what came after it.
    const rest: OperationStreamEvent[] = [];
    for await (const e of client.watchOperation(opId, { lastEventId: got[1]?.id })) rest.push(e);
    expect(rest.map((e) => e.id)).toEqual(got.slice(2).map((e) => e.id));
    // Resuming after the last event ends at once with nothing (no reconnect loop), and waiting for
    // an operation that is already over answers with it.
    const none: OperationStreamEvent[] = [];
    for await (const e of client.watchOperation(opId, { lastEventId: got[3]?.id })) none.push(e);
    expect(none).toEqual([]);
    expect(await client.waitForOperation(opId, { timeoutMs: 5000 })).toMatchObject({ status: 'succeeded' });
  });

  it('reconnects with Last-Event-ID when the server closes the stream, without repeats', async () => {
    const client = createSlipwayClient({ baseUrl: base, accessToken: api.alice.token });
    const { opId } = await newImage(api.alice.token);
    const lease = await claim(opId);
    const got: OperationStreamEvent[] = [];
    let closedOnce = false;
    let written = false;
    const watching = (async () => {
      for await (const e of client.watchOperation(opId)) {
        got.push(e);
        if (!closedOnce && got.length === 2) {
          closedOnce = true;
          await closeEventStreams(api.app); // what a shutting-down API process does
          await lease.event('while disconnected');
          written = true;
        }
      }
    })();
    await new Promise<void>((ok) => {
      const t = setInterval(() => {
        if (written) {
          clearInterval(t);
          ok();
        }
      }, 20);
    });
    await lease.succeed({ message: 'built', resourceStatus: 'built' });
    await watching;
    const ids = got.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(got.map((e) => e.data.message)).toEqual([
      'image.build accepted',
      expect.stringContaining('attempt 1'),
      'while disconnected',
      'built',
    ]);
  });

  it('an operation that finishes while the stream is down still delivers every event after Last-Event-ID', async () => {
    // The client asks whether the operation finished when the server ends the stream; here that
    // answer is held until the operation has finished (what a slow network or a busy machine does).
    let settled: () => void = () => {};
    const finishedFirst = new Promise<void>((ok) => (settled = ok));
    const { opId } = await newImage(api.alice.token);
    const client = createSlipwayClient({
      baseUrl: base,
      accessToken: api.alice.token,
      fetch: async (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (url.pathname === `/api/operations/${opId}`) await finishedFirst;
        return fetch(input, init);
      },
    });
    const lease = await claim(opId);
    const got: OperationStreamEvent[] = [];
    let closed = false;
    const watching = (async () => {
      for await (const e of client.watchOperation(opId)) {
        got.push(e);
        if (!closed && got.length === 2) {
          closed = true;
          await closeEventStreams(api.app);
          await lease.event('while disconnected');
          await lease.succeed({ message: 'built', resourceStatus: 'built' });
          settled();
        }
      }
    })();
    await watching;
    expect(got.map((e) => e.data.message)).toEqual([
      'image.build accepted',
      expect.stringContaining('attempt 1'),
      'while disconnected',
      'built',
    ]);
    expect(got.at(-1)?.event).toBe('done');
  });

  it('waitForOperation times out with WaitTimeoutError; a stranger’s operation is a SlipwayError 404', async () => {
    const client = createSlipwayClient({ baseUrl: base, accessToken: api.alice.token });
    const { opId } = await newImage(api.alice.token);
    await expect(client.waitForOperation(opId, { timeoutMs: 300 })).rejects.toBeInstanceOf(WaitTimeoutError);
    const bob = createSlipwayClient({ baseUrl: base, accessToken: api.bob.token });
    const err = await (async () => {
      try {
        for await (const _ of bob.watchOperation(opId)) {
          /* nothing */
        }
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SlipwayError);
    expect(err).toMatchObject({ status: 404, message: 'Resource not found' });
  });

  it('events() yields status changes of the caller’s resources until aborted', async () => {
    const client = createSlipwayClient({ baseUrl: base, accessToken: api.alice.token });
    const { imageId, opId } = await newImage(api.alice.token);
    const op = await client.api.GET('/api/operations/{id}', { params: { path: { id: opId } } });
    const queuedId = String(op.data?.events?.[0]?.id);
    // GET /api/operations/{id} gives each event its id (the SSE id), so a client can resume from it.
    expect(queuedId).toMatch(/^\d+$/);
    const ac = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      // From the queued event on (a stream without Last-Event-ID is live from when it connects).
      for await (const e of client.events({
        resource_id: imageId,
        signal: ac.signal,
        lastEventId: queuedId,
      })) {
        got.push(`${e.event}:${e.data.status}`);
        if (e.event === 'done') {
          expect(e.data).toMatchObject({
            resource_status: 'built',
            resource_id: imageId,
            operation_id: opId,
          });
          ac.abort();
        }
      }
    })();
    const lease = await claim(opId);
    await lease.succeed({ message: 'built', resourceStatus: 'built' });
    await reading;
    expect(got).toEqual(['status:running', 'done:succeeded']);
  });
});
