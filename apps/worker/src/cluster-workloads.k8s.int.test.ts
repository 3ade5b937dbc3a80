// Issue 12 item 11 on the real adapters: minikube (the fixture executable) and Kubernetes (the
// wire-level API server fixture). A stopped cluster's workloads are `unknown`; once it runs again they
// are observed through the Kubernetes API, so what the API server reports decides, not what was before.
import {
  clusterAction,
  createCluster,
  createDeployment,
  createService,
  getDeployment,
  getService,
  waitForOperation,
} from '@slipway/core';
import type { Operation } from '@slipway/db';
import {
  createDrivers,
  type Drivers,
  KubernetesWorkloads,
  MinikubeProvisioner,
  minikubeProfile,
} from '@slipway/drivers';
import {
  type K8sFixture,
  minikubeFixturePath,
  minikubeFixtureStateDir,
  startK8sFixture,
} from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

describe('cluster stop/start on the minikube CLI and Kubernetes API fixtures: workloads observed again on the wire', () => {
  let h: WorkerHarness;
  let k8s: K8sFixture;
  let drivers: Drivers;
  const clusterName = 'slipway-observe';

  beforeAll(async () => {
    k8s = await startK8sFixture({ context: clusterName, tickMs: 20 });
    const env = { ...process.env, MINIKUBE_FIXTURE_STATE: minikubeFixtureStateDir() };
    // Images and charts play no part here: the sandbox's.
    const { drivers: sandbox } = await createDrivers({
      mode: 'sandbox',
      sandbox: { timeScale: 0.002, ledgerPath: null },
      buildContextRoot: process.cwd(),
    });
    drivers = {
      ...sandbox,
      clusters: new MinikubeProvisioner({ bin: minikubeFixturePath(), env }),
      workloads: new KubernetesWorkloads({ kubeconfigYaml: k8s.kubeconfigYaml, pollIntervalMs: 20 }),
    };
    h = await startHarness({ ROLLOUT_TIMEOUT_MS: '20000', SERVICE_TIMEOUT_MS: '20000' }, { drivers });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await k8s?.close();
  });

  /** The queued observe operation on a resource (recorded by the cluster's start), settled. */
  async function observed(resourceId: string): Promise<Operation> {
    const [row] = await h.t.sql<{ id: string }[]>`
      select id from operations where resource_id = ${resourceId} and kind like '%.observe'
        and input->>'cause' = 'cluster.start'`;
    if (!row) throw new Error(`no observe operation on ${resourceId}`);
    return waitForOperation(h.deps, row.id, 30_000, 25);
  }

  it('stop -> unknown; start -> each deployment and service read back from the API server', async () => {
    const c = await createCluster(h.deps, h.owner, {
      name: clusterName,
      cpus: 2,
      memory: 4096,
      diskSize: 20_000,
      kubernetesVersion: 'v1.30.0',
    });
    // minikube writes its profile's context into the kubeconfig; here the fixture's context takes that name.
    drivers.workloads = new KubernetesWorkloads({
      kubeconfigYaml: k8s.kubeconfigYaml.replaceAll(clusterName, minikubeProfile(c.id)),
      pollIntervalMs: 20,
    });
    const start = await clusterAction(h.deps, h.owner, c.id, 'start');
    expect((await h.settle(start.operation, 30_000)).status).toBe('succeeded');

    const made = [];
    for (const name of ['web', 'api']) {
      const d = await createDeployment(h.deps, h.owner, {
        name,
        replicas: 2,
        image: 'nginx:1.27',
        containerPort: 80,
        minikubeClusterId: c.id,
      });
      expect((await h.settle(d.operation, 30_000)).status).toBe('succeeded');
      made.push(d.deployment.id);
    }
    const [web, api] = made as [string, string];
    const svc = await createService(h.deps, h.owner, {
      name: 'web',
      type: 'ClusterIP',
      port: 80,
      targetPort: 80,
      protocol: 'TCP',
      deploymentId: web,
    });
    expect((await h.settle(svc.operation, 30_000)).status).toBe('succeeded');

    const stop = await clusterAction(h.deps, h.owner, c.id, 'stop');
    expect((await h.settle(stop.operation, 30_000)).status).toBe('succeeded');
    for (const id of [web, api])
      expect(await getDeployment(h.deps, h.owner, id)).toMatchObject({
        status: 'unknown',
        availableReplicas: 0,
      });
    expect((await getService(h.deps, h.owner, svc.service.id)).status).toBe('unknown');

    // What the cluster will report once it runs: api's pods crash. Nothing in Slipway knows yet.
    k8s.crashPodsOf('api', 'CrashLoopBackOff', ['Error: missing required environment variable DATABASE_URL']);
    const before = k8s.requests.length;

    const again = await clusterAction(h.deps, h.owner, c.id, 'start');
    expect((await h.settle(again.operation, 30_000)).status).toBe('succeeded');
    expect((await observed(web)).status).toBe('succeeded');
    expect((await observed(api)).status).toBe('succeeded');
    expect((await observed(svc.service.id)).status).toBe('succeeded');

    expect(await getDeployment(h.deps, h.owner, web)).toMatchObject({
      status: 'running',
      availableReplicas: 2,
      reason: null,
    });
    const a = await getDeployment(h.deps, h.owner, api);
    expect(a).toMatchObject({ status: 'failed', availableReplicas: 0 });
    expect(a.reason).toMatch(/after cluster slipway-observe ran again: .*CrashLoopBackOff/);
    expect(await getService(h.deps, h.owner, svc.service.id)).toMatchObject({
      status: 'active',
      reason: null,
    });
    // Read on the wire after the start, never assumed: GETs of both deployments and the service.
    const reads = k8s.requests.slice(before).filter((r) => r.method === 'GET');
    for (const path of ['/deployments/web', '/deployments/api', '/services/web'])
      expect(reads.some((r) => r.path.endsWith(path))).toBe(true);
  });
});
