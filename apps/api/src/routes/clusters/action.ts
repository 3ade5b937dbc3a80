import { type ClusterAction, clusterAction } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { idParam } from '../../validation.ts';

const messages: Record<ClusterAction, { message: string; status: string }> = {
  start: { message: 'Cluster starting...', status: 'starting' },
  stop: { message: 'Cluster stopping...', status: 'stopping' },
  restart: { message: 'Cluster restarting...', status: 'restarting' },
};

/** POST /api/minikube-clusters/:id/<action>: 202 with the contract's message; 409 when the state forbids it. */
export function registerClusterAction(app: ApiApp, deps: AppDeps, action: ClusterAction): void {
  app.post(`/api/minikube-clusters/:id/${action}`, async function clusterActionRoute(c) {
    const id = idParam(c);
    const { operation } = await clusterAction(deps.core, c.get('actor'), id, action);
    return startedWork(c, { ...messages[action], id }, operation, 202);
  });
}
