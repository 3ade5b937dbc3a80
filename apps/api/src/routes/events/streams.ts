import { randomUUID } from 'node:crypto';
import { createEventHub, type EventHub, type Notice, type WatchMessage } from '@slipway/core';
import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { ApiApp, AppDeps, AppEnv } from '../../context.ts';
import { errorBody } from '../../errors.ts';

// The SSE edge shared by GET /api/operations/{id}/events and GET /api/events: one LISTEN hub per app,
// a Redis-held cap on open streams per user (shared by every API process), a heartbeat, a bounded
// write (a client that stops reading is dropped, never buffered for), and close-all for shutdown.

export type StreamOptions = {
  /** Comment heartbeat interval (also how often a stream's slot is renewed). */
  heartbeatMs: number;
  /** Re-read interval without a notification (a lost NOTIFY, or a progress-only change). */
  rereadMs: number;
  /** Open streams per user, across API processes. */
  maxStreamsPerUser: number;
  /** A write the client has not taken within this long ends the stream. */
  writeTimeoutMs: number;
};

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  heartbeatMs: 15_000,
  rereadMs: 5_000,
  maxStreamsPerUser: 20,
  writeTimeoutMs: 30_000,
};

/** What a stream follows (core's OperationFollower / ResourceFollower). */
export type Follower = {
  /** Runs before the response starts (a live-from-now stream fixes "now" here). */
  init?(): Promise<void>;
  read(): Promise<WatchMessage[]>;
  concerns(n: Notice): boolean;
  readonly done?: boolean;
};

type OpenStream = { close(): void; finished: Promise<void> };

export type StreamRegistry = {
  options: StreamOptions;
  hub: EventHub;
  /** Streams open in this process. */
  readonly open: ReadonlySet<OpenStream>;
  /** Ends every open stream (each closes its response cleanly) and stops listening. */
  closeAll(timeoutMs?: number): Promise<void>;
};

type Registry = StreamRegistry & { deps: AppDeps; openSet: Set<OpenStream> };

const registries = new WeakMap<object, Registry>();

/** The registry of `app` (created by the first route registered with deps). */
export function eventStreams(app: ApiApp, deps?: AppDeps): StreamRegistry {
  let r = registries.get(app);
  if (!r) {
    if (!deps) throw new Error('event streams are not registered on this app');
    const openSet = new Set<OpenStream>();
    const hub = createEventHub(deps.sql, deps.log ?? deps.core.log);
    const reg: Registry = {
      deps,
      options: { ...DEFAULT_STREAM_OPTIONS },
      hub,
      openSet,
      open: openSet,
      async closeAll(timeoutMs = 5_000) {
        const all = [...openSet];
        for (const s of all) s.close();
        await Promise.race([
          Promise.allSettled(all.map((s) => s.finished)),
          new Promise((ok) => setTimeout(ok, timeoutMs).unref()),
        ]);
        await hub.close();
      },
    };
    r = reg;
    registries.set(app, r);
  }
  return r;
}

/** Graceful shutdown: closes the SSE streams of `app` (a no-op when it has none). */
export async function closeEventStreams(app: ApiApp, timeoutMs?: number): Promise<void> {
  await registries.get(app)?.closeAll(timeoutMs);
}

// Open streams per user: a sorted set of stream ids scored by lease expiry. Expired entries (a process
// that died with streams open) drop out; a live stream renews its entry with every heartbeat.
const ACQUIRE = `
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[2], ARGV[4])
redis.call('pexpire', KEYS[1], ARGV[5])
return 1`;

type Slot = { renew(): Promise<void>; release(): Promise<void> };

async function acquireSlot(reg: Registry, userId: string): Promise<Slot | null> {
  const redis = reg.deps.redis;
  const key = `${reg.deps.config.QUEUE_PREFIX}:sse:${userId}`;
  const member = randomUUID();
  const leaseMs = reg.options.heartbeatMs * 4;
  const now = Date.now();
  const ok = await redis.eval(
    ACQUIRE,
    1,
    key,
    String(now),
    String(now + leaseMs),
    String(reg.options.maxStreamsPerUser),
    member,
    String(leaseMs),
  );
  if (ok !== 1) return null;
  return {
    async renew() {
      await redis.zadd(key, 'XX', String(Date.now() + leaseMs), member).catch(() => {});
      await redis.pexpire(key, leaseMs).catch(() => {});
    },
    async release() {
      await redis.zrem(key, member).catch(() => {});
    },
  };
}

