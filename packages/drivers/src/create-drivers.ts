import { DockerImageBuilder } from './docker/index.ts';
import { HelmChartTool } from './helm/index.ts';
import { KubernetesWorkloads } from './kubernetes/index.ts';
import { MinikubeProvisioner } from './minikube/index.ts';
import { SandboxChartTool } from './sandbox/charts.ts';
import { createSandboxDrivers } from './sandbox/index.ts';
import type { DriverReport, Drivers } from './types.ts';

export type DriverMode = 'sandbox' | 'real' | 'auto';

export type CreateDriversOptions = {
  mode: DriverMode;
  sandbox?: { timeScale?: number; ledgerPath?: string | null | undefined };
  buildContextRoot: string;
  minikubeBin?: string;
  minikubeDriver?: string;
  helmBin?: string;
  kubeconfigPath?: string | undefined;
};

type Probe = { reachable: boolean; version?: string | undefined; detail?: string | undefined };

const timeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p.catch(() => fallback), new Promise<T>((r) => setTimeout(() => r(fallback), ms))]);

/**
 * The composition of adapters. `sandbox`: all simulated. `real`: Docker, minikube, Kubernetes and
 * helm, whether reachable or not (a missing tool fails operations with its error). `auto`: per
 * family, the real adapter where its tool answers, else the sandbox.
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
  const real = o.mode === 'real';
  const useDocker = real || docker.reachable;
  const useMinikube = real || minikube.reachable;
  // Workloads go to whatever cluster a Slipway cluster points at: real when minikube or a kubeconfig is there.
  const useKube = real || kube.reachable || minikube.reachable;
  // helm validates locally but installs into a cluster: with simulated workloads, charts stay simulated too,
  // so an AI deploy never targets a cluster that does not exist.
  const useHelm = real || (helm.reachable && useKube);
  const kubeOpts = o.kubeconfigPath ? { kubeconfigPath: o.kubeconfigPath } : {};
  const drivers: Drivers = {
    images: useDocker ? new DockerImageBuilder({ buildContextRoot: o.buildContextRoot }) : sandbox.images,
    clusters: useMinikube
      ? new MinikubeProvisioner({
          bin: o.minikubeBin ?? 'minikube',
          driver: o.minikubeDriver ?? 'docker',
          ...kubeOpts,
        })
      : sandbox.clusters,
    workloads: useKube ? new KubernetesWorkloads(kubeOpts) : sandbox.workloads,
    charts: useHelm
      ? new HelmChartTool({ helmBin: helm.reachable ? (o.helmBin ?? 'helm') : null, ...kubeOpts })
      : sandboxCharts,
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
      row('images', 'docker', docker, useDocker),
      row('clusters', 'minikube', minikube, useMinikube),
      row('workloads', 'kubernetes', kube, useKube),
      row('charts', 'helm', helm, useHelm),
      ...(useDocker ? [] : [sandboxReport('images', true)]),
      ...(useMinikube ? [] : [sandboxReport('clusters', true)]),
      ...(useKube ? [] : [sandboxReport('workloads', true)]),
      ...(useHelm ? [] : [sandboxReport('charts', true)]),
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
