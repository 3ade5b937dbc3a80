export { isNotFound, type K8sStatus, statusOf, toDriverError } from './errors.ts';
export { kubeconfigForContext } from './kubeconfig.ts';
export {
  KubernetesWorkloads,
  type KubernetesWorkloadsOptions,
  type ProbeResult,
} from './kubernetes-workloads.ts';
export {
  buildDeploymentManifest,
  buildNamespaceManifest,
  buildServiceManifest,
  CONTAINER_NAME,
  type DeploymentManifest,
  FIELD_MANAGER,
  LABELS,
  MANAGED_BY,
  type NamespaceManifest,
  podSelector,
  type ServiceManifest,
} from './manifests.ts';
export {
  deploymentObservation,
  eventOf,
  FAILING_WAITING_REASONS,
  firstUnhealthyContainer,
  nodeCapacity,
  type PodUsage,
  parseCpuMillicores,
  parseMemoryMiB,
  podSnapshot,
  serviceObservation,
} from './observe.ts';
