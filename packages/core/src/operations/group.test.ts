import { AsyncLocalStorage } from 'node:async_hooks';
import { context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ContextRunner, captureContext, GroupCommit, TurnBatcher, traceBatch } from './group.ts';

// Where a group commit's spans land: every request of a batch keeps a span in its own trace.
describe('GroupCommit traces', () => {
  const exporter = new InMemorySpanExporter();
  const manager = new AsyncLocalStorageContextManager();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  /** A group whose batch "statement" is a span of its own, like a query span under the active one. */
  function group(fail = false) {
    let release: () => void = () => {};
    const gate = new Promise<void>((ok) => {
      release = ok;
    });
    const g = new GroupCommit<string, string>({
      one: async (r) => {
        trace.getTracer('db').startSpan(`one ${r}`).end();
        return `one:${r}`;
      },
      many: async (rs) => {
        await gate;
        trace
          .getTracer('db')
          .startSpan(`many ${rs.join(',')}`)
          .end();
        if (fail) throw new Error('deadlock');
        return rs.map((r) => `many:${r}`);
      },
      keyOf: (r) => r,
      name: 'operation.claim',
    });
    return { g, release };
  }

  /** Each request in its own root span (its own trace), as each job's process span is. */
  function inTrace(name: string, fn: () => Promise<string>): { root: Span; done: Promise<string> } {
    const root = trace.getTracer('t').startSpan(name);
    const done = context.with(trace.setSpan(context.active(), root), fn).finally(() => root.end());
    return { root, done };
  }

  const byTrace = (spans: ReadableSpan[], root: Span) =>
    spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId).map((s) => s.name);

  it('gives each request of a batch its span in its own trace, linked to the one the statement ran under', async () => {
    const { g, release } = group();
    // The first goes out alone and holds the way; b, c, d queue behind it and go as one batch.
    const first = inTrace('job a', () => g.submit('a'));
    const rest = ['b', 'c', 'd'].map((r) => inTrace(`job ${r}`, () => g.submit(r)));
    release();
    expect(await first.done).toBe('one:a');
    expect(await Promise.all(rest.map((x) => x.done))).toEqual(['many:b', 'many:c', 'many:d']);
    const spans = exporter.getFinishedSpans();
    expect(byTrace(spans, first.root)).toEqual(['one a', 'job a']);
    const claims = rest.map((x) =>
      spans.find(
        (s) => s.name === 'operation.claim' && s.spanContext().traceId === x.root.spanContext().traceId,
      ),
    );
    for (const [i, c] of claims.entries()) {
      expect(c, `request ${i}`).toBeDefined();
      expect(c?.parentSpanContext?.spanId).toBe(rest[i]?.root.spanContext().spanId);
      expect(c?.attributes).toMatchObject({ 'slipway.batch.size': 3, 'slipway.batch.index': i });
    }
    // The statement is a child of the first request's claim span; the others link to that span.
    const statement = spans.find((s) => s.name === 'many b,c,d');
    expect(statement?.parentSpanContext?.spanId).toBe(claims[0]?.spanContext().spanId);
    expect(claims[1]?.links.map((l) => l.context.spanId)).toEqual([claims[0]?.spanContext().spanId]);
    expect(claims[2]?.links.map((l) => l.context.spanId)).toEqual([claims[0]?.spanContext().spanId]);
  });

  it('marks the batch spans when the batch is rolled back, and each request runs alone in its trace', async () => {
    const { g, release } = group(true);
    const first = inTrace('job a', () => g.submit('a'));
    const rest = ['b', 'c'].map((r) => ({ r, ...inTrace(`job ${r}`, () => g.submit(r)) }));
    release();
    await first.done;
    expect(await Promise.all(rest.map((x) => x.done))).toEqual(['one:b', 'one:c']);
    const spans = exporter.getFinishedSpans();
    for (const x of rest) {
      const names = byTrace(spans, x.root);
      expect(names).toContain('operation.claim');
      expect(names).toContain(`one ${x.r}`);
      const claim = spans.find(
        (s) => s.name === 'operation.claim' && s.spanContext().traceId === x.root.spanContext().traceId,
      );
      expect(claim?.status.message).toMatch(/batch rolled back \(deadlock\); retried alone/);
    }
  });

  it('traceBatch: a span per caller in its own trace; a lazy query (sent when awaited, like postgres.js) runs under the first', async () => {
    const callers = ['x', 'y', 'z'].map((n) => {
      const root = trace.getTracer('t').startSpan(`req ${n}`);
      const run = context.with(trace.setSpan(context.active(), root), () => AsyncLocalStorage.snapshot());
      return { root, run };
    });
    let sentUnder: string | undefined;
    const lazy = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable standing in for postgres.js's lazy query
      then(ok: (v: string) => void) {
        sentUnder = trace.getSpan(context.active())?.spanContext().spanId;
        ok('rows');
      },
    };
    const out = await traceBatch(
      'image.create',
      callers.map((c) => c.run),
      () => lazy as unknown as Promise<string>,
    );
    expect(out).toBe('rows');
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'image.create');
    expect(spans.map((s) => s.parentSpanContext?.spanId)).toEqual(
      callers.map((c) => c.root.spanContext().spanId),
    );
    expect(sentUnder).toBe(spans[0]?.spanContext().spanId);
    expect(spans[2]?.links[0]?.context.spanId).toBe(spans[0]?.spanContext().spanId);
  });

  it("TurnBatcher spans 'shared': one span per batch under the first caller, linking each; a lone request runs in its own context; max splits a turn", async () => {
    const sent: string[][] = [];
    const b = new TurnBatcher<object, string, string>({
      name: 'rate limit check',
      spans: 'shared',
      max: 3,
      one: async (_s, r) => {
        trace.getTracer('db').startSpan(`one ${r}`).end();
        return `one:${r}`;
      },
      many: async (_s, rs) => {
        sent.push(rs);
        trace
          .getTracer('db')
          .startSpan(`many ${rs.join(',')}`)
          .end();
        if (rs.includes('bad')) throw new Error('refused');
        return rs.map((r) => `many:${r}`);
      },
    });
    const scope = {};
    const alone = inTrace('req lone', () => b.submit(scope, 'lone'));
    expect(await alone.done).toBe('one:lone');
    const reqs = ['a', 'b', 'c', 'd'].map((r) => inTrace(`req ${r}`, () => b.submit(scope, r)));
    expect(await Promise.all(reqs.map((x) => x.done))).toEqual(['many:a', 'many:b', 'many:c', 'one:d']);
    expect(sent).toEqual([['a', 'b', 'c']]);
    const spans = exporter.getFinishedSpans();
    const id = (s: Span) => s.spanContext().spanId;
    const find = (name: string) => spans.find((s) => s.name === name);
    // Alone: its call is its own child, no batch span.
    expect(find('one lone')?.parentSpanContext?.spanId).toBe(id(alone.root));
    // A batch: one span under the first, linking all three; the call under it; d went alone.
    const batch = spans.filter((s) => s.name === 'rate limit check');
    expect(batch).toHaveLength(1);
    expect(batch[0]?.parentSpanContext?.spanId).toBe(id(reqs[0]?.root as Span));
    expect(batch[0]?.attributes['slipway.batch.size']).toBe(3);
    expect(batch[0]?.links.map((l) => l.context.spanId)).toEqual(reqs.slice(0, 3).map((x) => id(x.root)));
    expect(find('many a,b,c')?.parentSpanContext?.spanId).toBe(batch[0]?.spanContext().spanId);
    expect(find('one d')?.parentSpanContext?.spanId).toBe(id(reqs[3]?.root as Span));

    // A failed batch: its span marked, each request again alone in its own trace.
    exporter.reset();
    const failing = ['x', 'bad'].map((r) => inTrace(`req ${r}`, () => b.submit(scope, r)));
    expect(await Promise.all(failing.map((x) => x.done))).toEqual(['one:x', 'one:bad']);
    const after = exporter.getFinishedSpans();
    expect(after.find((s) => s.name === 'rate limit check')?.status).toMatchObject({
      code: 2,
      message: 'refused',
    });
    expect(after.find((s) => s.name === 'one bad')?.parentSpanContext?.spanId).toBe(
      id(failing[1]?.root as Span),
    );
  });

  it('captureContext runs a function in the async context it was captured in, as AsyncLocalStorage.snapshot() does', async () => {
    const store = new AsyncLocalStorage<string>();
    const root = trace.getTracer('t').startSpan('req');
    const [captured, snapshot] = store.run('caller', () =>
      context.with(trace.setSpan(context.active(), root), (): [ContextRunner, ContextRunner] => [
        captureContext(),
        AsyncLocalStorage.snapshot(),
      ]),
    );
    const seen = (run: ContextRunner) =>
      store.run('later', () =>
        run(() => ({ store: store.getStore(), span: trace.getSpan(context.active())?.spanContext().spanId })),
      );
    expect(seen(captured)).toEqual({ store: 'caller', span: root.spanContext().spanId });
    expect(seen(captured)).toEqual(seen(snapshot));
    // And across an await: the context of the capture, not of whoever calls it.
    const later = await store.run('other', async () => {
      await Promise.resolve();
      return captured(async () => {
        await new Promise((ok) => setImmediate(ok));
        return store.getStore();
      });
    });
    expect(later).toBe('caller');
    root.end();
  });

  it('makes no span for requests outside any trace, nor for a request that goes out alone', async () => {
    const { g, release } = group();
    const a = g.submit('a');
    const b = g.submit('b');
    const c = g.submit('c');
    release();
    await Promise.all([a, b, c]);
    expect(exporter.getFinishedSpans().filter((s) => s.name === 'operation.claim')).toEqual([]);
  });
});
