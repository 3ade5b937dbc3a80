// A kubeconfig whose current context is one cluster's: what a tool that only honours the current context
// (kubectl-ai has no --context flag) is handed, so it looks at the cluster Slipway means.

import { DriverError } from '../types.ts';
import { k8s } from './client.ts';

/** The kubeconfig (`path`, else the default loading: KUBECONFIG, ~/.kube/config) switched to `context`, as JSON (valid YAML). */
export function kubeconfigForContext(context: string, path?: string): string {
  const kc = new (k8s().KubeConfig)();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (!kc.getContextObject(context))
    throw new DriverError('context_not_found', `kubeconfig has no context "${context}"`, {
      retryable: false,
    });
  kc.setCurrentContext(context);
  return kc.exportConfig();
}
