import { createParser, type EventSourceMessage } from 'eventsource-parser';
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.gen.ts';

// @slipway/client: the typed API client (types generated from docs/openapi.json, runtime openapi-fetch)
// plus what a generated client does not do: login and one automatic refresh on 401, an
// Idempotency-Key on every write, bounded retries on 429/503 honouring Retry-After, and the SSE streams
// read over fetch (EventSource cannot send the Bearer header), reconnecting with Last-Event-ID.
// Runs on Node 22 and in browsers: only fetch, streams, AbortSignal and crypto.randomUUID are used.

export type { components, paths };
export type Schemas = components['schemas'];
export type Operation = Schemas['Operation'];
export type ApiError = Schemas['Error'];

export type Tokens = {
  access_token: string;
  /** Absent when the refresh token travels in the HttpOnly cookie (browsers). */
  refresh_token?: string | undefined;
  token_type?: string;
  expires_in?: number;
};

export type OperationEventData = { status: string; message: string; at: string; progress: number };
export type OperationStreamEvent = {
  /** The event id (a progress message repeats the last event's id). */
  id: string;
  event: 'status' | 'log' | 'progress' | 'done';
  data: OperationEventData;
};
export type ResourceStreamEvent = {
  id: string;
  event: 'status' | 'done';
  data: OperationEventData & {
    operation_id: string;
    kind: string;
    resource_type: string;
    resource_id: string;
    resource_status: string | null;
  };
};

export type SlipwayClientOptions = {
  /** e.g. `http://localhost:3000` (no trailing slash needed). */
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
  /** Called whenever tokens change (login, refresh, logout: null). */
  onTokens?: (tokens: Tokens | null) => void;
  /** RequestInit.credentials for every request (`include` lets a browser send the refresh cookie). */
  credentials?: RequestInit['credentials'];
  /** Retries of a 429/503 answer (default 3); each wait is Retry-After, at most maxRetryDelayMs. */
  maxRetries?: number;
  maxRetryDelayMs?: number;
};

