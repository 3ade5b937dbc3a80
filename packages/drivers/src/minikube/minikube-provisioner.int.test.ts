// MinikubeProvisioner against the minikube fixture executable (same argv, outputs and exit codes).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minikubeFixturePath, minikubeFixtureStateDir, startK8sFixture } from '@slipway/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ClusterSpec, OpContext } from '../types.ts';
import { MinikubeProvisioner } from './minikube-provisioner.ts';

function ctx(signal: AbortSignal = new AbortController().signal): OpContext & { lines: string[] } {
  const lines: string[] = [];
  return { operationId: 'op-1', attempt: 1, signal, log: (m) => lines.push(m), lines };
}

// cluster('dev') has id 'c-1': its profile is minikubeProfile('c-1').
const P = 'slipway-c1';
const cluster = (name: string, over: Partial<ClusterSpec> = {}): ClusterSpec => ({
  id: 'c-1',
  name,
  kind: 'minikube',
  cpus: 2,
  memory: 4096,
  diskSize: 20480,
  kubernetesVersion: 'v1.31.0',
  ...over,
});

let state: string;
const env = (extra: Record<string, string> = {}) => ({
  ...process.env,
  MINIKUBE_FIXTURE_STATE: state,
  ...extra,
});
const provisioner = (extra: Record<string, string> = {}, timeoutMs = 20_000) =>
  new MinikubeProvisioner({ bin: minikubeFixturePath(), env: env(extra), timeoutMs });

beforeEach(() => {
  state = minikubeFixtureStateDir();
});

