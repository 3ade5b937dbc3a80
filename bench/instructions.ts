// `npm run bench:instructions`: machine instructions per request, Slipway's production API bundle
// against the bare server, each under valgrind (callgrind), for the status poll and the create.
//
// Why: on a shared 2-core machine the CPU ms per request of `npm run bench:stack` moves 30-50% from
// one run of the same code to the next (the other agents' work, the host's neighbours), so a 5%
// change cannot be seen. Instructions counted by valgrind do not depend on what else the machine
// runs: the same code under the same requests gives nearly the same count. What they leave out is
// the kernel's share (syscalls) and the cost of cache misses; the wall-clock bench stays the figure
// of record, this one is the A/B for code changes.
//
// How: each server runs as `valgrind --tool=callgrind --instr-atstart=no node <bundle>` (every
// thread counted: V8's GC helpers and compilers too, as /proc's CPU time counts them). A warm-up of
// INSTR_WARMUP requests runs uncounted (V8 tiers the hot code up; its tiering counts executions,
// not time, so every side is as warm as the other; after 3000 requests 40% of a counted poll's
// instructions were still TurboFan compiling, so the default is 10000, about 5 s of the wall-clock
// bench), then `callgrind_control --instr=on` and
// INSTR_REQUESTS requests at INSTR_CONNECTIONS in flight, then a dump: its total over the requests,
// less what V8's optimizing compilers (TurboFan, Maglev) ran in that window, which is warm-up left
// over (after 10000 requests still 10-15% of the count; in the wall-clock runs, ~20 optimizations per
// 5 s once warm) and not the steady-state cost of a request; the share is printed.
// BENCH_AB_API_ENV="KEY=VALUE ..." adds a second Slipway API with those settings ("slipway-b").
// The poll is also counted on the feature floor (bench/stack/floor-server.ts: the bare poll plus the
// features issue 10 keeps on, done the plainest way; INSTR_FLOOR=0 leaves it out), and on one floor
// per word of INSTR_FLOOR_WITHOUT ("tracing log ..."; comma-joined words leave out several), which
// prices each feature: the floor's count less the count without it.
// The load is a keep-alive node:http client: its speed does not matter here, only the server's count.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import postgres from 'postgres';
import { createInfra, freePort } from './infra.ts';
import { buildBundles } from './stack/build.ts';
import { benchServices, envNumber, envPairs } from './stack/env.ts';
import { type Proc, spawnNode, waitHttp } from './stack/procs.ts';
import { copyHttpRows, type HttpTarget, seedHttpUsers } from './stack/seed.ts';
import { otlpSink } from './stack/sink.ts';
import { table } from './stats.ts';

const num = envNumber;
const S = {
  ...benchServices,
  warmup: num('INSTR_WARMUP', 10000),
  requests: num('INSTR_REQUESTS', 3000),
  connections: num('INSTR_CONNECTIONS', 50),
  users: num('INSTR_USERS', 200),
  paths: (process.env.INSTR_PATHS ?? 'poll,create').split(',').filter(Boolean) as Path[],
  abEnv: process.env.BENCH_AB_API_ENV,
  floor: process.env.INSTR_FLOOR !== '0',
  floorWithout: (process.env.INSTR_FLOOR_WITHOUT ?? '').split(/\s+/).filter(Boolean),
};
type Path = 'poll' | 'create';
/** slipway, slipway-b, floor, floor-<features left out>, bare. */
type Side = string;
const isFloor = (side: Side) => side === 'floor' || side.startsWith('floor-');

const root = join(import.meta.dirname, '..');
const t0 = Date.now();
const log = (s: string) =>
  process.stderr.write(`[instr ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${s}\n`);

