export * from './create-drivers.ts';
export * from './docker/index.ts';
export * from './helm/index.ts';
export * from './kubernetes/index.ts';
export * from './minikube/index.ts';
export { SandboxChartTool } from './sandbox/charts.ts';
export {
  createSandboxDrivers,
  type LedgerEntry,
  readLedger,
  SandboxClusterProvisioner,
  SandboxImageBuilder,
  type SandboxOptions,
  SandboxWorkloads,
} from './sandbox/index.ts';
export * from './types.ts';
