import { describe, expect, it } from 'vitest';
import { describeLogCause, readLogs } from './logs.ts';

describe('readLogs', () => {
  it.each([
    [['Error: connect ECONNREFUSED 10.96.0.20:5432'], 'connection-refused', /10\.96\.0\.20:5432/],
    [
      ['psycopg2.OperationalError: could not connect to server: Connection refused'],
      'connection-refused',
      /connection refused/,
    ],
    [
      ['Error: getaddrinfo ENOTFOUND redis.cache.svc.cluster.local'],
      'dns',
      /redis\.cache\.svc\.cluster\.local/,
    ],
    [
      ['dial tcp: lookup db.default.svc.cluster.local: no such host'],
      'dns',
      /db\.default\.svc\.cluster\.local/,
    ],
    [["Error: EACCES: permission denied, open '/data/app.db'"], 'permission-denied', /\/data\/app\.db/],
    [['Error: listen EADDRINUSE: address already in use :::8080'], 'address-in-use', /port 8080/],
    [
      [
        'Traceback (most recent call last):',
        '  File "x.py", line 1',
        "ModuleNotFoundError: No module named 'flask'",
      ],
      'traceback',
      /ModuleNotFoundError/,
    ],
    [
      ['panic: runtime error: index out of range [3] with length 3', 'goroutine 1 [running]:'],
      'panic',
      /index out of range/,
    ],
  ] as const)('%j -> %s', (lines, kind, says) => {
    const r = readLogs([...lines]);
    expect(r?.cause.kind).toBe(kind);
    expect(r ? describeLogCause(r.cause) : '').toMatch(says);
    expect(r?.lines.length).toBeGreaterThan(0);
  });

  it('finds nothing in ordinary output', () => {
    expect(readLogs(['listening on :8080', 'GET / 200'])).toBeNull();
  });
});