/** `n` requests, `connections` at a time, round-robin over the targets; the count of non-2xx answers. */
async function drive(base: string, path: Path, targets: HttpTarget[], n: number, side: Side, tag: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: S.connections });
  let next = 0;
  let bad = 0;
  let firstBad = '';
  const one = (i: number) =>
    new Promise<void>((ok, fail) => {
      const t = targets[i % targets.length] as HttpTarget;
      const headers: Record<string, string> = {};
      if (side !== 'bare') headers.authorization = `Bearer ${t.token}`;
      let body: string | undefined;
      if (path === 'create') {
        body = JSON.stringify({ name: `img-${tag}-${i}`, tag: 'v1', repository: 'bench.local/app' });
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(body));
        if (side !== 'bare') headers['idempotency-key'] = `${tag}-${i}`;
      }
      const req = request(
        `${base}${path === 'poll' ? `/api/deployments/${t.deployment}` : '/api/container-images'}`,
        { method: path === 'poll' ? 'GET' : 'POST', agent, headers },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) {
              bad++;
              firstBad ||= `${res.statusCode} ${Buffer.concat(parts).toString().slice(0, 200)}`;
            }
            ok();
          });
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: S.connections }, async () => {
      while (next < n) await one(next++);
    }),
  );
  agent.destroy();
  if (bad) log(`${side} ${path}: ${bad} of ${n} answers not 2xx (first: ${firstBad})`);
  return bad;
}

function callgrind(p: Proc, ...args: string[]) {
  execFileSync('callgrind_control', [...args, String(p.child.pid)], { stdio: 'ignore' });
}

/**
 * The share of a dump's instructions spent in V8's optimizing compilers (TurboFan, Maglev): code
 * still being tiered up, so the warm-up was too short for a steady-state figure.
 */
function compilerShare(file: string): number {
  const out = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  let total = 0;
  let compiler = 0;
  for (const line of out.split('\n')) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!m || m[2]?.includes('PROGRAM TOTALS')) continue;
    const n = Number(m[1]?.replaceAll(',', ''));
    total += n;
    if (/v8::internal::(compiler|maglev)::/.test(m[2] ?? '')) compiler += n;
  }
  return total ? compiler / total : Number.NaN;
}

/** The `summary:` Ir of the newest dump (`<name>.<pid>.<n>`: callgrind numbers each dump). */
function lastDump(dir: string, name: string): { ir: number; compiler: number } {
  let best = '';
  let bestN = -1;
  for (const f of readdirSync(dir)) {
    const m = new RegExp(`^${name}\\.\\d+\\.(\\d+)$`).exec(f);
    if (m && Number(m[1]) > bestN) {
      bestN = Number(m[1]);
      best = join(dir, f);
    }
  }
  if (!best) throw new Error(`no callgrind dump of ${name} in ${dir}`);
  const m = /^summary:\s+(\d+)/m.exec(readFileSync(best, 'utf8'));
  if (!m) throw new Error(`no summary in ${best}`);
  return { ir: Number(m[1]), compiler: compilerShare(best) };
}

/** The floor's poll against bare and Slipway, and what each left-out feature saved. */
function floorLines(ir: Record<string, number>, errors: Record<string, number>): string[] {
  const M = (n: number | undefined) => ((n ?? Number.NaN) / 1e6).toFixed(3);
  const out = [''];
  for (const path of S.paths) {
    const f = ir[`${path}/floor`];
    if (f === undefined) continue;
    const bare = ir[`${path}/bare`] ?? Number.NaN;
    const slip = ir[`${path}/slipway`] ?? Number.NaN;
    out.push(
      `Feature floor, ${path} (bench/stack/floor-server.ts): ${M(f)} M instructions/request, ${(f / bare).toFixed(2)}x bare; Slipway ${(slip / f).toFixed(2)}x the floor (errors ${errors[`${path}/floor`] ?? 0}).`,
    );
  }
  const floor = ir['poll/floor'];
  if (floor === undefined) return out.length > 1 ? [...out, ''] : [];
  const bare = ir['poll/bare'] ?? Number.NaN;
  for (const w of S.floorWithout) {
    const v = ir[`poll/floor-${w}`];
    const saved = floor - (v ?? Number.NaN);
    out.push(
      `- without ${w}: ${M(v)} M (${((v ?? Number.NaN) / bare).toFixed(2)}x bare): ${w} costs ${M(saved)} M per poll, ${((100 * saved) / floor).toFixed(0)}% of the floor (errors ${errors[`poll/floor-${w}`] ?? 0}).`,
    );
  }
  return [...out, ''];
}

