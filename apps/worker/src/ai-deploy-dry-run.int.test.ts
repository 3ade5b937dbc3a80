// AI deploy with the real helm against the Kubernetes API fixture: the install is dry-run by the cluster
// (helm --dry-run=server, then the rendered objects with dryRun=All) before anything changes, and a dry run
// the API server refuses fails the operation with the plan in its events and nothing installed.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aiDeploy, createChart, createImage, getDeployment, getOperation } from '@slipway/core';
import {
  createSandboxDrivers,
  type Drivers,
  HelmChartTool,
  KubernetesWorkloads,
  minikubeProfile,
} from '@slipway/drivers';
import { type K8sFixture, startK8sFixture } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

const helmBin = join(import.meta.dirname, '../../../.data/tools/bin/helm');
const haveHelm = existsSync(helmBin);
if (!haveHelm) console.warn(`[ai deploy dry run] SKIPPED: no helm at ${helmBin}; run scripts/ci-tools.sh`);

describe.skipIf(!haveHelm)('worker: AI deploy is dry-run by the cluster before helm installs', () => {
  let h: WorkerHarness;
  let k8s: K8sFixture;
  let drivers: Drivers;

  beforeAll(async () => {
    k8s = await startK8sFixture({ context: 'slipway-dry-run', tickMs: 10 });
    const sandbox = createSandboxDrivers({ timeScale: 0.001 });
    drivers = {
      ...sandbox,
      charts: new HelmChartTool({ helmBin, kubeconfigPath: k8s.kubeconfigPath, timeoutMs: 20_000 }),
      workloads: new KubernetesWorkloads({ kubeconfigYaml: k8s.kubeconfigYaml, pollIntervalMs: 10 }),
    };
    h = await startHarness({}, { drivers });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await k8s?.close();
  });

  it('fails permanently, installing nothing, when the API server refuses the dry run', async () => {
    const cluster = await h.runningCluster('dry-run');
    // The cluster's kube context is its minikube profile: the fixture's kubeconfig takes that name.
    const kubeconfigYaml = k8s.kubeconfigYaml.replaceAll('slipway-dry-run', minikubeProfile(cluster.id));
    await writeFile(k8s.kubeconfigPath, kubeconfigYaml);
    drivers.workloads = new KubernetesWorkloads({ kubeconfigYaml, pollIntervalMs: 10 });
    const img = await createImage(h.deps, h.owner, {
      name: 'todo-backend',
      tag: 'latest',
      repository: 'docker.io/todo-app',
    });
    expect((await h.settle(img.operation)).status).toBe('succeeded');
    const created = await createChart(h.deps, h.owner, { name: 'todo-app', version: '1.0.0' });
    expect((await h.settle(created.operation, 60_000)).status).toBe('succeeded');

    // An admission webhook that denies every dry-run write (what it would do to the real one).
    k8s.failMatching((r) => r.method === 'PATCH' && r.query.dryRun === 'All');
    const mark = k8s.requests.length;
    const { deployment, operation } = await aiDeploy(h.deps, h.owner, {
      helmChartId: created.chart.id,
      minikubeClusterId: cluster.id,
      aiAgent: 'kubectl-ai',
    });
    const op = await h.settle(operation, 60_000);
    k8s.failMatching(null);
    expect(op.status).toBe('failed');
    expect(op.attempts).toBe(1); // a refusal is not retried
    expect(op.error).toMatch(
      /the cluster refused the install \(dry run\): .*admission webhook "policy\.example\.com" denied the request/,
    );

    const events = (await getOperation(h.deps, h.owner, operation.id)).events.map((e) => e.message);
    const planAt = events.findIndex((m) => m.startsWith('plan: '));
    expect(planAt).toBeGreaterThanOrEqual(0);
    const plan = JSON.parse(events[planAt]?.slice('plan: '.length) ?? '{}');
    expect(plan).toMatchObject({
      action: 'deploy',
      release: 'todo-app',
      namespace: deployment.namespace,
      image: 'docker.io/todo-app/todo-backend:latest',
      imageSource: 'built-image',
      ok: false,
      dryRun: { accepted: false, serverSide: true, action: 'install' },
    });
    expect(plan.dryRun.resources.some((o: { accepted: boolean | null }) => o.accepted === false)).toBe(true);
    expect(events.some((m) => /installed chart/.test(m))).toBe(false);

    // helm's server dry run and the dryRun=All writes reached the API server; nothing else was written.
    const sent = k8s.requests.slice(mark);
    expect(sent.some((r) => r.method === 'GET' && r.query.labelSelector === 'name=todo-app,owner=helm')).toBe(
      true,
    );
    expect(sent.filter((r) => r.method !== 'GET' && r.query.dryRun !== 'All')).toEqual([]);
    expect(k8s.getObject('deployments', deployment.namespace, 'todo-app')).toBeUndefined();
    // The planned image is recorded only once the cluster accepted the plan.
    expect((await getDeployment(h.deps, h.owner, deployment.id)).image).toBe('todo-app:1.0.0');
  }, 90_000);
});
