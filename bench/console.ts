// The console's numbers: its JavaScript and CSS as shipped (gzip -9 of the Vite build), and the time
// from navigation to the clusters list rendered with 100 clusters, in Debian's chromium against a real
// API (in-process, sandbox driver). Targets (printed, never asserted): under 250 kB gzip, under 1 s.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { startBenchApi } from './infra.ts';
import { type Summary, summarize } from './stats.ts';

const root = join(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';

export type ConsoleRow = {
  jsBytes: number;
  jsGzip: number;
  cssGzip: number;
  /** ms from navigation start to 100 rows in the table; null without chromium. */
  firstLoadMs: number | null;
  reload: Summary | null;
  note?: string;
};

export async function runConsoleBench(o: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  reloads: number;
  log: (l: string) => void;
}): Promise<ConsoleRow> {
  await build({ configFile: join(root, 'apps', 'console', 'vite.config.ts'), logLevel: 'error' });
  const assets = join(root, 'apps', 'console', 'dist', 'assets');
  let jsBytes = 0;
  let jsGzip = 0;
  let cssGzip = 0;
  for (const f of readdirSync(assets)) {
    const data = readFileSync(join(assets, f));
    if (f.endsWith('.js')) {
      jsBytes += data.length;
      jsGzip += gzipSync(data, { level: 9 }).length;
    } else if (f.endsWith('.css')) cssGzip += gzipSync(data, { level: 9 }).length;
  }
  o.log(`console: ${(jsGzip / 1024).toFixed(1)} KiB gzip JS (${(jsBytes / 1024).toFixed(0)} KiB raw)`);
  if (!existsSync(CHROMIUM))
    return {
      jsBytes,
      jsGzip,
      cssGzip,
      firstLoadMs: null,
      reload: null,
      note: `${CHROMIUM} absent: no timing`,
    };

  const { api, base, admin } = await startBenchApi({ ...o, adminEmail: 'admin@console-bench.local' });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const post = async (path: string, body: unknown, token?: string) => {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as Record<string, unknown>;
    };
    const adminToken = String((await post('/api/auth/login', admin)).access_token);
    const user = { email: 'ops@console-bench.local', password: randomBytes(12).toString('hex') };
    const created = await post('/api/users', { ...user, role: 'operator', tier: 'premium' }, adminToken);
    const token = String((await post('/api/auth/login', user)).access_token);
    // 100 kubeconfig clusters: recorded as running at once, no worker needed.
    // Each names a context an admin assigned to the user (the kubeconfig-context allowlist).
    for (let i = 0; i < 100; i++) {
      const name = `bench-${String(i).padStart(3, '0')}`;
      await post('/api/kube-contexts', { context: name, owner_id: String(created.id) }, adminToken);
      await post(
        '/api/minikube-clusters',
        {
          name,
          cpus: 2,
          memory: 2048,
          disk_size: 20480,
          kubernetes_version: 'v1.28.0',
          kind: 'kubeconfig',
          kube_context: name,
        },
        token,
      );
    }
    const page = await browser.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
    // Navigation start (performance.timeOrigin) to the 100th row in the DOM: the page load, the cookie
    // refresh, /api/users/me, the list request and React's render.
    // An init script (the DevTools protocol's, outside the page's CSP) notes the moment the 100th row
    // enters the DOM, so the figure does not include the test driver's own polling.
    await page.addInitScript(`
      new MutationObserver((_, obs) => {
        if (document.querySelectorAll('table.list tbody tr').length >= 100) {
          window.__rendered = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    `);
    const measure = async () => {
      await page.goto(`${base}/clusters?per_page=100`);
      await page.locator('table.list tbody tr').nth(99).waitFor({ timeout: 30_000 });
      return Number(await page.evaluate('window.__rendered'));
    };
    const firstLoadMs = await measure();
    const times: number[] = [];
    for (let i = 0; i < o.reloads; i++) times.push(await measure());
    o.log(
      `console: 100 clusters rendered ${firstLoadMs.toFixed(0)} ms after navigation (first), p50 ${summarize(times).p50.toFixed(0)} ms`,
    );
    return { jsBytes, jsGzip, cssGzip, firstLoadMs, reload: summarize(times) };
  } finally {
    await browser.close();
    await api.stop();
  }
}
