import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { minikubeFixturePath, minikubeFixtureStateDir } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDrivers } from './create-drivers.ts';
import type { ClusterSpec, OpContext } from './types.ts';

const ctx: OpContext = {
  operationId: 'op-1',
  attempt: 1,
  signal: new AbortController().signal,
  log: () => {},
};
const spec: ClusterSpec = {
  id: '00000000-0000-4000-8000-000000000001',
  name: 'gate',
  kind: 'minikube',
  cpus: 2,
  memory: 2048,
  diskSize: 20_000,
  kubernetesVersion: 'v1.30.0',
};

describe('DRIVER fails closed', () => {
  let dir: string;
  let savedState: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gate-'));
    savedState = process.env.MINIKUBE_FIXTURE_STATE;
    process.env.MINIKUBE_FIXTURE_STATE = minikubeFixtureStateDir();
  });
  afterAll(async () => {
    if (savedState === undefined) delete process.env.MINIKUBE_FIXTURE_STATE;
    else process.env.MINIKUBE_FIXTURE_STATE = savedState;
    await rm(dir, { recursive: true, force: true });
  });

  it('auto never picks the simulator: a missing tool fails its operations with a clear retryable error, and is re-probed until it answers', async () => {
    const minikubeBin = join(dir, 'minikube');
    // A kubeconfig with no clusters in it yet (minikube writes its contexts into it later).
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const { drivers, report } = await createDrivers({
      mode: 'auto',
      buildContextRoot: dir,
      minikubeBin,
      helmBin: join(dir, 'helm'),
      kubeconfigPath,
      reprobe: { failedTtlMs: 0 },
    });
    expect([drivers.images.kind, drivers.clusters.kind, drivers.workloads.kind, drivers.charts.kind]).toEqual(
      ['docker', 'minikube', 'kubernetes', 'helm'],
    );
    expect(report.find((r) => r.family === 'clusters')).toMatchObject({ kind: 'minikube', reachable: false });
    expect(report.some((r) => r.kind === 'sandbox')).toBe(false);

    const refused = await drivers.clusters.start(spec, ctx).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'DriverError', code: 'tool_unavailable', retryable: true });
    expect((refused as Error).message).toMatch(/^minikube is not reachable: .*not found/);

    // minikube gets installed while the worker runs: the next operation probes again and goes through.
    await copyFile(minikubeFixturePath(), minikubeBin);
    const started = await drivers.clusters.start(spec, ctx);
    expect(started).toMatchObject({ status: 'running' });
  });

  it('the sandbox only when asked for by name', async () => {
    const { drivers } = await createDrivers({ mode: 'sandbox', buildContextRoot: dir });
    expect(drivers.clusters.kind).toBe('sandbox');
  });
});
