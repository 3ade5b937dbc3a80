import { AsyncResource } from 'node:async_hooks';
import { context, type Link, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

// Group commit (issue 10): requests of the same kind (claims, settlements) made while one batch of
// them is on its way to Postgres go out together as the next batch, one transaction for all of
// them, instead of one BEGIN/COMMIT, one reserved connection and one socket write each. A request
// made while nothing is in flight goes out at once and alone (the single path, no added latency);
// under load the batches grow with the arrival rate. Every request keeps its own outcome: the batch
// statement answers per request, and a batch that fails as a whole (a deadlock, a value one of them
// carries) is rolled back and each of its requests is run again on its own, so one request's error
// never becomes another's.
//
// Traces: a batch's statements can have one parent only. Each request of a batch gets a span of its
// own in its caller's trace (`name`, with the batch's size and its place in it), the statements run
// under the first request's span, and every other request's span links to that one, so each
// operation's trace still shows its claim and settlement and leads to the statements that did them.

type Pending<Q, R> = {
  req: Q;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  /** The caller's async context (its trace): a batch runs in its first request's. */
  run: ContextRunner;
};

export type GroupOptions<Q, R> = {
  /** One request, on its own (the single path). */
  one: (req: Q) => Promise<R>;
  /** Several requests (distinct `keyOf`) as one transaction; one answer per request, in order. */
  many: (reqs: Q[]) => Promise<R[]>;
  /** Requests with the same key never share a batch (a second delivery of one operation waits for the next). */
  keyOf: (req: Q) => string;
  /** At most this many requests per batch. */
  max?: number;
  /** The span each request of a batch gets in its own trace (e.g. `operation.claim`). */
  name?: string;
};

const tracer = () => trace.getTracer('slipway-core');

/** Runs a function in a captured async context (`captureContext`). */
export type ContextRunner = <T>(fn: () => T) => T;

/**
 * The caller's async context (every AsyncLocalStorage store: its trace, its audit scope), to run a
 * function in later: what `AsyncLocalStorage.snapshot()` returns, at a twentieth of the cost.
 * snapshot() is `AsyncResource.bind` of a trampoline, and bind redefines the bound function's
 * `length` and `asyncResource` properties (Object.defineProperties on a function: ~10 us here, in a
 * micro-benchmark and in the worker's profile, ~1% of its time at three per operation); the resource
 * alone carries the same context (~0.5 us).
 */
export function captureContext(): ContextRunner {
  const resource = new AsyncResource('slipway.batch');
  return (fn) => resource.runInAsyncScope(fn);
}

/**
 * One statement (or transaction) done for several callers, each traced in its own trace: a `name`
 * span per caller that is inside one (`slipway.batch.size`, `slipway.batch.index`), `fn` run under
 * the first such span (its statements are its children), the others linked to it. Failing, the spans
 * are marked (the batch is retried alone by its callers) and the error goes on.
 */
export async function traceBatch<T>(
  name: string,
  callers: ContextRunner[],
  fn: () => Promise<T>,
): Promise<T> {
  const spans: Span[] = [];
  let lead: Link | undefined;
  for (const [i, run] of callers.entries()) {
    run(() => {
      if (!trace.getSpan(context.active())) return;
      const span = tracer().startSpan(name, {
        attributes: { 'slipway.batch.size': callers.length, 'slipway.batch.index': i },
        ...(lead ? { links: [lead] } : {}),
      });
      lead ??= { context: span.spanContext(), attributes: { 'slipway.batch.role': 'lead' } };
      spans.push(span);
    });
  }
  const first = spans[0];
  try {
    // Awaited inside the span's context: a postgres.js query is sent when it is awaited.
    const out = await (first
      ? context.with(trace.setSpan(context.active(), first), async () => await fn())
      : fn());
    for (const span of spans) span.end();
    return out;
  } catch (e) {
    for (const span of spans) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `batch rolled back (${(e as Error)?.message}); retried alone`,
      });
      span.end();
    }
    throw e;
  }
}

/**
 * One statement done for several callers, traced once: a single `name` span under the first caller
 * (`slipway.batch.size`), linking every caller's span, `fn` run under it. Cheaper than `traceBatch`
 * (one span per batch, not one per caller), for hot paths where a span per caller would cost more
 * than the call it describes; a caller's trace does not show the call, the batch's span leads to
 * every caller. Failing, the span is marked and the error goes on.
 */
export async function traceSharedBatch<T>(
  name: string,
  callers: ContextRunner[],
  fn: () => Promise<T>,
): Promise<T> {
  const links: Link[] = [];
  for (const run of callers) {
    const sc = run(() => trace.getSpanContext(context.active()));
    if (sc) links.push({ context: sc });
  }
  const first = callers[0];
  if (!first || links.length === 0) return fn();
  return first(() =>
    tracer().startActiveSpan(
      name,
      { attributes: { 'slipway.batch.size': callers.length }, links },
      async (span) => {
        try {
          return await fn();
        } catch (e) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
          throw e;
        } finally {
          span.end();
        }
      },
    ),
  );
}

export class GroupCommit<Q, R> {
  private readonly opts: GroupOptions<Q, R>;
  private readonly queue: Pending<Q, R>[] = [];
  private inflight = false;
  /** Batches sent (several requests) and requests in them: for tests and diagnostics. */
  readonly stats = { batches: 0, batched: 0, singles: 0, fallbacks: 0 };

  constructor(opts: GroupOptions<Q, R>) {
    this.opts = opts;
  }

