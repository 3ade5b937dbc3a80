import {
  DomainError,
  isUnavailableError,
  loadClusterForWorker,
  loadDeploymentForWorker,
  loadServiceForWorker,
  settleObservedDeployment,
  settleObservedService,
} from '@slipway/core';
import type { Cluster } from '@slipway/db';
import { DriverError } from '@slipway/drivers';
import { jobSpec } from '@slipway/jobs';
import type { Processor, ProcessorContext } from '../runner.ts';
import { clusterTarget, deploymentSpec, serviceSpec } from './specs.ts';

// deployment.observe / service.observe: queued for each `unknown` deployment and service when their
// cluster runs again (core's queueClusterObservations). They apply nothing: they read what the
// cluster reports and settle the status from it (settleObserved*), latest generation winning.

/** A cluster that is not running (stopped again meanwhile): the resource stays `unknown`, its reason unchanged. */
async function clusterNotRunning(ctx: ProcessorContext, cluster: Cluster, what: string): Promise<boolean> {
  if (cluster.status === 'running') return false;
  await ctx.lease.succeed({
    message: `cluster ${cluster.name} is ${cluster.status}; ${what} stays unknown until it runs again`,
  });
  return true;
}

/**
 * Reads the cluster through the driver. A failure that a retry may cure is thrown to the runner
 * (retried with backoff); a last or permanent one fails the operation but keeps the status `unknown`
 * with why (an observation that could not be made is not a failed workload).
 */
async function observeOrKeepUnknown<O>(
  ctx: ProcessorContext<'deployment.observe' | 'service.observe'>,
  read: () => Promise<O>,
): Promise<O | null> {
  try {
    return await read();
  } catch (e) {
    const retryable =
      e instanceof DriverError || e instanceof DomainError ? e.retryable || isUnavailableError(e) : true;
    if (retryable && ctx.lease.op.attempts < jobSpec(ctx.op.kind).attempts) throw e;
    const message = e instanceof Error ? e.message : String(e);
    await ctx.lease.fail(`could not observe: ${message}`, {
      resourceStatus: null,
      resourceSet: { reason: `could not be observed after its cluster ran again: ${message}` },
    });
    return null;
  }
}

export const observeDeployment: Processor<'deployment.observe'> = async (ctx) => {
  const dep = await loadDeploymentForWorker(ctx.deps, ctx.op.resourceId);
  const cluster = dep ? await loadClusterForWorker(ctx.deps, dep.clusterId) : null;
  if (!dep || dep.deletedAt || !cluster || cluster.deletedAt) {
    await ctx.lease.succeed({ message: 'deployment deleted; nothing to observe' });
    return;
  }
  if (await clusterNotRunning(ctx, cluster, `deployment ${dep.name}`)) return;
  const target = clusterTarget(cluster);
  const spec = deploymentSpec(dep);
  const timeoutMs = ctx.settings.rolloutTimeoutMs;
  const obs = await observeOrKeepUnknown(ctx, () =>
    ctx.drivers.workloads.waitDeployment(target, spec, ctx.driverCtx, timeoutMs),
  );
  if (!obs) return;
  await settleObservedDeployment(ctx.lease, dep.generation, obs, { timeoutMs, cluster: cluster.name });
};

export const observeService: Processor<'service.observe'> = async (ctx) => {
  const svc = await loadServiceForWorker(ctx.deps, ctx.op.resourceId);
  const dep = svc ? await loadDeploymentForWorker(ctx.deps, svc.deploymentId) : null;
  const cluster = svc ? await loadClusterForWorker(ctx.deps, svc.clusterId) : null;
  if (!svc || svc.deletedAt || !dep || !cluster || cluster.deletedAt) {
    await ctx.lease.succeed({ message: 'service deleted; nothing to observe' });
    return;
  }
  if (await clusterNotRunning(ctx, cluster, `service ${svc.name}`)) return;
  const target = clusterTarget(cluster);
  const spec = serviceSpec(svc, dep);
  const timeoutMs = ctx.settings.serviceTimeoutMs;
  const obs = await observeOrKeepUnknown(ctx, () =>
    ctx.drivers.workloads.waitService(target, spec, ctx.driverCtx, timeoutMs),
  );
  if (!obs) return;
  await settleObservedService(ctx.lease, svc.generation, obs, { timeoutMs, cluster: cluster.name });
};
