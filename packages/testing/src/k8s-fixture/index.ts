export type { FaultEvent, WorkloadFault } from './faults.ts';
export type { CrashReason, K8sFixture, K8sFixtureOptions, PodUsage, RecordedRequest } from './server.ts';
export { startK8sFixture } from './server.ts';
