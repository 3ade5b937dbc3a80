// Browser-test support: a real API and worker (sandbox driver) over a private database and queue
// prefix, the console built by Vite into apps/console/dist and served by that API, and Debian's
// chromium driven by playwright-core (never a downloaded browser build).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack as startTestStack, type Stack as TestStack } from '@slipway/testing';
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

export type Stack = Omit<TestStack, 'stop'> & { close(): Promise<void> };

/** @slipway/testing's stack (API + one worker, sandbox) serving the console built into `consoleDir`. */
export async function startStack(o: { consoleDir?: string } = {}): Promise<Stack> {
  const stack = await startTestStack({
    admin: { email: 'root@console.test', password: 'console-admin-password' },
    workers: ['console-worker'],
    env: { SANDBOX_TIME_SCALE: '0.05', ...(o.consoleDir ? { CONSOLE_DIR: o.consoleDir } : {}) },
  });
  return {
    ...stack,
    async close() {
      await stack.stop();
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
