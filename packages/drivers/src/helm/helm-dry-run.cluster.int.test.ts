// The chart install's server-side dry run against a real cluster, with the real helm:
//   K8S_INTEGRATION_TESTS=1 KUBECONFIG=~/.kube/config [K8S_CONTEXT=minikube] [HELM_BIN=...]
// Each run works in its own namespace and deletes it afterwards. What the wire fixture cannot play is
// here: the API server's own schema refusing an unknown field (fieldValidation=Strict, dryRun=All).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../kubernetes/workloads-scenarios.ts';
import type { ChartSpec, OpContext } from '../types.ts';
import { packChart, scaffoldChart } from './chart-files.ts';
import { HelmChartTool } from './helm-chart-tool.ts';

const helmBin = process.env.HELM_BIN ?? resolve(import.meta.dirname, '../../../../.data/tools/bin/helm');
const enabled =
  process.env.K8S_INTEGRATION_TESTS === '1' && Boolean(process.env.KUBECONFIG) && existsSync(helmBin);

const ctx = (): OpContext => ({
  operationId: randomUUID(),
  attempt: 1,
  signal: new AbortController().signal,
  log: () => {},
});
const chart: ChartSpec = { id: 'c1', name: 'todo-app', version: '1.0.0', appVersion: '1.0.0' };

describe.runIf(enabled)(
  'HelmChartTool.dryRunInstall against a real cluster',
  () => {
    const kubeconfigPath = process.env.KUBECONFIG ?? '';
    let context = '';
    let ns = '';
    let core: CoreV1Api;
    let apps: AppsV1Api;
    let tool: HelmChartTool;
    let workDir: string;
    const target = () => ({ clusterId: 'real', name: 'real', context });
    const release = () => ({
      name: 'todo',
      namespace: ns,
      values: { image: 'nginx:1.27-alpine', replicas: 1, containerPort: 80, deploymentId: randomUUID() },
    });

    beforeAll(async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      context = process.env.K8S_CONTEXT ?? kc.getCurrentContext();
      kc.setCurrentContext(context);
      core = kc.makeApiClient(CoreV1Api);
      apps = kc.makeApiClient(AppsV1Api);
      ns = uniqueNamespace();
      await core.createNamespace({ body: { metadata: { name: ns } } });
      workDir = await mkdtemp(join(tmpdir(), 'slipway-helm-dry-real-'));
      tool = new HelmChartTool({ helmBin, workDir, kubeconfigPath, timeoutMs: 60_000 });
    });
    afterAll(async () => {
      await core?.deleteNamespace({ name: ns }).catch(() => undefined);
      await rm(workDir, { recursive: true, force: true });
    });

    it('is admitted by the API server and persists nothing', async () => {
      const r = await tool.dryRunInstall(target(), chart, release(), ctx());
      expect(r).toMatchObject({ accepted: true, serverSide: true, action: 'install' });
      expect(r.resources.map((o) => [o.kind, o.accepted])).toEqual([
        ['Service', true],
        ['Deployment', true],
      ]);
      await expect(apps.readNamespacedDeployment({ name: 'todo', namespace: ns })).rejects.toMatchObject({
        code: 404,
      });
      const secrets = await core.listNamespacedSecret({ namespace: ns, labelSelector: 'owner=helm' });
      expect(secrets.items).toEqual([]);
    });

    it("is refused by the API server's schema: an unknown field (fieldValidation=Strict)", async () => {
      const files = scaffoldChart(chart);
      files['templates/deployment.yaml'] = (files['templates/deployment.yaml'] ?? '').replace(
        'imagePullPolicy: IfNotPresent',
        'imagePullPolicy: IfNotPresent\n          imagePullPolicyy: Always',
      );
      const r = await tool.dryRunInstall(
        target(),
        { ...chart, content: await packChart(files) },
        release(),
        ctx(),
      );
      expect(r.accepted).toBe(false);
      expect(r.resources.find((o) => o.kind === 'Deployment')).toMatchObject({
        accepted: false,
        // Server-side apply names it "field not declared in schema"; other writes "unknown field".
        detail: expect.stringMatching(
          /imagePullPolicyy.*field not declared in schema|unknown field .*imagePullPolicyy/,
        ),
      });
    });

    it('is refused by helm when a resource exists without belonging to the release', async () => {
      await core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'todo' }, spec: { ports: [{ port: 80 }], selector: { app: 'other' } } },
      });
      const r = await tool.dryRunInstall(target(), chart, release(), ctx());
      expect(r).toMatchObject({ accepted: false, serverSide: true, resources: [] });
      expect(r.detail).toMatch(/exists and cannot be imported into the current release/);
    });
  },
  300_000,
);
