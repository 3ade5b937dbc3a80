export { cancelledError, pause } from './clock.ts';
export { checkKubernetesVersion, SANDBOX_MINIKUBE_VERSION, SandboxClusterProvisioner } from './clusters.ts';
export { createSandboxDrivers } from './drivers.ts';
export { deploymentNameLooksUnhealthy, type WorkloadBehavior, workloadBehavior } from './faults.ts';
export { inspectImage, SandboxImageBuilder } from './images.ts';
export { type LedgerEntry, readLedger, type SandboxEffect } from './ledger.ts';
export type { SandboxOptions } from './options.ts';
export { podNames, podTemplateHash, SANDBOX_NODE, SANDBOX_RESOURCES, simulateWorkload } from './pods.ts';
export { rolloutBatchSize, SandboxWorkloads, serviceClusterIp } from './workloads.ts';