/** A Last-Event-ID header as an event id (anything else counts as absent). */
export function lastEventId(c: Context<AppEnv>): number | null {
  const raw = c.req.header('Last-Event-ID')?.trim();
  if (!raw || !/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

class WriteTimeout extends Error {}

/**
 * Answers with an SSE stream fed by `follower`: read, send, wait for a notification (or the heartbeat
 * or re-read timer), repeat, until the follower is done, the client leaves, or the app shuts down.
 * 429 (JSON) when the user already has the maximum of streams open.
 */
export async function serveStream(c: Context<AppEnv>, reg: StreamRegistry, follower: Follower) {
  const r = reg as Registry;
  const user = c.get('user');
  if (!user) throw new Error('serveStream needs an authenticated user');
  const slot = await acquireSlot(r, user.id);
  if (!slot) {
    return c.json(
      errorBody(429, `Too many open event streams (at most ${r.options.maxStreamsPerUser} per user)`),
      429,
      { 'Retry-After': String(Math.ceil(r.options.heartbeatMs / 1000)) },
    );
  }
  const opts = r.options;
  try {
    await follower.init?.();
  } catch (e) {
    await slot.release();
    throw e;
  }
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream: SSEStreamingApi) => {
    let dirty = true;
    let ending = false;
    let wake: (() => void) | null = null;
    const poke = () => {
      dirty = true;
      wake?.();
    };
    const stop = () => {
      ending = true;
      wake?.();
    };
    let finish = () => {};
    const handle: OpenStream = { close: stop, finished: new Promise<void>((ok) => (finish = ok)) };
    r.openSet.add(handle);
    stream.onAbort(stop);
    const unsubscribe = r.hub.subscribe((n) => {
      if (n === null || follower.concerns(n)) poke();
    });
    const send = async (chunk: () => Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new WriteTimeout()), opts.writeTimeoutMs);
      });
      try {
        await Promise.race([chunk(), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    };
    try {
      // LISTEN in place before the first read: nothing committed after that read goes unnoticed
      // (should LISTEN fail, the re-read timer still delivers).
      await r.hub.ready().catch(() => {});
      // Reconnecting EventSource clients wait this long; the first bytes also flush the headers.
      await send(() => stream.write('retry: 2000\n\n'));
      let nextBeat = Date.now() + opts.heartbeatMs;
      let nextReread = Date.now() + opts.rereadMs;
      while (!ending && !stream.aborted) {
        if (dirty) {
          dirty = false;
          const messages = await follower.read();
          for (const m of messages) {
            await send(() =>
              stream.writeSSE({ id: String(m.id), event: m.event, data: JSON.stringify(m.data) }),
            );
          }
          if (follower.done) break;
          // A full batch may have left rows behind: read again before waiting.
          if (messages.length > 0) dirty = true;
          if (dirty) continue;
        }
        if (ending) break;
        const now = Date.now();
        const waitMs = Math.max(0, Math.min(nextBeat, nextReread) - now);
        await new Promise<void>((ok) => {
          const t = setTimeout(ok, waitMs);
          wake = () => {
            clearTimeout(t);
            ok();
          };
        });
        wake = null;
        const after = Date.now();
        if (after >= nextBeat && !ending) {
          await send(() => stream.write(': heartbeat\n\n'));
          await slot.renew();
          nextBeat = after + opts.heartbeatMs;
        }
        if (after >= nextReread) {
          dirty = true;
          nextReread = after + opts.rereadMs;
        }
      }
    } catch (err) {
      if (err instanceof WriteTimeout) {
        (r.deps.log ?? r.deps.core.log)?.warn({ userId: user.id }, 'event stream client stopped reading');
        stream.abort();
      } else {
        (r.deps.log ?? r.deps.core.log)?.error({ err }, 'event stream failed');
      }
    } finally {
      unsubscribe();
      r.openSet.delete(handle);
      await slot.release();
      finish();
    }
  });
}
