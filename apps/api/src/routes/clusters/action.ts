import { type ClusterAction, clusterRoutes } from '@slipway/contract';
import { clusterAction } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';

const routes = {
  start: clusterRoutes.startMinikubeCluster,
  stop: clusterRoutes.stopMinikubeCluster,
  restart: clusterRoutes.restartMinikubeCluster,
} as const;

const messages = {
  start: { message: 'Cluster starting...', status: 'starting' },
  stop: { message: 'Cluster stopping...', status: 'stopping' },
  restart: { message: 'Cluster restarting...', status: 'restarting' },
} as const satisfies Record<ClusterAction, { message: string; status: string }>;

/** POST /api/minikube-clusters/:id/<action>: 202 with the contract's message; 409 when the state forbids it. */
export function registerClusterAction(app: ApiApp, deps: AppDeps, action: ClusterAction): void {
  app.openapi(routes[action] as typeof routes.start, async function clusterActionRoute(c) {
    const { id } = c.req.valid('param');
    const { operation } = await clusterAction(deps.core, c.get('actor'), id, action);
    return startedWork(c, { ...messages[action], id }, operation, 202);
  });
}
