// The chart install's server-side dry run with the real helm binary against the Kubernetes wire fixture:
// helm's own `--dry-run=server` talks to the API server (release history, discovery, ownership), then every
// rendered object goes to the API server with dryRun=All as helm's install would send it. Nothing persists.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type K8sFixture, startK8sFixture } from '@slipway/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChartSpec, OpContext } from '../types.ts';
import { HelmChartTool } from './helm-chart-tool.ts';

const helmBin = resolve(import.meta.dirname, '../../../../.data/tools/bin/helm');
const haveHelm = existsSync(helmBin);
if (!haveHelm) console.warn(`[helm dry-run tests] SKIPPED: no helm at ${helmBin}; run scripts/ci-tools.sh`);

function context(): OpContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    operationId: randomUUID(),
    attempt: 1,
    signal: new AbortController().signal,
    log: (m) => lines.push(m),
    lines,
  };
}

const chart: ChartSpec = { id: 'c1', name: 'todo-app', version: '1.0.0', appVersion: '1.0.0' };
const deploymentId = '7d1c5a3e-0000-4000-8000-000000000001';
const release = (namespace = 'default') => ({
  name: 'todo',
  namespace,
  values: { image: 'slipway-test/api:v2', replicas: 2, containerPort: 8000, deploymentId },
});

describe.skipIf(!haveHelm)('HelmChartTool.dryRunInstall (real helm, Kubernetes API fixture)', () => {
  let k8s: K8sFixture;
  let workDir: string;
  let tool: HelmChartTool;
  const target = { clusterId: 'k1', name: 'k', context: 'slipway-helm' };

  beforeAll(async () => {
    k8s = await startK8sFixture({ context: 'slipway-helm', tickMs: 10 });
    workDir = await mkdtemp(join(tmpdir(), 'slipway-helm-dry-'));
    tool = new HelmChartTool({ helmBin, workDir, timeoutMs: 20_000, kubeconfigPath: k8s.kubeconfigPath });
  });
  afterEach(() => k8s.failMatching(null));
  afterAll(async () => {
    await k8s.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('sends helm --dry-run=server, then every rendered object with dryRun=All, and persists nothing', async () => {
    const before = k8s.requests.length;
    const ctx = context();
    const result = await tool.dryRunInstall(target, chart, release(), ctx);
    expect(result).toMatchObject({ accepted: true, serverSide: true, action: 'install' });
    expect(result.resources).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: 'todo',
        namespace: 'default',
        accepted: true,
        detail: 'admitted (dryRun=All)',
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'todo',
        namespace: 'default',
        accepted: true,
        detail: 'admitted (dryRun=All)',
      },
    ]);
    expect(result.detail).toMatch(/2\/2 object\(s\) admitted by the API server \(dryRun=All\)/);
    const helmLine = ctx.lines.find((l) => l.startsWith('helm upgrade --install todo '));
    expect(helmLine).toMatch(/ --dry-run=server /);
    expect(helmLine).not.toMatch(/ --wait /);
    expect(helmLine).toContain(`--set-string deploymentId=${deploymentId}`);

    const sent = k8s.requests.slice(before);
    // helm itself read the release history from the API server (its storage: Secrets).
    expect(sent).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        path: '/api/v1/namespaces/default/secrets',
        query: expect.objectContaining({ labelSelector: 'name=todo,owner=helm' }),
      }),
    );
    const writes = sent.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PATCH /api/v1/namespaces/default/services/todo',
      'PATCH /apis/apps/v1/namespaces/default/deployments/todo',
    ]);
    for (const w of writes) {
      expect(w.contentType).toBe('application/apply-patch+yaml');
      expect(w.query).toMatchObject({
        dryRun: 'All',
        fieldManager: 'helm',
        force: 'false',
        fieldValidation: 'Strict',
      });
    }
    expect(k8s.getObject('deployments', 'default', 'todo')).toBeUndefined();
    expect(k8s.getObject('services', 'default', 'todo')).toBeUndefined();
    expect(await readdir(workDir)).toEqual([]);
  });

  it('reports what the API server refuses (an admission webhook on the Deployment)', async () => {
    k8s.failMatching(
      (r) => r.path.endsWith('/deployments/todo') && r.query.dryRun === 'All',
      403,
      'admission webhook "images.policy.example" denied the request: image slipway-test/api:v2 is not signed',
    );
    const result = await tool.dryRunInstall(target, chart, release(), context());
    expect(result.accepted).toBe(false);
    expect(result.serverSide).toBe(true);
    expect(result.resources.map((o) => [o.kind, o.accepted])).toEqual([
      ['Service', true],
      ['Deployment', false],
    ]);
    expect(result.detail).toMatch(
      /^Deployment\/todo: dry-run apply Deployment todo: admission webhook "images\.policy\.example" denied the request: image slipway-test\/api:v2 is not signed$/,
    );
    expect(k8s.getObject('deployments', 'default', 'todo')).toBeUndefined();
  });

  it("refuses what helm's own server dry run refuses: a resource that exists without belonging to the release", async () => {
    k8s.createObject('services', 'default', {
      metadata: { name: 'todo' },
      spec: { selector: { app: 'other' }, ports: [{ port: 80 }] },
    });
    try {
      const result = await tool.dryRunInstall(target, chart, release(), context());
      expect(result).toMatchObject({ accepted: false, serverSide: true, resources: [] });
      expect(result.detail).toMatch(
        /^helm --dry-run=server: .*Service "todo" in namespace "default" exists and cannot be imported into the current release/,
      );
    } finally {
      await fetch(`${k8s.url}/api/v1/namespaces/default/services/todo`, { method: 'DELETE' });
    }
  });

  it('dry-runs the namespace --create-namespace would create, and says what cannot be checked before it exists', async () => {
    const result = await tool.dryRunInstall(target, chart, release('apps'), context());
    expect(result.accepted).toBe(true);
    expect(result.resources.map((o) => [o.kind, o.name, o.accepted])).toEqual([
      ['Namespace', 'apps', true],
      ['Service', 'todo', null],
      ['Deployment', 'todo', null],
    ]);
    expect(result.detail).toMatch(/2 not checkable before the namespace exists/);
    expect(k8s.getObject('namespaces', undefined, 'apps')).toBeUndefined();
  });

  it('refuses invalid values before helm runs, and retries what an unreachable API server may yet answer', async () => {
    const bad = await tool.dryRunInstall(
      target,
      chart,
      { ...release(), values: { ...release().values, image: 'bad image' } },
      context(),
    );
    expect(bad).toMatchObject({ accepted: false, serverSide: false, resources: [] });
    expect(bad.detail).toMatch(/is not a valid image reference/);
    k8s.failNext(503, 50);
    try {
      await expect(tool.dryRunInstall(target, chart, release(), context())).rejects.toMatchObject({
        retryable: true,
      });
    } finally {
      k8s.failNext(503, 0);
    }
  });
});
