import { createCluster } from '@slipway/core';
import { clusterKinds } from '@slipway/db';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeCluster } from '../../serializers.ts';
import { int, jsonBody, text } from '../../validation.ts';

export const CreateClusterBody = z.object({
  // Becomes the minikube profile name: letters, digits, dot, dash, underscore.
  name: text(63).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"'),
  cpus: int(1, 256),
  /** MiB */
  memory: int(256, 4 * 1024 * 1024),
  /** MiB */
  disk_size: int(1024, 64 * 1024 * 1024),
  kubernetes_version: text(32).regex(/^v?\d+\.\d+\.\d+$/, 'must look like v1.28.0'),
  kind: z.enum(clusterKinds).optional(),
  kube_context: text(253).nullable().optional(),
});

/** POST /api/minikube-clusters: records the cluster (stopped; a kubeconfig cluster is running). */
export function registerCreateCluster(app: ApiApp, deps: AppDeps): void {
  app.post('/api/minikube-clusters', async function createClusterRoute(c) {
    const b = await jsonBody(c, CreateClusterBody);
    const row = await createCluster(deps.core, c.get('actor'), {
      name: b.name,
      cpus: b.cpus,
      memory: b.memory,
      diskSize: b.disk_size,
      kubernetesVersion: b.kubernetes_version,
      kind: b.kind,
      kubeContext: b.kube_context,
    });
    return c.json(serializeCluster(row), 201);
  });
}
