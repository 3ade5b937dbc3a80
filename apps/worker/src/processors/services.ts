import {
  assertTenancyForWorker,
  loadClusterForWorker,
  loadDeploymentForWorker,
  loadServiceForWorker,
  settleServiceRollout,
} from '@slipway/core';
import { DriverError } from '@slipway/drivers';
import type { Processor } from '../runner.ts';
import { clusterTarget, serviceSpec } from './specs.ts';

export const applyService: Processor<'service.apply'> = async ({
  op,
  lease,
  deps,
  drivers,
  driverCtx,
  settings,
}) => {
  const svc = await loadServiceForWorker(deps, op.resourceId);
  const dep = svc ? await loadDeploymentForWorker(deps, svc.deploymentId) : null;
  const cluster = svc ? await loadClusterForWorker(deps, svc.clusterId) : null;
  if (!svc || svc.deletedAt || !dep || !cluster || cluster.deletedAt) {
    await lease.succeed({ message: 'service deleted; nothing to apply' });
    return;
  }
  // The namespace is the deployment owner's; re-checked now (withdrawn since it was queued: refused).
  await assertTenancyForWorker(deps, dep.ownerId, cluster, dep.namespace);
  if (cluster.status !== 'running')
    throw new DriverError('cluster_not_running', `cluster ${cluster.name} is ${cluster.status}`, {
      retryable: true,
    });
  const target = clusterTarget(cluster);
  const spec = serviceSpec(svc, dep);
  await drivers.workloads.applyService(target, spec, driverCtx);
  await lease.event(
    `applied service ${spec.namespace}/${spec.name} (${spec.type} ${spec.port}->${spec.targetPort}/${spec.protocol})`,
  );
  const obs = await drivers.workloads.waitService(target, spec, driverCtx, settings.serviceTimeoutMs);
  await settleServiceRollout(lease, obs, { timeoutMs: settings.serviceTimeoutMs });
};

export const deleteService: Processor<'service.delete'> = async ({ op, lease, deps, drivers, driverCtx }) => {
  const svc = await loadServiceForWorker(deps, op.resourceId);
  const cluster = svc ? await loadClusterForWorker(deps, svc.clusterId) : null;
  if (svc && cluster && !cluster.deletedAt) {
    const dep = await loadDeploymentForWorker(deps, svc.deploymentId);
    await assertTenancyForWorker(deps, dep?.ownerId ?? svc.ownerId, cluster, svc.namespace);
    await drivers.workloads.deleteService(clusterTarget(cluster), svc, driverCtx);
  }
  await lease.succeed({ message: `service ${svc?.name ?? op.resourceId} deleted from the cluster` });
};
