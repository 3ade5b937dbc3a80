// Browser-test support: a real API and worker (sandbox driver) over a private database and queue
// prefix, the console built by Vite into apps/console/dist and served by that API, and Debian's
// chromium driven by playwright-core (never a downloaded browser build).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase, testPrefix, testRedisUrl } from '@slipway/testing';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');
export const screenshotsDir = join(repoRoot, '.data', 'screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * Builds the console (what `npm run build` does) into a private folder, returned; startStack's API
 * serves it from there (CONSOLE_DIR), so a build next door cannot empty it mid-test.
 */
export async function buildConsole(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'slipway-console-'));
  await build({
    configFile: join(repoRoot, 'apps', 'console', 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

export type Stack = {
  base: string;
  db: TestDatabase;
  admin: { email: string; password: string };
  output: string[];
  /** Stops the API and starts it again with `env` changes (e.g. a new JWT_SECRET). */
  restartApi(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
};

export async function startStack(o: { consoleDir?: string } = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const admin = { email: 'root@console.test', password: 'console-admin-password' };
  const output: string[] = [];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: testPrefix(),
    PORT: String(port),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    DRIVER: 'sandbox',
    LOG_LEVEL: 'warn',
    SANDBOX_TIME_SCALE: '0.05',
    AI_SYNC_TIMEOUT_MS: '20000',
    RECONCILE_INTERVAL_MS: '500',
    ...(o.consoleDir ? { CONSOLE_DIR: o.consoleDir } : {}),
  };
  const procs = new Map<string, ChildProcess>();
  const start = (name: string, entry: string, extra: Record<string, string> = {}) => {
    const p = spawn(process.execPath, [join(repoRoot, entry)], {
      env: { ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [p.stdout, p.stderr])
      s?.on('data', (d: Buffer) => output.push(`[${name}] ${d.toString().trim()}`));
    procs.set(name, p);
  };
  const stop = (p: ChildProcess) =>
    new Promise<void>((ok) => {
      if (p.exitCode !== null || p.signalCode !== null) return ok();
      p.once('exit', () => ok());
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 10_000).unref();
    });
  const ready = async () => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const ok = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`API never became ready:\n${output.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  start('api', 'apps/api/src/main.ts');
  start('worker', 'apps/worker/src/main.ts', { WORKER_ID: 'console-worker' });
  await ready();
  return {
    base,
    db,
    admin,
    output,
    async restartApi(extra = {}) {
      const api = procs.get('api');
      if (api) await stop(api);
      Object.assign(env, extra);
      start('api', 'apps/api/src/main.ts');
      await ready();
    },
    async close() {
      await Promise.all([...procs.values()].map(stop));
      await db.drop();
      if (o.consoleDir) rmSync(o.consoleDir, { recursive: true, force: true });
    },
  };
}

export type Browser = {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
  cspViolations: string[];
  pageErrors: string[];
  /** API requests the page made, by method and path (ids folded), for the suite's summary. */
  apiRequests: Map<string, number>;
};

/** A fresh chromium profile (its own --user-data-dir), one page, CSP violations collected. */
export async function openBrowser(): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    else if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const apiRequests = new Map<string, number>();
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!u.pathname.startsWith('/api/')) return;
    const key = `${r.method()} ${u.pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id')}`;
    apiRequests.set(key, (apiRequests.get(key) ?? 0) + 1);
  });
  return {
    context,
    page,
    cspViolations,
    pageErrors,
    apiRequests,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export type AxeViolation = {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
};

/** axe-core evaluated in the page (through the DevTools protocol, so the page's CSP is untouched). */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: AxeViolation[];
  };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
}
