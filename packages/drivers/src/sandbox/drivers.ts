// Composition helper: the three sandbox adapters sharing one set of options (clock, ledger).
import { SandboxClusterProvisioner } from './clusters.ts';
import { SandboxImageBuilder } from './images.ts';
import type { SandboxOptions } from './options.ts';
import { SandboxWorkloads } from './workloads.ts';

export function createSandboxDrivers(opts: SandboxOptions = {}): {
  images: SandboxImageBuilder;
  clusters: SandboxClusterProvisioner;
  workloads: SandboxWorkloads;
} {
  return {
    images: new SandboxImageBuilder(opts),
    clusters: new SandboxClusterProvisioner(opts),
    workloads: new SandboxWorkloads(opts),
  };
}
