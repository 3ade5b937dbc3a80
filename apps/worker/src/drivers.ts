import { createDrivers, type DriverReport, type Drivers, driverNames } from '@slipway/drivers';
import type { WorkerConfig } from './config.ts';

/** Chooses adapters from DRIVER (sandbox | real | auto) and the tools this machine has. */
export async function buildDrivers(
  config: WorkerConfig,
): Promise<{ drivers: Drivers; names: ReturnType<typeof driverNames>; report: DriverReport[] }> {
  const { drivers, report } = await createDrivers({
    mode: config.DRIVER,
    sandbox: { timeScale: config.SANDBOX_TIME_SCALE, ledgerPath: config.SANDBOX_LEDGER ?? null },
    buildContextRoot: config.BUILD_CONTEXT_ROOT,
    gitAllowedHosts: config.GIT_ALLOWED_HOSTS,
    minikubeBin: config.MINIKUBE_BIN,
    minikubeDriver: config.MINIKUBE_DRIVER,
    helmBin: config.HELM_BIN,
    kubeconfigPath: config.KUBECONFIG,
  });
  return { drivers, names: driverNames(drivers), report };
}