  submit(req: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ req, resolve, reject, run: captureContext() });
      if (!this.inflight) this.next();
    });
  }

  /** Takes the next batch off the queue (distinct keys, at most `max`) and sends it. */
  private next(): void {
    if (this.queue.length === 0) return;
    const max = this.opts.max ?? 100;
    const batch: Pending<Q, R>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < this.queue.length && batch.length < max; ) {
      const p = this.queue[i] as Pending<Q, R>;
      const key = this.opts.keyOf(p.req);
      if (keys.has(key)) {
        i++;
        continue;
      }
      keys.add(key);
      batch.push(p);
      this.queue.splice(i, 1);
    }
    this.inflight = true;
    const first = batch[0] as Pending<Q, R>;
    first
      .run(() => this.send(batch))
      .finally(() => {
        this.inflight = false;
        this.next();
      });
  }

  private async one(p: Pending<Q, R>): Promise<void> {
    try {
      p.resolve(await this.opts.one(p.req));
    } catch (e) {
      p.reject(e);
    }
  }

  private async send(batch: Pending<Q, R>[]): Promise<void> {
    if (batch.length === 1) {
      const p = batch[0] as Pending<Q, R>;
      this.stats.singles++;
      await this.one(p);
      return;
    }
    let answers: R[];
    try {
      const reqs = batch.map((p) => p.req);
      const name = this.opts.name;
      answers = await (name
        ? traceBatch(
            name,
            batch.map((p) => p.run),
            () => this.opts.many(reqs),
          )
        : this.opts.many(reqs));
      this.stats.batches++;
      this.stats.batched += batch.length;
    } catch {
      // Rolled back as a whole: each request again on its own, with its own outcome or error.
      this.stats.fallbacks++;
      await Promise.all(batch.map((p) => p.run(() => this.one(p))));
      return;
    }
    batch.forEach((p, i) => {
      p.resolve(answers[i] as R);
    });
  }
}

export type TurnBatchOptions<S extends object, Q, R> = {
  /** One request on its own (the single path, and each request of a failed batch). */
  one: (scope: S, req: Q) => Promise<R>;
  /** Several requests as one statement; one answer per request, in order. */
  many: (scope: S, reqs: Q[]) => Promise<R[]>;
  /** The span each request of a batch gets in its own trace (`traceBatch`). */
  name: string;
  /** Requests with the same key never share a batch: a second one goes into the next. */
  keyOf?: (req: Q) => string;
  /**
   * `each` (default): a `name` span per request of a batch, in its own trace (`traceBatch`).
   * `shared`: one `name` span per batch linking every request's (`traceSharedBatch`).
   */
  spans?: 'each' | 'shared';
  /** At most this many requests per batch (the rest go in further batches of the same turn). */
  max?: number;
};

/**
 * Requests made in one event-loop turn, per scope (a pool), go out together as one statement once the
 * turn is over (setImmediate); a lone request takes the single path. A batch that fails as a whole
 * makes each of its requests run on its own, in its own context, so one request's error never
 * becomes another's. Unlike GroupCommit, a batch never waits for the one before it.
 */
export class TurnBatcher<S extends object, Q, R> {
  private readonly opts: TurnBatchOptions<S, Q, R>;
  private readonly pending = new WeakMap<S, Pending<Q, R>[]>();

  constructor(opts: TurnBatchOptions<S, Q, R>) {
    this.opts = opts;
  }

  submit(scope: S, req: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue(scope, { req, resolve, reject, run: captureContext() });
    });
  }

  private queue(scope: S, p: Pending<Q, R>): void {
    let list = this.pending.get(scope);
    if (!list) {
      list = [];
      this.pending.set(scope, list);
      setImmediate(() => void this.flush(scope));
    }
    list.push(p);
  }

  private async one(scope: S, p: Pending<Q, R>): Promise<void> {
    try {
      p.resolve(await this.opts.one(scope, p.req));
    } catch (e) {
      p.reject(e);
    }
  }

  private async flush(scope: S): Promise<void> {
    const all = this.pending.get(scope) ?? [];
    this.pending.delete(scope);
    const keyOf = this.opts.keyOf;
    const max = this.opts.max ?? Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    let batch: Pending<Q, R>[] = [];
    const sends: Promise<void>[] = [];
    for (const p of all) {
      const k = keyOf?.(p.req);
      if (k !== undefined && seen.has(k)) {
        this.queue(scope, p);
        continue;
      }
      if (k !== undefined) seen.add(k);
      batch.push(p);
      if (batch.length >= max) {
        sends.push(this.send(scope, batch));
        batch = [];
      }
    }
    if (batch.length) sends.push(this.send(scope, batch));
    await Promise.all(sends);
  }

  private async send(scope: S, batch: Pending<Q, R>[]): Promise<void> {
    const [only] = batch;
    // In its own context: a lone request may not be the one whose turn scheduled the flush.
    if (batch.length === 1 && only) return only.run(() => this.one(scope, only));
    let answers: R[];
    try {
      const reqs = batch.map((p) => p.req);
      answers = await (this.opts.spans === 'shared' ? traceSharedBatch : traceBatch)(
        this.opts.name,
        batch.map((p) => p.run),
        () => this.opts.many(scope, reqs),
      );
    } catch {
      await Promise.all(batch.map((p) => p.run(() => this.one(scope, p))));
      return;
    }
    batch.forEach((p, i) => {
      p.resolve(answers[i] as R);
    });
  }
}
