import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { envPairs } from './env.ts';
import { spawnNode } from './procs.ts';
import { frameNamer, moduleBucket, moduleMap, summarize, summarizeHeap } from './profile.ts';

const dir = mkdtempSync(join(tmpdir(), 'slipway-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The shape of an esbuild bundle: a `// path` comment where each module starts.
const bundle = [
  'import x from "y";', // 0
  '// node_modules/hono/dist/compose.js', // 1
  'function compose() {}', // 2
  '// ../../node_modules/@opentelemetry/sdk-trace/dist/Span.mjs', // 3
  'class SpanImpl {}', // 4
  '// packages/telemetry/src/logger.ts', // 5
  '// a comment that names no module', // 6
  'function requestLineWriter() {}', // 7
  '// apps/api/src/middleware/observe.ts', // 8
  'function observe() {}', // 9
].join('\n');
const url = 'file:///work/x/.data/bench/run-1/build/api/main.js';
const frame = (functionName: string, lineNumber: number, u = url) => ({ functionName, url: u, lineNumber });

describe('profile summaries', () => {
  it('puts a bundle frame in the module its line is in', () => {
    const map = moduleMap(bundle);
    expect(map.map(([line]) => line)).toEqual([1, 3, 5, 8]);
    const name = frameNamer({ api: map });
    expect(name(frame('compose', 2)).bucket).toBe('hono');
    expect(name(frame('SpanImpl', 4)).bucket).toBe('@opentelemetry/sdk-trace');
    expect(name(frame('requestLineWriter', 7))).toEqual({
      fn: 'requestLineWriter packages/telemetry/src/logger.ts:8',
      bucket: 'slipway packages/telemetry',
    });
    expect(name(frame('observe', 9)).bucket).toBe('slipway apps/api');
    // No bundle copy: the old bucket; files outside bundles by their own path.
    expect(frameNamer()(frame('observe', 9)).bucket).toBe('slipway (bundle)');
    expect(name(frame('write', 3, 'file:///x/node_modules/sonic-boom/index.js')).bucket).toBe('sonic-boom');
    expect(name(frame('emit', 3, 'node:events')).bucket).toBe('node internals');
    const bare = pathToFileURL(join(import.meta.dirname, 'bare-server.ts')).href;
    expect(name(frame('poll', 3, bare)).bucket).toBe('bench/stack/bare-server.ts');
    expect(moduleBucket('node_modules/@hono/node-server/dist/index.mjs')).toBe('@hono/node-server');
  });

  it('sums a CPU profile by bucket and an allocation profile by function', () => {
    const name = frameNamer({ api: moduleMap(bundle) });
    const cpu = summarize(
      {
        nodes: [
          { id: 1, callFrame: frame('(idle)', 0, '') },
          { id: 2, callFrame: frame('compose', 2) },
          { id: 3, callFrame: frame('observe', 9) },
        ],
        samples: [1, 2, 2, 3],
        timeDeltas: [1e6, 1e6, 1e6, 1e6],
      },
      5,
      name,
    );
    expect(cpu).toContain('total 4.0 s sampled, busy 3.0 s');
    expect(cpu).toMatch(/50\.0% {2}hono/);
    const heap = summarizeHeap(
      {
        head: {
          callFrame: frame('(root)', 0, ''),
          selfSize: 0,
          children: [
            { callFrame: frame('SpanImpl', 4), selfSize: 3 << 20, children: [] },
            {
              callFrame: frame('observe', 9),
              selfSize: 1 << 20,
              children: [{ callFrame: frame('SpanImpl', 4), selfSize: 4 << 20, children: [] }],
            },
          ],
        },
      },
      5,
      name,
    );
    expect(heap).toContain('8.0 MB allocated');
    expect(heap).toMatch(/87\.5% {2}@opentelemetry\/sdk-trace/);
    expect(heap).toMatch(/87\.5% {2}SpanImpl node_modules\/@opentelemetry\/sdk-trace\/dist\/Span\.mjs:5/);
  });

  it('samples a real child process over the inspector, collected garbage included', async () => {
    const script = join(dir, 'allocates.mjs');
    // Everything it allocates is garbage at once: `node --heap-prof` would keep none of it.
    writeFileSync(
      script,
      `let kept = null;
       function makeGarbage() { const a = []; for (let i = 0; i < 5000; i++) a.push({ i, s: 'x' + i }); kept = a; }
       setInterval(makeGarbage, 2);`,
    );
    const p = spawnNode({ name: 'allocates', script, env: {}, logDir: dir, heapProfDir: dir });
    await new Promise((r) => setTimeout(r, 1500));
    await p.stop(5000);
    const profile = JSON.parse(readFileSync(join(dir, 'allocates.heapprofile'), 'utf8'));
    const text = summarizeHeap(profile, 5);
    // Far more than ever lives at once (one array of 5000 small objects, ~0.3 MB): the collected ones count.
    expect(Number(/^([\d.]+) MB allocated/.exec(text)?.[1])).toBeGreaterThan(20);
    const top = /top 5 functions \(bytes allocated\):\n\s*([\d.]+)% {2}(\S+)/.exec(text);
    expect(top?.[2]).toBe('makeGarbage');
    expect(Number(top?.[1])).toBeGreaterThan(50);
  });
});

describe('envPairs', () => {
  it('reads KEY=VALUE pairs, a quoted value with its spaces', () => {
    expect(envPairs(`A=1 NODE_OPTIONS='--x --y=2'  B="q r" C= D=a=b`)).toEqual({
      A: '1',
      NODE_OPTIONS: '--x --y=2',
      B: 'q r',
      C: '',
      D: 'a=b',
    });
    expect(envPairs('')).toEqual({});
  });
});
