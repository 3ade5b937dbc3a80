import { clusterRoutes } from '@slipway/contract';
import { createCluster } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { serializeCluster } from '../../serializers.ts';

/** POST /api/minikube-clusters: records the cluster (stopped; a kubeconfig cluster is running). */
export function registerCreateCluster(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(clusterRoutes.createMinikubeCluster), async function createClusterRoute(c) {
    const b = c.req.valid('json');
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
