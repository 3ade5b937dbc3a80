import type { ApiApp, AppDeps } from '../../context.ts';
import { registerClusterAction } from './action.ts';

/** POST /api/minikube-clusters/:id/restart */
export function registerRestartCluster(app: ApiApp, deps: AppDeps): void {
  registerClusterAction(app, deps, 'restart');
}
