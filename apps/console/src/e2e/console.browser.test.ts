// The console in a real browser (Debian's chromium through playwright-core) against a real API and
// worker (sandbox driver): every scenario of the console issue, a screenshot of each page under
// .data/screenshots/, and axe-core on every page (no serious or critical violations).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  axe,
  type Browser,
  buildConsole,
  hasChromium,
  openBrowser,
  type Stack,
  screenshot,
  startStack,
} from './harness.ts';

if (!hasChromium)
  console.warn(
    'console browser tests skipped: /usr/bin/chromium is absent (apt-get install -y chromium; CI installs it)',
  );

const OPERATOR = { email: 'ops@console.test', password: 'operator-password-1' };
const VIEWER = { email: 'viewer@console.test', password: 'viewer-password-1' };
const WAIT = { timeout: 30_000 };

describe.skipIf(!hasChromium)(
  'console in chromium',
  () => {
    let stack: Stack;
    let b: Browser;
    let page: Page;
    let clusterUrl = '';
    const checked = new Map<string, number>();

    /** Screenshot + accessibility check of the page as it is now. */
    async function look(name: string) {
      await screenshot(page, name);
      const violations = await axe(page);
      checked.set(name, violations.length);
      expect(
        violations.map(
          (v) => `${v.id} (${v.impact}): ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`,
        ),
        name,
      ).toEqual([]);
    }

    async function signIn(p: Page, who: { email: string; password: string }) {
      await p.getByLabel('Email', { exact: true }).fill(who.email);
      await p.getByLabel('Password', { exact: true }).fill(who.password);
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    }

    beforeAll(async () => {
      stack = await startStack({ consoleDir: await buildConsole() });
      // The admin creates the operator and the viewer through the API.
      const login = await fetch(`${stack.base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(stack.admin),
      }).then((r) => r.json() as Promise<{ access_token: string }>);
      for (const [u, role] of [
        [OPERATOR, 'operator'],
        [VIEWER, 'viewer'],
      ] as const) {
        const r = await fetch(`${stack.base}/api/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${login.access_token}` },
          // The operator is premium (500 requests/min): this suite clicks through in a minute what a
          // person does in ten, past the standard 100/min (the request counts print at the end).
          body: JSON.stringify({ ...u, role, tier: role === 'operator' ? 'premium' : 'standard' }),
        });
        expect(r.status).toBe(201);
      }
      b = await openBrowser();
      page = b.page;
    }, 180_000);

    // A failed step leaves a picture of what the browser showed, and the page's errors.
    afterEach(async (ctx) => {
      if (ctx.task.result?.state !== 'fail' || !page) return;
      await screenshot(page, `failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(
        () => {},
      );
      console.log(`page errors: ${JSON.stringify(b.pageErrors)}\n${stack.output.slice(-20).join('\n')}`);
    });

    afterAll(async () => {
      if (b) {
        const rows = [...b.apiRequests].sort((x, y) => y[1] - x[1]);
        const total = rows.reduce((a, [, n]) => a + n, 0);
        console.log(
          `API requests by the operator's page: ${total}\n${rows.map(([k, n]) => `${n}\t${k}`).join('\n')}`,
        );
      }
      await b?.close();
      await stack?.close();
    });

    it('serves the console at / with a strict CSP and the standard headers', async () => {
      const r = await fetch(`${stack.base}/clusters`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('api-version')).toBe('1.0.0');
      const html = await r.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      const unknown = await fetch(`${stack.base}/no/such/route`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toBe('application/json');
    });

    it('signs in with email and password; the refresh token is out of script reach', async () => {
      await page.goto(`${stack.base}/`);
      await expect.poll(() => page.url()).toContain('/login');
      await page.getByRole('heading', { name: 'Sign in to Slipway' }).waitFor();
      await look('01-sign-in');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByText('must not be empty').first().waitFor();
      await signIn(page, OPERATOR);
      await page.getByRole('heading', { name: 'Clusters' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/clusters');
      expect(await page.evaluate(() => document.cookie)).toBe('');
      const cookies = await b.context.cookies();
      const refresh = cookies.find((c) => c.name === 'slipway_refresh');
      expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth' });
      expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).toBe(
        '{}{}',
      );
      await page.getByText('No clusters yet').waitFor();
      await look('02-clusters-empty');
    });

    it('navigation names every page', async () => {
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const name of ['Images', 'Helm charts', 'Clusters', 'Deployments', 'Services', 'Operations'])
        await expect(nav.getByRole('link', { name, exact: true }).count()).resolves.toBe(1);
      // Users and Queues are for admins only.
      await expect(nav.getByRole('link', { name: 'Users' }).count()).resolves.toBe(0);
      await expect(nav.getByRole('link', { name: 'Queues' }).count()).resolves.toBe(0);
    });

    it('creates a cluster (browser-side validation first), starts it and sees running without a reload', async () => {
      await page.getByRole('button', { name: 'New cluster', exact: true }).click();
      await page.getByRole('heading', { name: 'New cluster' }).waitFor();
      await look('03-new-cluster');
      // The contract's schema refuses these before anything is sent.
      await page.getByLabel('Name', { exact: true }).fill('bad name!');
      await page.getByLabel('CPUs', { exact: true }).fill('0');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByText('must be letters, digits').waitFor();
      expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('CPUs', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      await look('04-new-cluster-invalid');
      await page.getByLabel('Name', { exact: true }).fill('web-dev');
      await page.getByLabel('CPUs', { exact: true }).fill('2');
      await page.getByLabel('Memory (MiB)', { exact: true }).fill('4096');
      await page.getByLabel('Disk size (MiB)', { exact: true }).fill('20480');
      await page.getByLabel('Kubernetes version', { exact: true }).fill('v1.28.0');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'web-dev' }).waitFor();
      clusterUrl = page.url();
      await page.locator('.page-head .badge', { hasText: 'stopped' }).waitFor();
      // Marks this document: a reload would lose the mark.
      await page.evaluate(() => {
        (window as unknown as { mark: number }).mark = 42;
      });
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      await page.locator('.page-head .badge', { hasText: 'running' }).waitFor(WAIT);
      expect(await page.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(42);
      await page
        .getByRole('list', { name: 'cluster.start events' })
        .getByText('running')
        .first()
        .waitFor(WAIT);
      await look('05-cluster-running');
      // The list updates live too.
      await page.getByRole('link', { name: 'Clusters', exact: true }).click();
      await page.getByRole('table', { name: 'Clusters' }).getByText('running').waitFor();
      await look('06-clusters-list');
    });

    it('creates a deployment on it, scales it and sees the replicas change', async () => {
      await page.getByRole('link', { name: 'Deployments', exact: true }).click();
      await page.getByText('No deployments yet').waitFor();
      await look('07-deployments-empty');
      await page.getByRole('button', { name: 'New deployment', exact: true }).click();
      await page.getByLabel('Name', { exact: true }).fill('web');
      await page.getByLabel('Replicas', { exact: true }).fill('1');
      await page.getByLabel('Image', { exact: true }).fill('acme/web:1');
      await page.getByLabel('Container port', { exact: true }).fill('8080');
      await page.getByLabel('Cluster', { exact: true }).selectOption({ label: 'web-dev (running)' });
      await look('08-new-deployment');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'web', exact: true }).waitFor();
      await page.locator('.page-head .badge', { hasText: 'running' }).waitFor(WAIT);
      const available = page.locator('dl.fields div', { hasText: 'Available replicas' }).locator('dd');
      await expect.poll(() => available.textContent(), WAIT).toBe('1');
      const scale = page.getByRole('form', { name: 'Scale' });
      await scale.getByLabel('Replicas', { exact: true }).fill('3');
      await scale.getByRole('button', { name: 'Scale', exact: true }).click();
      await expect.poll(() => available.textContent(), WAIT).toBe('3');
      await page.locator('.page-head .badge', { hasText: 'running' }).waitFor(WAIT);
      await look('09-deployment-scaled');
    });

    it('debugs a crashing deployment: the CrashLoopBackOff analysis with its evidence', async () => {
      await page.getByRole('link', { name: 'Deployments', exact: true }).click();
      await page.getByRole('button', { name: 'New deployment', exact: true }).click();
      await page.getByLabel('Name', { exact: true }).fill('crashy');
      await page.getByLabel('Replicas', { exact: true }).fill('1');
      await page.getByLabel('Image', { exact: true }).fill('acme/crash:1');
      await page.getByLabel('Container port', { exact: true }).fill('80');
      await page.getByLabel('Cluster', { exact: true }).selectOption({ label: 'web-dev (running)' });
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'crashy' }).waitFor();
      await page.locator('.page-head .badge', { hasText: /failed|running/ }).waitFor(WAIT);
      await page.getByRole('button', { name: 'Debug', exact: true }).click();
      await page.getByRole('heading', { name: 'Analysis' }).waitFor(WAIT);
      expect(await page.locator('.analysis').textContent()).toMatch(/CrashLoopBackOff/);
      await page.getByRole('heading', { name: 'Evidence' }).waitFor();
      expect(await page.locator('ul.evidence li').count()).toBeGreaterThan(0);
      expect(await page.locator('ul.recommendations li').count()).toBeGreaterThan(0);
      await look('10-deployment-debug');
    });

    it('deletes with a confirmation', async () => {
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await look('11-delete-confirmation');
      await dialog.getByRole('button', { name: 'Keep it', exact: true }).click();
      await expect.poll(() => dialog.isVisible()).toBe(false);
      await page.getByRole('heading', { name: 'crashy' }).waitFor();
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await dialog.getByRole('button', { name: 'Yes, delete', exact: true }).click();
      await page.getByRole('heading', { name: 'Deployments' }).waitFor();
      await expect.poll(() => page.getByRole('link', { name: 'crashy' }).count(), WAIT).toBe(0);
      await page.getByRole('link', { name: 'web', exact: true }).waitFor();
    });

    it('analyzes the cluster and shows CPU and memory utilization', async () => {
      await page.goto(clusterUrl);
      await page.getByRole('button', { name: 'Analyze', exact: true }).click();
      const cpu = page.getByRole('meter', { name: 'CPU utilization' });
      await cpu.waitFor(WAIT);
      await page.getByRole('meter', { name: 'Memory utilization' }).waitFor();
      const v = Number(await cpu.getAttribute('value'));
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
      await look('12-cluster-analysis');
    });

    it('every other page renders and passes axe', async () => {
      for (const [link, name, heading] of [
        ['Images', '13-images', 'Images'],
        ['Helm charts', '14-charts', 'Helm charts'],
        ['Services', '15-services', 'Services'],
        ['Operations', '16-operations', 'Operations'],
        ['AI', '17-ai', 'AI'],
      ] as const) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        await page.locator('.state[role=status]').waitFor({ state: 'detached' });
        await look(name);
      }
      await page.getByRole('link', { name: 'Services', exact: true }).click();
      await page.getByRole('button', { name: 'New service', exact: true }).click();
      await page.getByLabel('Name', { exact: true }).fill('web-svc');
      await page.getByLabel('Deployment', { exact: true }).selectOption({ label: 'web (running)' });
      await look('18-new-service');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'web-svc' }).waitFor();
      await look('19-service-detail');
      await page.getByRole('link', { name: 'Images', exact: true }).click();
      await page.getByRole('button', { name: 'New image', exact: true }).click();
      await page.getByLabel('Name', { exact: true }).fill('todo-backend');
      await page.getByLabel('Repository', { exact: true }).fill('docker.io/todo-app');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'todo-backend:latest' }).waitFor();
      await page.getByRole('heading', { name: 'Build log' }).waitFor();
      await page.locator('.page-head .badge', { hasText: /built|failed/ }).waitFor(WAIT);
      await expect.poll(() => page.locator('pre.log').textContent(), WAIT).toMatch(/\S/);
      await look('20-image-detail');
    });

    it('creates a chart with a .tgz upload and shows it validated', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'chart-'));
      try {
        mkdirSync(join(dir, 'todo-app', 'templates'), { recursive: true });
        writeFileSync(
          join(dir, 'todo-app', 'Chart.yaml'),
          'apiVersion: v2\nname: todo-app\nversion: 1.0.0\nappVersion: "1.0.0"\n',
        );
        writeFileSync(join(dir, 'todo-app', 'values.yaml'), 'replicaCount: 1\n');
        writeFileSync(
          join(dir, 'todo-app', 'templates', 'configmap.yaml'),
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  replicas: "{{ .Values.replicaCount }}"\n',
        );
        const tgz = execFileSync('tar', ['czf', '-', '-C', dir, 'todo-app']);
        await page.getByRole('link', { name: 'Helm charts', exact: true }).click();
        await page.getByRole('button', { name: 'New chart', exact: true }).click();
        await page.getByLabel('Name', { exact: true }).fill('todo-app');
        await page.getByLabel('Version', { exact: true }).fill('1.0.0');
        await page
          .getByLabel('Chart archive (.tgz)', { exact: true })
          .setInputFiles({ name: 'todo-app-1.0.0.tgz', mimeType: 'application/gzip', buffer: tgz });
        await look('24-new-chart');
        await page.getByRole('button', { name: 'Create', exact: true }).click();
        await page.getByRole('heading', { name: 'todo-app 1.0.0' }).waitFor();
        await page
          .locator('dl.fields div', { hasText: 'Archive' })
          .getByText(`${tgz.length} bytes`)
          .waitFor(WAIT);
        await page.locator('.page-head .badge', { hasText: /^(valid|invalid)$/ }).waitFor(WAIT);
        await look('25-chart-detail');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the admin sees Users and Queues and creates a user', async () => {
      const admin = await openBrowser();
      try {
        const p = admin.page;
        await p.goto(`${stack.base}/users`);
        await signIn(p, stack.admin);
        await p.getByRole('heading', { name: 'Users' }).waitFor();
        // Every user is listed (GET /api/users), the signed-in admin among them, not only those made here.
        await p.getByRole('table', { name: 'Users' }).getByText(stack.admin.email).waitFor();
        const nav = p.getByRole('navigation', { name: 'Main' });
        expect(await nav.getByRole('link', { name: 'Queues' }).getAttribute('href')).toBe('/admin/queues');
        await p.getByLabel('Email', { exact: true }).fill('new@console.test');
        await p.getByLabel('Password', { exact: true }).fill('short');
        await p.getByRole('button', { name: 'Create', exact: true }).click();
        await p.getByText('must be at least 8 characters').waitFor();
        await p.getByLabel('Password', { exact: true }).fill('long-enough-password');
        await p.getByLabel('Role', { exact: true }).selectOption('viewer');
        await p.getByRole('button', { name: 'Create', exact: true }).click();
        await p.getByRole('table', { name: 'Users' }).getByText('new@console.test').waitFor();
        // A second create with the same email: the API's 409 message shows, in words.
        await p.getByLabel('Email', { exact: true }).fill('new@console.test');
        await p.getByLabel('Password', { exact: true }).fill('long-enough-password');
        await p.getByRole('button', { name: 'Create', exact: true }).click();
        await p
          .getByRole('alert')
          .filter({ hasText: /exists|already/i })
          .waitFor();
        page = p;
        await look('21-users');
      } finally {
        page = b.page;
        await admin.close();
      }
    });

    it('a viewer sees no write buttons', async () => {
      const viewer = await openBrowser();
      try {
        const p = viewer.page;
        await p.goto(`${stack.base}/clusters`);
        await signIn(p, VIEWER);
        await p.getByRole('heading', { name: 'Clusters' }).waitFor();
        await p.getByText('No clusters yet').waitFor();
        for (const name of ['New cluster', 'New deployment', 'New image', 'New chart', 'New service'])
          expect(await p.getByRole('button', { name, exact: true }).count(), name).toBe(0);
        for (const link of ['Deployments', 'Images', 'Helm charts', 'Services']) {
          await p.getByRole('link', { name: link, exact: true }).click();
          await p.getByRole('heading', { name: link, exact: true }).waitFor();
          await p.locator('.state[role=status]').waitFor({ state: 'detached' });
          expect(await p.locator('main button.primary, main button.danger').count(), link).toBe(0);
        }
        page = p;
        await look('22-viewer-deployments');
      } finally {
        page = b.page;
        await viewer.close();
      }
    });

    it('two tabs reloading at once share the session (one cookie, refreshes in turn)', async () => {
      const second = await b.context.newPage();
      try {
        await Promise.all([page.goto(clusterUrl), second.goto(`${stack.base}/deployments`)]);
        await Promise.all([
          page.getByRole('heading', { name: 'web-dev' }).waitFor(WAIT),
          second.getByRole('heading', { name: 'Deployments', exact: true }).waitFor(WAIT),
        ]);
        // The refresh family survived: one more reload still signs in from the cookie.
        await second.reload();
        await second.getByRole('heading', { name: 'Deployments', exact: true }).waitFor(WAIT);
        expect(new URL(second.url()).pathname).toBe('/deployments');
      } finally {
        await second.close();
      }
    });

    it('an expired session returns to sign in, then to where the user was', async () => {
      await page.goto(clusterUrl);
      await page.getByRole('heading', { name: 'web-dev' }).waitFor();
      // Expire it for real: the API restarts with a new signing key (the access token in memory is
      // now worthless) and every refresh token is revoked.
      await stack.db.sql`update refresh_token_families set revoked_at = now()`;
      await stack.restartApi({ JWT_SECRET: 'e'.repeat(64) });
      // Two things find out, whichever comes first: the user's next click, and the page's live
      // stream, which reconnects on its own back-off (on a loaded machine it can come back before
      // the click). Either way the user is sent to sign in, then back to the page they were on or
      // were going to.
      const clusterPath = new URL(clusterUrl).pathname;
      const clicked = await page
        .getByRole('link', { name: 'Deployments', exact: true })
        .click({ timeout: 5_000 })
        .then(
          () => true,
          () => false,
        );
      await page.getByText('Your session has expired').waitFor(WAIT);
      expect(new URL(page.url()).pathname).toBe('/login');
      const next = new URL(page.url()).searchParams.get('next');
      expect(clicked ? ['/deployments', clusterPath] : [clusterPath]).toContain(next);
      await look('23-session-expired');
      await signIn(page, OPERATOR);
      await page.waitForURL((u) => u.pathname === next, WAIT);
      if (next === '/deployments') {
        await page.getByRole('heading', { name: 'Deployments' }).waitFor(WAIT);
        await page.getByRole('link', { name: 'web', exact: true }).waitFor(WAIT);
      } else {
        await page.getByRole('heading', { name: 'web-dev' }).waitFor(WAIT);
      }
    });

    it('no page broke the Content-Security-Policy', () => {
      expect(b.cspViolations).toEqual([]);
      expect(checked.size).toBeGreaterThanOrEqual(20);
    });
  },
  300_000,
);
