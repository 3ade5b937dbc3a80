import type { ApiApp, AppDeps } from '../../context.ts';
import { registerClusterAction } from './action.ts';

/** POST /api/minikube-clusters/:id/start */
export function registerStartCluster(app: ApiApp, deps: AppDeps): void {
  registerClusterAction(app, deps, 'start');
}
