import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../types.ts';
import { checkKubernetesVersion, SandboxClusterProvisioner } from './clusters.ts';
import { readLedger } from './ledger.ts';
import { recordingContext, rejectionOf } from './test-context.ts';

const fast = { timeScale: 0.001 };

function spec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    id: 'cl-1',
    name: 'local-dev',
    kind: 'minikube',
    cpus: 4,
    memory: 8192,
    diskSize: 30720,
    kubernetesVersion: 'v1.28.0',
    ...overrides,
  };
}

describe('SandboxClusterProvisioner', () => {
  it('starts with minikube-like lines and reports the profile (from the id) as kube context', async () => {
    const ctx = recordingContext();
    const obs = await new SandboxClusterProvisioner(fast).start(spec(), ctx);
    expect(obs).toEqual({ status: 'running', kubeContext: 'slipway-cl1' });
    expect(ctx.lines[0]).toBe('😄  [slipway-cl1] minikube v1.34.0 on Debian 12 (amd64)');
    expect(ctx.lines).toContain('🔥  Creating docker container (CPUs=4, Memory=8192MB) ...');
    expect(ctx.lines).toContain('🐳  Preparing Kubernetes v1.28.0 on Docker 27.2.0 ...');
    expect(ctx.lines.at(-1)).toBe(
      '🏄  Done! kubectl is now configured to use "slipway-cl1" cluster and "default" namespace by default',
    );
    expect(ctx.percents.at(-1)).toBe(100);
  });

  it("a minikube cluster's profile comes from its id, never its name or a given kubeContext", async () => {
    const p = new SandboxClusterProvisioner(fast);
    const a = await p.start(
      spec({ id: 'aaaaaaaa-1111-4000-8000-000000000001', kubeContext: 'ctx-a' }),
      recordingContext(),
    );
    const b = await p.start(spec({ id: 'bbbbbbbb-2222-4000-8000-000000000002' }), recordingContext());
    expect(a.kubeContext).toBe('slipway-aaaaaaaa1111');
    expect(b.kubeContext).toBe('slipway-bbbbbbbb2222');
  });

  it('gives identical logs and results from two separate instances', async () => {
    const a = recordingContext();
    const b = recordingContext();
    expect(await new SandboxClusterProvisioner(fast).start(spec(), a)).toEqual(
      await new SandboxClusterProvisioner(fast).start(spec(), b),
    );
    expect(a.lines).toEqual(b.lines);
  });

  it('fails to start a "fail-start" cluster, not retryable, and reports it in error', async () => {
    const provisioner = new SandboxClusterProvisioner(fast);
    const ctx = recordingContext();
    const err = await rejectionOf(provisioner.start(spec({ name: 'fail-start-1' }), ctx));
    expect(err).toMatchObject({ code: 'start_failed', retryable: false });
    expect(ctx.lines.at(-1)).toMatch(/^❌ {2}Exiting due to GUEST_PROVISION/);
    expect((await provisioner.status(spec({ name: 'fail-start-1' }), recordingContext())).status).toBe(
      'error',
    );
  });

  it.each(['v1.19.16', '1.18.0', 'v0.9.0', 'nonsense'])(
    'refuses Kubernetes %s as unsupported_version',
    async (v) => {
      const err = await rejectionOf(
        new SandboxClusterProvisioner(fast).start(spec({ kubernetesVersion: v }), recordingContext()),
      );
      expect(err).toMatchObject({ code: 'unsupported_version', retryable: false });
    },
  );

  it('accepts v1.20 and newer, and minikube aliases', () => {
    expect(checkKubernetesVersion('v1.20.0')).toBe('v1.20.0');
    expect(checkKubernetesVersion('1.31')).toBe('v1.31.0');
    expect(checkKubernetesVersion('stable')).toBe('v1.31.0');
  });

  it('stops, deletes, loads images and reads status', async () => {
    const ledgerPath = join(mkdtempSync(join(tmpdir(), 'sandbox-cl-')), 'ledger.jsonl');
    const provisioner = new SandboxClusterProvisioner({ ...fast, ledgerPath });
    const ctx = recordingContext({ operationId: 'op-s' });
    expect(await provisioner.stop(spec(), ctx)).toEqual({ status: 'stopped', kubeContext: 'slipway-cl1' });
    expect(ctx.lines.at(-1)).toBe('🛑  1 node stopped.');
    await provisioner.delete(spec(), ctx);
    expect(ctx.lines.at(-1)).toBe('💀  Removed all traces of the "slipway-cl1" cluster.');
    await provisioner.loadImage(spec(), 'todo/app:1', ctx);
    await provisioner.loadImage(spec(), 'todo/web:1', ctx);
    expect((await provisioner.status(spec(), ctx)).status).toBe('running');
    expect(readLedger(ledgerPath).map((e) => [e.effect, e.resourceId])).toEqual([
      ['stop', 'cl-1'],
      ['delete', 'cl-1'],
      ['loadImage', 'cl-1/todo/app:1'],
      ['loadImage', 'cl-1/todo/web:1'],
    ]);
  });

  it('treats kubeconfig clusters as external: start checks the context', async () => {
    const ctx = recordingContext();
    const obs = await new SandboxClusterProvisioner(fast).start(
      spec({ kind: 'kubeconfig', kubeContext: 'prod-eu' }),
      ctx,
    );
    expect(obs).toEqual({ status: 'running', kubeContext: 'prod-eu' });
    expect(ctx.lines[0]).toBe('Using kubeconfig context "prod-eu"');
  });

  it('times out a "transient" start once and succeeds on retry', async () => {
    const provisioner = new SandboxClusterProvisioner(fast);
    const err = await rejectionOf(provisioner.start(spec({ name: 'transient-c' }), recordingContext()));
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    const obs = await provisioner.start(spec({ name: 'transient-c' }), recordingContext({ attempt: 2 }));
    expect(obs.status).toBe('running');
  });

  it('cancels a start mid-way when the signal aborts', async () => {
    const ctx = recordingContext();
    ctx.log = () => ctx.controller.abort();
    // timeScale 1: without the abort this would take ~5 s.
    const err = await rejectionOf(new SandboxClusterProvisioner({ timeScale: 1 }).start(spec(), ctx));
    expect(err).toMatchObject({ code: 'cancelled', retryable: false });
  });
});
