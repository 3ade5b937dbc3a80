// The real helm binary from .data/tools/bin/helm (put there by scripts/ci-tools.sh). No cluster is needed:
// lint and template are local, and install is exercised only up to helm's own connection failures.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ChartSpec, OpContext } from '../types.ts';
import { packChart, scaffoldChart, writeChartFiles } from './chart-files.ts';
import { helmInstallArgs } from './helm-args.ts';
import { HelmChartTool } from './helm-chart-tool.ts';
import { runHelm } from './run-helm.ts';

const helmBin = resolve(import.meta.dirname, '../../../../.data/tools/bin/helm');
const haveHelm = existsSync(helmBin);
if (!haveHelm) console.warn(`[helm int tests] SKIPPED: no helm at ${helmBin}; run scripts/ci-tools.sh`);

function context(signal = new AbortController().signal): OpContext & { lines: string[] } {
  const lines: string[] = [];
  return { operationId: randomUUID(), attempt: 1, signal, log: (m) => lines.push(m), lines };
}

const record: ChartSpec = {
  id: 'c1',
  name: 'todo-app',
  version: '1.0.0',
  appVersion: '1.0.0',
  description: 'Todo AI Chatbot Helm chart',
};

describe.skipIf(!haveHelm)('HelmChartTool (real helm)', () => {
  let workDir: string;
  let tool: HelmChartTool;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'slipway-helm-'));
    tool = new HelmChartTool({ helmBin, workDir, timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('probes the helm version', async () => {
    expect(await HelmChartTool.probe(helmBin)).toMatchObject({
      reachable: true,
      version: expect.stringMatching(/^v\d+\./),
    });
    expect(await HelmChartTool.probe(null)).toMatchObject({ reachable: false });
    expect(await HelmChartTool.probe('/nonexistent/helm')).toMatchObject({ reachable: false });
  });

  it('passes helm lint --strict and helm template for a scaffold of a valid record', async () => {
    const ctx = context();
    const result = await tool.validate(record, ctx);
    expect(result.validator).toBe('helm');
    expect(result.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.findings).toContainEqual({
      severity: 'info',
      message: expect.stringMatching(/rendered 2 resource\(s\)/),
    });
    expect(ctx.lines).toContain('helm lint --strict todo-app');
    // Every materialised chart is cleaned up.
    expect(await readdir(workDir)).toEqual([]);
  });

  it('renders the install values into what the Kubernetes driver selects on', async () => {
    const dir = join(workDir, 'render', 'todo-app');
    await writeChartFiles(dir, scaffoldChart(record));
    const installArgs = helmInstallArgs({
      release: 'todo',
      chartDir: dir,
      namespace: 'apps',
      kubeContext: 'unused',
      timeoutMs: 1000,
      values: { image: 'slipway-test/api:v2', replicas: 3, containerPort: 8000 },
      deploymentId: '7d1c5a3e-0000-4000-8000-000000000001',
    });
    // The same --set/--set-string flags the install passes, rendered locally by helm template.
    const sets = installArgs.slice(installArgs.indexOf('--set'));
    const r = await runHelm(helmBin, ['template', 'todo', dir, '--namespace', 'apps', ...sets], {
      signal: new AbortController().signal,
      timeoutMs: 30_000,
    });
    await rm(join(workDir, 'render'), { recursive: true, force: true });
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, never>);
    const deployment = docs.find((d) => (d as { kind?: string }).kind === 'Deployment') as unknown as {
      metadata: { name: string };
      spec: {
        replicas: number;
        selector: { matchLabels: Record<string, string> };
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: Record<string, unknown>[] };
        };
      };
    };
    expect(deployment.metadata.name).toBe('todo');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.selector.matchLabels).toEqual({
      'slipway.dev/deployment-id': '7d1c5a3e-0000-4000-8000-000000000001',
    });
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({
      name: 'app',
      image: 'slipway-test/api:v2',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }],
    });
  });

  it('passes an uploaded .tgz of the scaffold', async () => {
    const result = await tool.validate(
      { ...record, content: await packChart(scaffoldChart(record)) },
      context(),
    );
    expect(result).toMatchObject({ valid: true, validator: 'helm' });
  });

  it('fails a broken uploaded chart with helm findings', async () => {
    const broken = await packChart(
      {
        'Chart.yaml': 'apiVersion: v2\nname: broken\nversion: 1.0\n',
        'values.yaml': 'replicas: 1\n',
        'templates/deployment.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name | required "name is required" }}\n',
      },
      'broken',
    );
    const ctx = context();
    const result = await tool.validate({ id: 'c2', name: 'broken', version: '1.0.0', content: broken }, ctx);
    expect(result.valid).toBe(false);
    expect(result.validator).toBe('helm');
    expect(result.findings).toContainEqual({
      severity: 'error',
      path: 'Chart.yaml',
      message: expect.stringMatching(/version should be of type string/),
    });
    expect(result.findings).toContainEqual({
      severity: 'error',
      path: 'templates/deployment.yaml',
      message: expect.stringMatching(/^helm template: .*name is required/),
    });
    expect(ctx.lines.some((l) => l.startsWith('[ERROR] Chart.yaml:'))).toBe(true);
  });

  it('fails a record whose version is not SemVer (a lint warning, fatal under --strict)', async () => {
    const result = await tool.validate({ ...record, version: '1.0' }, context());
    expect(result.valid).toBe(false);
    expect(result.findings).toContainEqual({
      severity: 'warning',
      path: 'Chart.yaml',
      message: expect.stringMatching(/SemVer/),
    });
    expect(result.findings).toContainEqual({
      severity: 'error',
      message: 'helm lint --strict fails on 1 warning(s)',
    });
  });

  it('judges a hostile archive before helm sees it', async () => {
    const result = await tool.validate({ ...record, content: Buffer.from('definitely not gzip') }, context());
    expect(result).toMatchObject({ valid: false, validator: 'structural' });
  });

  it('falls back to the structural check without a usable helm binary, and says so', async () => {
    const none = await new HelmChartTool({ helmBin: null }).validate(record, context());
    expect(none).toEqual({ valid: true, validator: 'structural', findings: [] });

    const missing = await new HelmChartTool({ helmBin: '/nonexistent/helm', workDir }).validate(
      { ...record, version: 'one' },
      context(),
    );
    expect(missing.validator).toBe('structural');
    expect(missing.valid).toBe(false);
    expect(missing.findings).toContainEqual({
      severity: 'info',
      message: expect.stringContaining('/nonexistent/helm'),
    });
  });

  it('reports a cancelled validation as aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(tool.validate(record, context(ac.signal))).rejects.toMatchObject({
      code: 'aborted',
      retryable: true,
    });
  });

  describe('install (helm upgrade --install --wait) against kubeconfigs that lead nowhere', () => {
    let kubeconfig: string;
    const target = (context: string) => ({ clusterId: 'k1', name: 'k', context });
    const release = {
      name: 'todo',
      namespace: 'apps',
      values: { image: 'slipway-test/x:v1', replicas: 1, containerPort: 80 },
    };

    beforeAll(async () => {
      kubeconfig = join(workDir, 'kubeconfig.yaml');
      await writeFile(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: dead',
          '  cluster:',
          '    server: https://127.0.0.1:1',
          'contexts:',
          '- name: dead',
          '  context:',
          '    cluster: dead',
          '    user: u',
          'users:',
          '- name: u',
          '  user:',
          '    token: t',
          '',
        ].join('\n'),
      );
    });

    it('fails permanently for a context the kubeconfig does not have', async () => {
      const t = new HelmChartTool({ helmBin, workDir, kubeconfigPath: kubeconfig, timeoutMs: 10_000 });
      const ctx = context();
      await expect(t.install(target('no-such-context'), record, release, ctx)).rejects.toMatchObject({
        code: 'install_failed',
        retryable: false,
        message: expect.stringContaining('context "no-such-context" does not exist'),
      });
      expect(ctx.lines[0]).toMatch(
        /^helm upgrade --install todo .* --wait --timeout 10s --kube-context no-such-context/,
      );
    });

    it('fails retryably when the API server is unreachable', async () => {
      const t = new HelmChartTool({ helmBin, workDir, kubeconfigPath: kubeconfig, timeoutMs: 10_000 });
      await expect(t.install(target('dead'), record, release, context())).rejects.toMatchObject({
        code: 'cluster_unreachable',
        retryable: true,
      });
    });

    it('refuses to install without helm', async () => {
      await expect(
        new HelmChartTool().install(target('dead'), record, release, context()),
      ).rejects.toMatchObject({
        code: 'helm_unavailable',
        retryable: false,
      });
    });
  });
});
