import type { ApiApp, AppDeps } from '../../context.ts';
import { registerClusterAction } from './action.ts';

/** POST /api/minikube-clusters/:id/stop */
export function registerStopCluster(app: ApiApp, deps: AppDeps): void {
  registerClusterAction(app, deps, 'stop');
}