/** An API error answer: the contract's `{ error, message, details?, id? }` and the status. */
export class SlipwayError extends Error {
  readonly status: number;
  readonly body: Partial<ApiError> | null;
  readonly headers: Headers | null;
  constructor(status: number, body: Partial<ApiError> | null, headers: Headers | null, message?: string) {
    super(message ?? body?.message ?? `HTTP ${status}`);
    this.name = 'SlipwayError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
  get details(): ApiError['details'] | undefined {
    return this.body?.details;
  }
}

/** waitForOperation gave up before the operation ended. */
export class WaitTimeoutError extends Error {
  readonly operationId: string;
  constructor(operationId: string, timeoutMs: number) {
    super(`operation ${operationId} did not finish within ${timeoutMs} ms`);
    this.name = 'WaitTimeoutError';
    this.operationId = operationId;
  }
}

const WRITES = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const AUTH_PATHS = ['/api/auth/login', '/api/auth/refresh'];
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Retry-After (seconds or an HTTP date) in ms; `fallback` when absent. */
export function retryAfterMs(h: string | null, fallback = 1000): number {
  if (!h) return fallback;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isNaN(t) ? fallback : Math.max(0, t - Date.now());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((ok, fail) => {
    if (signal?.aborted) return fail(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      ok();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      fail(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function errorOf(res: Response): Promise<SlipwayError> {
  const text = await res.text().catch(() => '');
  let body: Partial<ApiError> | null = null;
  try {
    body = text ? (JSON.parse(text) as Partial<ApiError>) : null;
  } catch {
    body = { message: text.slice(0, 500) };
  }
  return new SlipwayError(res.status, body, res.headers);
}

export type SlipwayClient = ReturnType<typeof createSlipwayClient>;

export function createSlipwayClient(opts: SlipwayClientOptions) {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((input: Request) => globalThis.fetch(input));
  const maxRetries = opts.maxRetries ?? 3;
  const maxDelay = opts.maxRetryDelayMs ?? 30_000;
  let tokens: Tokens | null = opts.accessToken
    ? { access_token: opts.accessToken, refresh_token: opts.refreshToken }
    : opts.refreshToken
      ? { access_token: '', refresh_token: opts.refreshToken }
      : null;
  let refreshing: Promise<Tokens> | null = null;

  const setTokens = (t: Tokens | null) => {
    tokens = t;
    opts.onTokens?.(t);
  };

  /** Sends `req` with the session's token, an Idempotency-Key on writes, refresh and retries. */
  async function send(req: Request): Promise<Response> {
    const method = req.method.toUpperCase();
    const path = new URL(req.url).pathname.replace(/^\/v1/, '');
    const isAuth = AUTH_PATHS.includes(path);
    const body = req.body ? await req.arrayBuffer() : undefined;
    const headers = new Headers(req.headers);
    if (WRITES.has(method) && !isAuth && !headers.has('Idempotency-Key')) {
      headers.set('Idempotency-Key', crypto.randomUUID());
    }
    const callerAuth = headers.has('Authorization');
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      if (!callerAuth && !isAuth && tokens?.access_token)
        headers.set('Authorization', `Bearer ${tokens.access_token}`);
      const init: RequestInit = { method, headers, body, signal: req.signal };
      if (opts.credentials) init.credentials = opts.credentials;
      const res = await doFetch(new Request(req.url, init));
      if (res.status === 401 && !isAuth && !callerAuth && !refreshed && canRefresh()) {
        refreshed = true;
        await res.body?.cancel().catch(() => {});
        try {
          await refresh();
        } catch {
          return res.status === 401 ? new Response(null, { status: 401 }) : res;
        }
        attempt--;
        continue;
      }
      if ((res.status === 429 || res.status === 503) && attempt < maxRetries) {
        const wait = Math.min(maxDelay, retryAfterMs(res.headers.get('Retry-After'), 500 * 2 ** attempt));
        await res.body?.cancel().catch(() => {});
        await sleep(wait, req.signal);
        continue;
      }
      return res;
    }
  }

  const canRefresh = () => Boolean(tokens?.refresh_token) || opts.credentials !== undefined;

  async function authCall(path: string, body: Record<string, unknown>): Promise<Tokens> {
    const res = await send(
      new Request(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      }),
    );
    if (!res.ok) throw await errorOf(res);
    const t = (await res.json()) as Tokens;
    setTokens({ ...t, refresh_token: t.refresh_token ?? undefined });
    return t;
  }

  /** POST /api/auth/login; stores the tokens. */
  function login(email: string, password: string): Promise<Tokens> {
    return authCall('/api/auth/login', { email, password });
  }

  /**
   * POST /api/auth/refresh with the stored refresh token, or with `{}` (and `credentials`) so a
   * browser's HttpOnly cookie carries it. Concurrent callers share one refresh.
   */
  function refresh(): Promise<Tokens> {
    refreshing ??= authCall(
      '/api/auth/refresh',
      tokens?.refresh_token ? { refresh_token: tokens.refresh_token } : {},
    ).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  const api: Client<paths> = createClient<paths>({ baseUrl, fetch: send });

  /** One SSE connection: yields parsed messages until the server ends the stream. */
  async function* connect(
    path: string,
    lastEventId: string | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<EventSourceMessage> {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    const res = await send(new Request(`${baseUrl}${path}`, { headers, ...(signal ? { signal } : {}) }));
    if (!res.ok || !res.body) throw await errorOf(res);
    const queue: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (e) => queue.push(e) });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
        while (queue.length > 0) yield queue.shift() as EventSourceMessage;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  /**
   * Follows an SSE stream, reconnecting with Last-Event-ID when the connection drops (a restarting
   * API process, a network blip) until `stopWhen` says so or `signal` aborts. HTTP errors (401 after
   * the refresh, 404, ...) are thrown.
   */
  async function* follow<T extends { id: string; event: string }>(
    path: string,
    o: { signal?: AbortSignal | undefined; lastEventId?: string | undefined },
    stopWhen: (m: T) => boolean,
    /** Asked when the server ended the stream without the stop condition: true ends the iteration. */
    finished?: () => Promise<boolean>,
  ): AsyncGenerator<T> {
    let last = o.lastEventId;
    let failures = 0;
    /** One connection from `last`: yields its messages; true when the stop condition was met. */
    async function* once(): AsyncGenerator<T, boolean> {
      for await (const m of connect(path, last, o.signal)) {
        failures = 0;
        const msg = {
          id: m.id ?? last ?? '',
          event: m.event ?? 'message',
          data: JSON.parse(m.data),
        } as unknown as T;
        if (m.id) last = m.id;
        yield msg;
        if (stopWhen(msg)) return true;
      }
      return false;
    }
    for (;;) {
      try {
        if (yield* once()) return;
        if (finished && !o.signal?.aborted && (await finished())) {
          // It finished while we were away: one more read from `last` replays what came after it
          // (the server then ends a finished operation's stream), so no event is lost, then stop.
          yield* once();
          return;
        }
      } catch (e) {
        if (o.signal?.aborted) return;
        if (e instanceof SlipwayError) throw e;
        if (++failures > 5) throw e;
      }
      if (o.signal?.aborted) return;
      await sleep(Math.min(5000, 250 * 2 ** failures), o.signal).catch(() => {});
      if (o.signal?.aborted) return;
    }
  }

  async function getOperation(id: string): Promise<Operation> {
    const r = await api.GET('/api/operations/{id}', { params: { path: { id } } });
    if (r.error || !r.data) throw new SlipwayError(r.response.status, r.error ?? null, r.response.headers);
    return r.data;
  }

  /** The operation's events (replayed, then live) until its terminal `done` event. */
  function watchOperation(
    id: string,
    o: { signal?: AbortSignal; lastEventId?: string } = {},
  ): AsyncIterable<OperationStreamEvent> {
    return follow<OperationStreamEvent>(
      `/api/operations/${encodeURIComponent(id)}/events`,
      o,
      (m) => m.event === 'done' || TERMINAL.has(m.data.status),
      // Resumed after its last event (or the operation is gone): the stream ends with nothing more.
      async () => TERMINAL.has((await getOperation(id)).status),
    );
  }

  /**
   * Resolves with the finished operation (succeeded, failed or cancelled: check `status`), following
   * its stream; rejects with WaitTimeoutError after `timeoutMs`.
   */
  async function waitForOperation(
    id: string,
    o: { timeoutMs: number; signal?: AbortSignal; onEvent?: (e: OperationStreamEvent) => void },
  ): Promise<Operation> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new WaitTimeoutError(id, o.timeoutMs)), o.timeoutMs);
    const onAbort = () => ac.abort(o.signal?.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const e of watchOperation(id, { signal: ac.signal })) o.onEvent?.(e);
      if (ac.signal.aborted) throw ac.signal.reason ?? new WaitTimeoutError(id, o.timeoutMs);
      const op = await getOperation(id);
      if (!TERMINAL.has(op.status)) throw new WaitTimeoutError(id, o.timeoutMs);
      return op;
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Status changes of your resources and their operations, live, until `signal` aborts. */
  function events(
    o: { resource_type?: string; resource_id?: string; signal?: AbortSignal; lastEventId?: string } = {},
  ): AsyncIterable<ResourceStreamEvent> {
    const q = new URLSearchParams();
    if (o.resource_type) q.set('resource_type', o.resource_type);
    if (o.resource_id) q.set('resource_id', o.resource_id);
    const qs = q.toString();
    return follow<ResourceStreamEvent>(`/api/events${qs ? `?${qs}` : ''}`, o, () => false);
  }

  return {
    api,
    login,
    refresh,
    setTokens: (t: Tokens | null) => setTokens(t),
    /**
     * POST /api/auth/logout (revokes the refresh token's family: the stored token, or the HttpOnly
     * cookie when `credentials` is set), then forgets the tokens, whatever the answer.
     */
    async logout(): Promise<void> {
      try {
        if (tokens?.access_token && canRefresh()) {
          const res = await send(
            new Request(`${baseUrl}/api/auth/logout`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
            }),
          );
          await res.body?.cancel().catch(() => {});
        }
      } catch {
        // Offline or already revoked: the local tokens go all the same.
      } finally {
        setTokens(null);
      }
    },
    get tokens(): Tokens | null {
      return tokens;
    },
    watchOperation,
    waitForOperation,
    events,
  };
}
