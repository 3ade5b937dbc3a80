export { minikubeArgs } from './args.ts';
export {
  type MinikubeProbe,
  MinikubeProvisioner,
  type MinikubeProvisionerOptions,
  minikubeFailureLine,
} from './minikube-provisioner.ts';
export { MINIKUBE_PROFILE_PREFIX, minikubeProfile } from './profile.ts';
export { type RunOptions, type RunResult, runCommand } from './run.ts';
export {
  describeStatusBits,
  EXIT_PROFILE_NOT_FOUND,
  extractStatusJson,
  type MinikubeStatus,
  parseMinikubeStatus,
} from './status.ts';