async function main() {
  execFileSync('sh', ['-c', 'command -v valgrind && command -v callgrind_control'], { stdio: 'ignore' });
  // Inside the repository, so the bundle's npm imports resolve from its node_modules.
  execFileSync('mkdir', ['-p', join(root, '.data/bench')]);
  const work = mkdtempSync(join(root, '.data/bench/instr-'));
  const cgDir = join(work, 'callgrind');
  const infra = await createInfra(S.databaseUrl, S.redisUrl);
  const procs: Proc[] = [];
  const sink = await otlpSink();
  try {
    const bundles = await buildBundles(join(work, 'build'), process.env.BENCH_BUILD);
    const secret = randomBytes(32).toString('hex');
    const dbUrl = await infra.clone('instr');
    const under = (name: string) => [
      'valgrind',
      '--tool=callgrind',
      '--smc-check=all-non-file',
      '--instr-atstart=no',
      `--callgrind-out-file=${cgDir}/${name}.%p`,
    ];
    execFileSync('mkdir', ['-p', cgDir]);
    const startApi = async (name: string, more: Record<string, string>) => {
      const port = await freePort();
      const p = spawnNode({
        name,
        script: bundles.api,
        logDir: join(work, 'logs'),
        wrapper: under(name),
        env: {
          NODE_ENV: 'production',
          DATABASE_URL: dbUrl,
          REDIS_URL: S.redisUrl,
          PORT: String(port),
          JWT_SECRET: secret,
          ADMIN_EMAIL: 'admin@bench.local',
          ADMIN_PASSWORD: 'bench-admin-password',
          DRIVER: 'sandbox',
          LOG_LEVEL: 'info',
          QUEUE_PREFIX: `${infra.prefix}_${name}`,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          OTEL_SERVICE_NAME: 'slipway-api-instr',
          NODE_OPTIONS: bundles.nodeOptions.api,
          ...more,
        },
      });
      procs.push(p);
      await waitHttp(p, `http://127.0.0.1:${port}/readyz`, 300_000);
      return { p, url: `http://127.0.0.1:${port}` };
    };
    log('starting the API under valgrind (slow)');
    const sides: { side: Side; p: Proc; url: string; name: string }[] = [];
    const a = await startApi('api', {});
    sides.push({ side: 'slipway', ...a, name: 'api' });
    if (S.abEnv !== undefined) {
      const b = await startApi('api-b', envPairs(S.abEnv));
      sides.push({ side: 'slipway-b', ...b, name: 'api-b' });
    }
    const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
    const targets = await seedHttpUsers(sql, S.users, secret);
    const bareDb = await infra.clone('instrbare');
    const bsql = postgres(bareDb, { max: 1, onnotice: () => {} });
    await copyHttpRows(sql, bsql);
    await Promise.all([bsql.end(), sql.end()]);
    const barePort = await freePort();
    const bare = spawnNode({
      name: 'bare',
      script: join(root, 'bench/stack/bare-server.ts'),
      logDir: join(work, 'logs'),
      wrapper: under('bare'),
      env: {
        BARE_DATABASE_URL: bareDb,
        BARE_REDIS_URL: S.redisUrl,
        BARE_PREFIX: `${infra.prefix}_bare`,
        BARE_PORT: String(barePort),
        BARE_POOL: '10',
      },
    });
    procs.push(bare);
    await waitHttp(bare, `http://127.0.0.1:${barePort}/healthz`, 300_000);
    sides.push({ side: 'bare', p: bare, url: `http://127.0.0.1:${barePort}`, name: 'bare' });
    for (const w of S.floor ? ['', ...(S.paths.includes('poll') ? S.floorWithout : [])] : []) {
      const side = w ? `floor-${w}` : 'floor';
      const port = await freePort();
      const p = spawnNode({
        name: side,
        script: join(root, 'bench/stack/floor-server.ts'),
        logDir: join(work, 'logs'),
        wrapper: under(side),
        env: {
          FLOOR_DATABASE_URL: bareDb,
          FLOOR_REDIS_URL: S.redisUrl,
          FLOOR_PREFIX: `${infra.prefix}_${side}`,
          FLOOR_PORT: String(port),
          FLOOR_POOL: '10',
          FLOOR_SECRET: secret,
          FLOOR_WITHOUT: w,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          // The runtime flags Slipway's API runs with (AsyncLocalStorage on the context frame).
          NODE_OPTIONS: bundles.nodeOptions.api,
        },
      });
      procs.push(p);
      await waitHttp(p, `http://127.0.0.1:${port}/healthz`, 300_000);
      sides.push({ side, p, url: `http://127.0.0.1:${port}`, name: side });
    }
    log(`${S.users} users; ${S.warmup} warm-up + ${S.requests} counted requests per path and side`);

    const ir: Record<string, number> = {};
    const errors: Record<string, number> = {};
    const compiling: Record<string, number> = {};
    for (const path of S.paths) {
      for (const s of sides) {
        // The priced floors count the poll only; the whole floor both paths.
        if (isFloor(s.side) && s.side !== 'floor' && path !== 'poll') continue;
        await drive(s.url, path, targets, S.warmup, s.side, `w${path}${s.side}`);
        callgrind(s.p, '--instr=on');
        callgrind(s.p, '--zero');
        const started = Date.now();
        errors[`${path}/${s.side}`] = await drive(
          s.url,
          path,
          targets,
          S.requests,
          s.side,
          `m${path}${s.side}`,
        );
        callgrind(s.p, '--dump');
        callgrind(s.p, '--instr=off');
        const dump = lastDump(cgDir, s.name);
        // Steady state: what V8's optimizing compilers did in the window is warm-up left over.
        const perReq = (dump.ir * (1 - dump.compiler)) / S.requests;
        ir[`${path}/${s.side}`] = perReq;
        compiling[`${path}/${s.side}`] = dump.compiler;
        log(
          `${path} ${s.side}: ${(perReq / 1e6).toFixed(3)} M instructions/request without compiling (${(dump.ir / S.requests / 1e6).toFixed(3)} M with it: ${(100 * dump.compiler).toFixed(1)}% compiling) (${((Date.now() - started) / 1000).toFixed(0)} s counted)`,
        );
      }
    }
    const tableSides = sides.filter((s) => !isFloor(s.side)); // the table's columns; the floors get lines of their own
    const rows = S.paths.map((path) => {
      const bareIr = ir[`${path}/bare`] ?? Number.NaN;
      const row = [path, ((ir[`${path}/slipway`] ?? 0) / 1e6).toFixed(3)];
      if (S.abEnv !== undefined) row.push(((ir[`${path}/slipway-b`] ?? 0) / 1e6).toFixed(3));
      row.push(
        (bareIr / 1e6).toFixed(3),
        ((ir[`${path}/slipway`] ?? 0) / bareIr).toFixed(2),
        ...(S.abEnv !== undefined
          ? [((ir[`${path}/slipway-b`] ?? 0) / (ir[`${path}/slipway`] ?? 1)).toFixed(3)]
          : []),
        tableSides.map((s) => `${(100 * (compiling[`${path}/${s.side}`] ?? 0)).toFixed(0)}%`).join('/'),
        tableSides.map((s) => errors[`${path}/${s.side}`] ?? 0).join('/'),
      );
      return row;
    });
    const head = ['path', 'Slipway M instr/req (no compiling)'];
    if (S.abEnv !== undefined) head.push(`B (${S.abEnv}) M instr/req`);
    head.push(
      'bare M instr/req',
      'Slipway / bare',
      ...(S.abEnv !== undefined ? ['B / A'] : []),
      `compiling ${tableSides.map((s) => s.side).join('/')}`,
      'errors',
    );
    let commit = '';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    } catch {}
    process.stdout.write(
      `## npm run bench:instructions (${new Date().toISOString().slice(0, 16)}Z, commit ${commit})\n\n` +
        `valgrind callgrind, all threads; ${S.warmup} warm-up + ${S.requests} counted requests per path and side, ${S.connections} in flight; ${bundles.how}\n\n` +
        `${table(head, rows)}\n${floorLines(ir, errors).join('\n')}`,
    );
  } finally {
    await Promise.all(procs.map((p) => p.stop(20_000)));
    sink.server.close();
    const problems = await infra.cleanup();
    for (const p of problems) log(p);
    if (process.env.BENCH_KEEP_LOGS !== '1') rmSync(work, { recursive: true, force: true });
    else log(`logs and dumps kept in ${work}`);
  }
}

await main();
