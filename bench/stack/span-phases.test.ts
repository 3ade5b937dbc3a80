import { describe, expect, it } from 'vitest';
import { phases, readSpans, report } from './span-phases.ts';

const ns = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);
const span = (
  spanId: string,
  parentSpanId: string,
  name: string,
  kind: number,
  start: number,
  end: number,
) => ({
  traceId: 't',
  spanId,
  parentSpanId,
  name,
  kind,
  startTimeUnixNano: ns(start),
  endTimeUnixNano: ns(end),
});

/** One OTLP/JSON export body as the sink appends it: one resource, one scope, these spans. */
const exportBody = (...spans: ReturnType<typeof span>[]) =>
  JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });

describe('span-phases', () => {
  it('times each child of a SERVER or CONSUMER span and the waits between them, by name path', () => {
    // Two export bodies, as the sink appends them: a job (CONSUMER) whose claim waited 2 ms, a
    // build with two overlapping statements inside, and a request (SERVER) with one query.
    const lines = [
      exportBody(
        span('job', '', 'process images', 5, 0, 20),
        span('claim', 'job', 'operation.claim', 1, 2, 6),
        span('build', 'job', 'operation image.build', 1, 7, 19),
        span('q1', 'build', 'db.query BEGIN', 3, 8, 10),
        span('q2', 'build', 'db.query COMMIT', 3, 9, 12),
      ),
      exportBody(span('req', '', 'GET /x', 2, 100, 103), span('q', 'req', 'db.query SELECT', 3, 101, 102)),
      '',
    ];
    const byPhase = phases(readSpans(lines.join('\n')));
    expect(Object.fromEntries(byPhase)).toEqual({
      'process images': [20],
      'process images > wait before operation.claim': [2],
      'process images > operation.claim': [4],
      'process images > wait before operation image.build': [1],
      'process images > operation image.build': [12],
      'process images > operation image.build > wait before db.query BEGIN': [1],
      'process images > operation image.build > db.query BEGIN': [2],
      // Pipelined: it started before the one ahead ended, so it waited nothing.
      'process images > operation image.build > wait before db.query COMMIT': [0],
      'process images > operation image.build > db.query COMMIT': [3],
      'process images > operation image.build > wait to the end': [7],
      'process images > wait to the end': [1],
      'GET /x': [3],
      'GET /x > wait before db.query SELECT': [1],
      'GET /x > db.query SELECT': [1],
      'GET /x > wait to the end': [1],
    });
    // depth 1: the job's own children only.
    expect([...phases(readSpans(lines.join('\n')), 1).keys()].some((k) => k.includes('db.query BEGIN'))).toBe(
      false,
    );
    const text = report(byPhase);
    expect(text.split('\n')[0]).toMatch(/^phase\s+n\s+mean ms\s+p50 ms\s+p90 ms$/);
    expect(text).toMatch(/process images > operation.claim\s+1\s+4\.00\s+4\.00\s+4\.00/);
  });
});
