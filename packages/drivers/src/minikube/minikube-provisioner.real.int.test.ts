// The real minikube (MINIKUBE_INTEGRATION_TESTS=1, optional MINIKUBE_BIN, MINIKUBE_DRIVER). Slow: it
// creates, stops and deletes a throwaway profile.
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec, OpContext } from '../types.ts';
import { MinikubeProvisioner } from './minikube-provisioner.ts';

const enabled = process.env.MINIKUBE_INTEGRATION_TESTS === '1';

describe.runIf(enabled)('MinikubeProvisioner with the real minikube', () => {
  const ctx: OpContext = {
    operationId: 'real',
    attempt: 1,
    signal: new AbortController().signal,
    log: () => {},
  };
  const p = new MinikubeProvisioner({
    bin: process.env.MINIKUBE_BIN ?? 'minikube',
    driver: process.env.MINIKUBE_DRIVER ?? 'docker',
  });
  const spec: ClusterSpec = {
    // The profile comes from the id (slipway-<12 hex>): a fresh one per run.
    id: randomUUID(),
    name: `slipway-it-${randomBytes(3).toString('hex')}`,
    kind: 'minikube',
    cpus: 2,
    memory: 2200,
    diskSize: 10000,
    kubernetesVersion: 'stable',
  };

  it('probe, start, status, stop, delete', async () => {
    expect((await MinikubeProvisioner.probe(process.env.MINIKUBE_BIN ?? 'minikube')).reachable).toBe(true);
    expect((await p.status(spec, ctx)).status).toBe('absent');
    try {
      expect((await p.start(spec, ctx)).status).toBe('running');
      expect((await p.stop(spec, ctx)).status).toBe('stopped');
    } finally {
      await p.delete(spec, ctx);
    }
    expect((await p.status(spec, ctx)).status).toBe('absent');
  }, 900_000);
});
