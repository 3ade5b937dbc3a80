// Pure argv builders for the minikube CLI. Always arrays handed to spawn without a shell, so a profile
// name or image reference can never be interpreted as shell syntax.
import type { ClusterSpec } from '../types.ts';

export const minikubeArgs = {
  /** memory and diskSize are MB (the API contract's units); minikube accepts the `mb` suffix for both. */
  start(
    spec: Pick<ClusterSpec, 'name' | 'cpus' | 'memory' | 'diskSize' | 'kubernetesVersion'>,
    driver: string,
  ): string[] {
    return [
      'start',
      '-p',
      spec.name,
      `--cpus=${spec.cpus}`,
      `--memory=${spec.memory}mb`,
      `--disk-size=${spec.diskSize}mb`,
      `--kubernetes-version=${spec.kubernetesVersion}`,
      `--driver=${driver}`,
    ];
  },
  stop(name: string): string[] {
    return ['stop', '-p', name];
  },
  delete(name: string): string[] {
    return ['delete', '-p', name];
  },
  status(name: string): string[] {
    return ['status', '-p', name, '-o', 'json'];
  },
  imageLoad(name: string, ref: string): string[] {
    return ['image', 'load', ref, '-p', name];
  },
  version(): string[] {
    return ['version', '--short'];
  },
};
