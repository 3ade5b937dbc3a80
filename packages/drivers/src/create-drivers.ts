import { DockerImageBuilder } from './docker/index.ts';
import { HelmChartTool } from './helm/index.ts';
import { KubernetesWorkloads } from './kubernetes/index.ts';
import { MinikubeProvisioner } from './minikube/index.ts';
import { type Probe, probeGate } from './probe-gate.ts';
import { SandboxChartTool } from './sandbox/charts.ts';
import { createSandboxDrivers } from './sandbox/index.ts';
import type { DriverReport, Drivers } from './types.ts';

export type DriverMode = 'sandbox' | 'real' | 'auto';

export type CreateDriversOptions = {
  mode: DriverMode;
  sandbox?: { timeScale?: number; ledgerPath?: string | null | undefined };
  buildContextRoot: string;
  /** Git hosts builds may clone from although they are internal addresses (GIT_ALLOWED_HOSTS). */
  gitAllowedHosts?: readonly string[];
  minikubeBin?: string;
  minikubeDriver?: string;
  helmBin?: string;
  kubeconfigPath?: string | undefined;
  /** Probe gate timing (tests shorten it); see probe-gate.ts. */
  reprobe?: { healthyTtlMs?: number; failedTtlMs?: number };
};

const timeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p.catch(() => fallback), new Promise<T>((r) => setTimeout(() => r(fallback), ms))]);

/**
 * The composition of adapters. `sandbox`: all simulated, and only when asked for by name (`npm run
 * dev` does). `real` and `auto`: Docker, minikube, Kubernetes and helm, never the simulator (fail
 * closed). Docker and minikube sit behind a probe gate: while their tool does not answer, operations
 * fail with a clear retryable error and the tool is re-probed until it does (a worker that started
 * during a Docker restart recovers by itself). Workloads go to each cluster's own context, whose
 * errors the Kubernetes adapter reports per call; without helm, charts are validated structurally.
 * `auto` is kept as a name for existing configurations: it means `real`.
 */
export async function createDrivers(
  o: CreateDriversOptions,
): Promise<{ drivers: Drivers; report: DriverReport[] }> {
  const sandbox = createSandboxDrivers({
    timeScale: o.sandbox?.timeScale ?? 1,
    ledgerPath: o.sandbox?.ledgerPath ?? null,
  });
  const sandboxCharts = new SandboxChartTool({ timeScale: o.sandbox?.timeScale ?? 1 });
  const sandboxReport = (family: DriverReport['family'], picked: boolean): DriverReport => ({
    family,
    kind: 'sandbox',
    reachable: true,
    version: 'simulated',
    picked,
  });
  if (o.mode === 'sandbox') {
    return {
      drivers: {
        images: sandbox.images,
        clusters: sandbox.clusters,
        workloads: sandbox.workloads,
        charts: sandboxCharts,
      },
      report: (['images', 'clusters', 'workloads', 'charts'] as const).map((f) => sandboxReport(f, true)),
    };
  }
  const [docker, minikube, kube, helm] = await Promise.all([
    timeout<Probe>(DockerImageBuilder.probe(), 3000, {
      reachable: false,
      detail: 'docker engine did not answer in 3s',
    }),
    timeout<Probe>(MinikubeProvisioner.probe(o.minikubeBin ?? 'minikube'), 5000, {
      reachable: false,
      detail: 'minikube did not answer in 5s',
    }),
    timeout<Probe>(
      KubernetesWorkloads.probe(o.kubeconfigPath ? { kubeconfigPath: o.kubeconfigPath } : {}),
      5000,
      {
        reachable: false,
        detail: 'Kubernetes API did not answer in 5s',
      },
    ),
    timeout<Probe>(HelmChartTool.probe(o.helmBin ?? 'helm'), 5000, {
      reachable: false,
      detail: 'helm did not answer in 5s',
    }),
  ]);
  const kubeOpts = o.kubeconfigPath ? { kubeconfigPath: o.kubeconfigPath } : {};
  const gate = { healthyTtlMs: o.reprobe?.healthyTtlMs, failedTtlMs: o.reprobe?.failedTtlMs };
  const minikubeBin = o.minikubeBin ?? 'minikube';
  const drivers: Drivers = {
    images: probeGate(
      new DockerImageBuilder({ buildContextRoot: o.buildContextRoot, gitAllowedHosts: o.gitAllowedHosts }),
      {
        ...gate,
        tool: 'docker engine',
        initial: docker,
        probe: () =>
          timeout<Probe>(DockerImageBuilder.probe(), 3000, { reachable: false, detail: 'no answer in 3s' }),
      },
    ),
    clusters: probeGate(
      new MinikubeProvisioner({ bin: minikubeBin, driver: o.minikubeDriver ?? 'docker', ...kubeOpts }),
      {
        ...gate,
        tool: 'minikube',
        initial: minikube,
        // Registered kubeconfig contexts are observed without the minikube binary.
        needsTool: (args) => (args[0] as { kind?: string } | undefined)?.kind !== 'kubeconfig',
        probe: () =>
          timeout<Probe>(MinikubeProvisioner.probe(minikubeBin), 5000, {
            reachable: false,
            detail: 'no answer in 5s',
          }),
      },
    ),
    workloads: new KubernetesWorkloads(kubeOpts),
    charts: new HelmChartTool({ helmBin: helm.reachable ? (o.helmBin ?? 'helm') : null, ...kubeOpts }),
  };
  const row = (family: DriverReport['family'], kind: string, p: Probe, picked: boolean): DriverReport => ({
    family,
    kind,
    reachable: p.reachable,
    ...(p.version ? { version: p.version } : {}),
    ...(p.detail ? { detail: p.detail } : {}),
    picked,
  });
  return {
    drivers,
    report: [
      row('images', 'docker', docker, true),
      row('clusters', 'minikube', minikube, true),
      row('workloads', 'kubernetes', kube, true),
      row('charts', 'helm', helm, true),
    ],
  };
}

/** The kind each family runs on (recorded on every resource as `driver`). */
export function driverNames(d: Drivers): {
  images: string;
  clusters: string;
  workloads: string;
  charts: string;
} {
  return {
    images: d.images.kind,
    clusters: d.clusters.kind,
    workloads: d.workloads.kind,
    charts: d.charts.kind,
  };
}
