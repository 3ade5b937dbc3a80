// The worker on the REAL adapters: Docker Engine (real), helm (real binary from .data/tools/bin),
// minikube (the fixture executable) and Kubernetes (the wire-level API server fixture). Same core
// verbs and BullMQ pipeline as production; only minikube and the API server are doubles, at the wire.

import { existsSync } from 'node:fs';
import { copyFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aiDebug,
  clusterAction,
  createChart,
  createCluster,
  createDeployment,
  createImage,
  createService,
  defaultNamespace,
  deleteImage,
  getChart,
  getCluster,
  getDeployment,
  getImage,
  getService,
  scaleDeployment,
  waitForOperation,
} from '@slipway/core';
import {
  DockerImageBuilder,
  type Drivers,
  HelmChartTool,
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

const repo = join(import.meta.dirname, '..', '..', '..');
const helmBin = join(repo, '.data', 'tools', 'bin', 'helm');
const docker = await DockerImageBuilder.probe();
const hasHelm = existsSync(helmBin);
if (!docker.reachable)
  console.warn(`[real-drivers] Docker not reachable (${docker.detail}); image steps skipped`);
if (!hasHelm)
  console.warn(
    '[real-drivers] helm not in .data/tools/bin (run scripts/ci-tools.sh); chart steps use the structural validator',
  );

describe('worker on real adapters (Docker, helm, minikube CLI fixture, Kubernetes API fixture)', () => {
  let h: WorkerHarness;
  let k8s: K8sFixture;
  let contextRoot: string;
  let drivers: Drivers;
  const clusterName = 'slipway-real';

  beforeAll(async () => {
    k8s = await startK8sFixture({
      context: clusterName,
      tickMs: 20,
      metrics: { cpu: '120m', memory: '96Mi' },
    });
    contextRoot = await mkdtemp(join(tmpdir(), 'slipway-real-ctx-'));
    if (docker.reachable) {
      await cp(
        join(repo, 'packages', 'drivers', 'test-fixtures', 'docker', 'busybox'),
        join(contextRoot, 'app'),
        { recursive: true },
      );
      await copyFile('/bin/busybox', join(contextRoot, 'app', 'busybox'));
    }
    const env = { ...process.env, MINIKUBE_FIXTURE_STATE: minikubeFixtureStateDir() };
    drivers = {
      images: new DockerImageBuilder({ buildContextRoot: contextRoot }),
      clusters: new MinikubeProvisioner({ bin: minikubeFixturePath(), env }),
      workloads: new KubernetesWorkloads({ kubeconfigYaml: k8s.kubeconfigYaml, pollIntervalMs: 20 }),
      charts: new HelmChartTool({ helmBin: hasHelm ? helmBin : null }),
    };
    h = await startHarness(
      { ROLLOUT_TIMEOUT_MS: '20000', SERVICE_TIMEOUT_MS: '20000' },
      {
        drivers,
      },
    );
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await k8s?.close();
    await rm(contextRoot, { recursive: true, force: true });
  });

  it.runIf(docker.reachable)(
    'builds a FROM scratch image from a local context: built, size and id from inspect; delete removes it',
    async () => {
      const { image, operation } = await createImage(h.deps, h.owner, {
        name: 'busybox-real',
        tag: `t${Date.now()}`,
        repository: 'slipway.local/test',
        source: { path: 'app' },
      });
      expect((await h.settle(operation, 60_000)).status).toBe('succeeded');
      const built = await getImage(h.deps, h.owner, image.id);
      expect(built).toMatchObject({ status: 'built', driver: 'docker' });
      expect(built.size).toBeGreaterThan(100_000);
      expect(built.imageId).toMatch(/^sha256:/);
      const del = await deleteImage(h.deps, h.owner, image.id);
      expect((await h.settle(del.operation, 30_000)).status).toBe('succeeded');
    },
  );

  it('validates a chart with the real helm (or the structural validator without it)', async () => {
    const { chart, operation } = await createChart(h.deps, h.owner, {
      name: 'todo-app',
      version: '1.0.0',
      appVersion: '1.0.0',
    });
    expect((await h.settle(operation, 30_000)).status).toBe('succeeded');
    expect(await getChart(h.deps, h.owner, chart.id)).toMatchObject({
      status: 'valid',
      validator: hasHelm ? 'helm' : 'structural',
    });
  });

  it('starts a cluster with the minikube CLI, rolls out, scales and exposes on the Kubernetes API', async () => {
    const c = await createCluster(h.deps, h.owner, {
      name: clusterName,
      cpus: 2,
      memory: 4096,
      diskSize: 20_000,
      kubernetesVersion: 'v1.30.0',
    });
    const start = await clusterAction(h.deps, h.owner, c.id, 'start');
    expect((await h.settle(start.operation, 30_000)).status).toBe('succeeded');
    expect(await getCluster(h.deps, h.owner, c.id)).toMatchObject({
      status: 'running',
      driver: 'minikube',
      kubeContext: minikubeProfile(c.id),
    });
    // minikube writes its profile's context into the kubeconfig; here the fixture's context takes that name.
    drivers.workloads = new KubernetesWorkloads({
      kubeconfigYaml: k8s.kubeconfigYaml.replaceAll(clusterName, minikubeProfile(c.id)),
      pollIntervalMs: 20,
    });

    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'web',
      replicas: 2,
      image: 'nginx:1.27',
      containerPort: 80,
      minikubeClusterId: c.id,
    });
    expect((await h.settle(operation, 30_000)).status).toBe('succeeded');
    expect(await getDeployment(h.deps, h.owner, deployment.id)).toMatchObject({
      status: 'running',
      availableReplicas: 2,
      driver: 'kubernetes',
    });
    // Server-side apply with Slipway's field manager and labels reached the API server.
    const obj = k8s.getObject('deployments', defaultNamespace(h.owner.id), 'web') as
      | { metadata: { labels: Record<string, string> } }
      | undefined;
    expect(obj?.metadata.labels['slipway.dev/deployment-id']).toBe(deployment.id);
    expect(
      k8s.requests.some(
        (r) =>
          r.method === 'PATCH' && r.query.fieldManager === 'slipway' && r.contentType.includes('apply-patch'),
      ),
    ).toBe(true);

    const scaled = await scaleDeployment(h.deps, h.owner, deployment.id, 3);
    expect((await h.settle(scaled.operation, 30_000)).status).toBe('succeeded');
    expect(await getDeployment(h.deps, h.owner, deployment.id)).toMatchObject({
      status: 'running',
      availableReplicas: 3,
    });

    const svc = await createService(h.deps, h.owner, {
      name: 'web',
      type: 'ClusterIP',
      port: 80,
      targetPort: 80,
      protocol: 'TCP',
      deploymentId: deployment.id,
    });
    expect((await h.settle(svc.operation, 30_000)).status).toBe('succeeded');
    expect((await getService(h.deps, h.owner, svc.service.id)).status).toBe('active');

    // Crash the pods on the API server: a scale now ends failed with the reason from the cluster,
    // and AI debug names CrashLoopBackOff from the pods' container states.
    k8s.crashPodsOf('web', 'CrashLoopBackOff', ['Error: missing required environment variable DATABASE_URL']);
    const again = await scaleDeployment(h.deps, h.owner, deployment.id, 4);
    const failed = await h.settle(again.operation, 30_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/CrashLoopBackOff/);
    const dbg = await aiDebug(h.deps, h.owner, {
      deploymentId: deployment.id,
      aiAgent: 'kubectl-ai',
      issue: 'pod not ready',
    });
    const done = await waitForOperation(h.deps, dbg.id, 30_000);
    expect(done.status).toBe('succeeded');
    expect(String(done.result?.analysis)).toMatch(/CrashLoopBackOff/);
  });
});