describe('MinikubeProvisioner against the fixture CLI', () => {
  it('start -> running, stop -> stopped (status exit 7), delete -> absent', async () => {
    const p = provisioner();
    const c = ctx();
    expect(await p.status(cluster('dev'), c)).toMatchObject({ status: 'absent', kubeContext: P });
    expect(await p.start(cluster('dev'), c)).toEqual({ status: 'running', kubeContext: P });
    expect(c.lines).toContain(
      '🏄  Done! kubectl is now configured to use "slipway-c1" cluster and "default" namespace by default',
    );
    expect(await p.stop(cluster('dev'), c)).toMatchObject({ status: 'stopped', kubeContext: P });
    expect(await p.start(cluster('dev'), c)).toMatchObject({ status: 'running' });
    expect(c.lines.some((l) => l.includes('Restarting existing docker container'))).toBe(true);
    await p.delete(cluster('dev'), c);
    expect((await p.status(cluster('dev'), c)).status).toBe('absent');
    await p.delete(cluster('dev'), c);
    const calls = readFileSync(join(state, 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(calls).toContainEqual([
      'start',
      '-p',
      P,
      '--cpus=2',
      '--memory=4096mb',
      '--disk-size=20480mb',
      '--kubernetes-version=v1.31.0',
      '--driver=docker',
    ]);
    expect(calls).toContainEqual(['status', '-p', P, '-o', 'json']);
  });

  it('an unknown profile is absent; a minikube kubeContext never picks the profile', async () => {
    const p = provisioner();
    expect(await p.status(cluster('ghost', { id: 'c-9', kubeContext: 'ghost-ctx' }), ctx())).toMatchObject({
      status: 'absent',
      kubeContext: 'slipway-c9',
    });
    expect((await p.stop(cluster('ghost', { id: 'c-9' }), ctx())).status).toBe('absent');
  });

  it("two owners' clusters named alike get different profiles; deleting one leaves the other's", async () => {
    const p = provisioner();
    const a = cluster('dev', { id: '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a' });
    const b = cluster('dev', { id: '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b' });
    expect(await p.start(a, ctx())).toEqual({ status: 'running', kubeContext: 'slipway-0a0a0a0a0a0a' });
    expect(await p.start(b, ctx())).toEqual({ status: 'running', kubeContext: 'slipway-0b0b0b0b0b0b' });
    await p.delete(b, ctx());
    expect((await p.status(b, ctx())).status).toBe('absent');
    expect(await p.status(a, ctx())).toMatchObject({
      status: 'running',
      kubeContext: 'slipway-0a0a0a0a0a0a',
    });
    const profiles = JSON.parse(readFileSync(join(state, 'profiles.json'), 'utf8'));
    expect(Object.keys(profiles)).toEqual(['slipway-0a0a0a0a0a0a']);
    const calls = readFileSync(join(state, 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(calls.some((c) => c.includes('dev'))).toBe(false);
  });

  it('a running host with a stopped apiserver is error with the reason', async () => {
    await provisioner().start(cluster('dev'), ctx());
    const obs = await provisioner({ MINIKUBE_FIXTURE_DEGRADED: '1' }).status(cluster('dev'), ctx());
    expect(obs.status).toBe('error');
    expect(obs.detail).toMatch(/apiserver Stopped/);
  });

  it("start failures carry minikube's reason and whether a retry can help", async () => {
    await expect(
      provisioner({ MINIKUBE_FIXTURE_FAIL: 'start' }).start(cluster('dev'), ctx()),
    ).rejects.toMatchObject({
      code: 'minikube_start_failed',
      retryable: true,
      message: expect.stringContaining('GUEST_PROVISION'),
    });
    await expect(
      provisioner({ MINIKUBE_FIXTURE_FAIL: 'start-usage' }).start(cluster('dev'), ctx()),
    ).rejects.toMatchObject({
      code: 'minikube_start_failed',
      retryable: false,
    });
  });

  it('loads images into a running profile; not into a stopped or unknown one', async () => {
    const p = provisioner();
    await p.start(cluster('dev'), ctx());
    await p.loadImage(cluster('dev'), 'todo/backend:1.0', ctx());
    const profiles = JSON.parse(readFileSync(join(state, 'profiles.json'), 'utf8'));
    expect(profiles[P].images).toEqual(['todo/backend:1.0']);
    await p.stop(cluster('dev'), ctx());
    await expect(p.loadImage(cluster('dev'), 'todo/backend:1.0', ctx())).rejects.toMatchObject({
      code: 'cluster_not_running',
      retryable: false,
    });
    await expect(p.loadImage(cluster('nope', { id: 'c-404' }), 'x:1', ctx())).rejects.toMatchObject({
      code: 'cluster_absent',
    });
  });

  it('kills the child on timeout and on ctx.signal', async () => {
    await expect(
      provisioner({ MINIKUBE_FIXTURE_SLEEP_MS: '5000' }, 200).start(cluster('dev'), ctx()),
    ).rejects.toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    const ac = new AbortController();
    const pending = provisioner({ MINIKUBE_FIXTURE_SLEEP_MS: '5000' }).start(cluster('dev'), ctx(ac.signal));
    setTimeout(() => ac.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });

  it('probe reports the version, and a missing binary as unreachable', async () => {
    expect(await MinikubeProvisioner.probe(minikubeFixturePath(), env())).toEqual({
      reachable: true,
      version: 'v1.34.0',
    });
    const missing = await MinikubeProvisioner.probe('/nonexistent/minikube');
    expect(missing.reachable).toBe(false);
    expect(missing.detail).toMatch(/not found/);
    await expect(
      new MinikubeProvisioner({ bin: '/nonexistent/minikube' }).start(cluster('x'), ctx()),
    ).rejects.toMatchObject({
      code: 'binary_not_found',
      retryable: false,
    });
  });
});

describe('kind kubeconfig clusters', () => {
  it('start/stop/loadImage are not_supported; status probes the context; delete only unregisters', async () => {
    const k8s = await startK8sFixture({ context: 'team-prod' });
    try {
      // A copy of the kubeconfig: it must outlive the fixture to show an unreachable API server.
      const kubeconfigPath = join(state, 'kubeconfig');
      writeFileSync(kubeconfigPath, k8s.kubeconfigYaml);
      const p = new MinikubeProvisioner({ bin: '/nonexistent/minikube', kubeconfigPath });
      const spec = cluster('prod', { kind: 'kubeconfig', kubeContext: 'team-prod' });
      await expect(p.start(spec, ctx())).rejects.toMatchObject({ code: 'not_supported', retryable: false });
      await expect(p.stop(spec, ctx())).rejects.toMatchObject({ code: 'not_supported', retryable: false });
      await expect(p.loadImage(spec, 'x:1', ctx())).rejects.toMatchObject({ code: 'not_supported' });
      expect(await p.status(spec, ctx())).toMatchObject({ status: 'running', kubeContext: 'team-prod' });
      expect((await p.status({ ...spec, kubeContext: 'other' }, ctx())).status).toBe('absent');
      await p.delete(spec, ctx());
      await k8s.close();
      expect(await p.status(spec, ctx())).toMatchObject({
        status: 'error',
        detail: expect.stringMatching(/unreachable/),
      });
    } finally {
      await k8s.close().catch(() => undefined);
    }
  });
});
