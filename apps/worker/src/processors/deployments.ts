import { loadChartForWorker, loadClusterForWorker, loadDeploymentForWorker } from '@slipway/core';
import type { Cluster, Deployment } from '@slipway/db';
import { type DeploymentObservation, DriverError } from '@slipway/drivers';
import type { Processor, ProcessorContext } from '../runner.ts';
import { chartSpec, clusterTarget, deploymentSpec } from './specs.ts';

export async function liveDeployment(
  ctx: ProcessorContext,
): Promise<{ dep: Deployment; cluster: Cluster } | null> {
  const dep = await loadDeploymentForWorker(ctx.deps, ctx.op.resourceId);
  const cluster = dep ? await loadClusterForWorker(ctx.deps, dep.clusterId) : null;
  if (!dep || dep.deletedAt || !cluster || cluster.deletedAt) {
    await ctx.lease.succeed({ message: 'deployment deleted; nothing to apply' });
    return null;
  }
  if (cluster.status !== 'running') {
    throw new DriverError('cluster_not_running', `cluster ${cluster.name} is ${cluster.status}`, {
      retryable: true,
    });
  }
  return { dep, cluster };
}

/**
 * Records what the cluster reports. Only the operation carrying the deployment's latest generation
 * may declare it `running`: an older one that finishes later just records available replicas.
 */
export async function settleRollout(
  ctx: ProcessorContext<'deployment.apply' | 'deployment.scale' | 'ai.deploy' | 'ai.scale'>,
  obs: DeploymentObservation,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const current = await loadDeploymentForWorker(ctx.deps, ctx.op.resourceId);
  const latest = current ? current.generation <= (ctx.op.input.generation ?? current.generation) : false;
  const set = { availableReplicas: obs.availableReplicas };
  if (obs.phase === 'running') {
    await ctx.lease.succeed({
      resourceStatus: latest ? 'running' : null,
      resourceSet: { ...set, error: null },
      result: { ...obs, ...extra },
      message: `rollout complete: ${obs.availableReplicas}/${obs.desiredReplicas} replicas available`,
    });
    return;
  }
  const reason =
    obs.phase === 'failed'
      ? `rollout failed: ${obs.reason ?? 'unknown reason'}`
      : `rollout did not finish within ${Math.round(ctx.settings.rolloutTimeoutMs / 1000)}s${obs.reason ? `: ${obs.reason}` : ''}`;
  await ctx.lease.fail(reason, { resourceStatus: latest ? 'failed' : null, resourceSet: set });
}

export const applyDeployment: Processor<'deployment.apply'> = async (ctx) => {
  const live = await liveDeployment(ctx);
  if (!live) return;
  const target = clusterTarget(live.cluster);
  const spec = deploymentSpec(live.dep);
  await ctx.drivers.workloads.applyDeployment(target, spec, ctx.driverCtx);
  await ctx.lease.event(
    `applied ${spec.namespace}/${spec.name} (${spec.replicas} x ${spec.image}); waiting for rollout`,
  );
  await settleRollout(
    ctx,
    await ctx.drivers.workloads.waitDeployment(target, spec, ctx.driverCtx, ctx.settings.rolloutTimeoutMs),
  );
};

export const scaleDeployment: Processor<'deployment.scale'> = async (ctx) => {
  const live = await liveDeployment(ctx);
  if (!live) return;
  const target = clusterTarget(live.cluster);
  const spec = deploymentSpec(live.dep);
  await ctx.drivers.workloads.scaleDeployment(target, spec, ctx.driverCtx);
  await ctx.lease.event(`scaled ${spec.namespace}/${spec.name} to ${spec.replicas}; waiting for replicas`);
  await settleRollout(
    ctx,
    await ctx.drivers.workloads.waitDeployment(target, spec, ctx.driverCtx, ctx.settings.rolloutTimeoutMs),
  );
};

export const deleteDeployment: Processor<'deployment.delete'> = async ({
  op,
  lease,
  deps,
  drivers,
  driverCtx,
}) => {
  const dep = await loadDeploymentForWorker(deps, op.resourceId);
  const cluster = dep ? await loadClusterForWorker(deps, dep.clusterId) : null;
  if (dep && cluster && !cluster.deletedAt) {
    await drivers.workloads.deleteDeployment(clusterTarget(cluster), deploymentSpec(dep), driverCtx);
  }
  await lease.succeed({ message: `deployment ${dep?.name ?? op.resourceId} deleted from the cluster` });
};

/** AI deploy: install the chart with helm (upgrade --install --wait), then read the rollout back. */
export const aiDeploy: Processor<'ai.deploy'> = async (ctx) => {
  const live = await liveDeployment(ctx);
  if (!live) return;
  const chart = await loadChartForWorker(ctx.deps, ctx.op.input.helmChartId ?? live.dep.helmChartId ?? '');
  if (!chart || chart.deletedAt)
    throw new DriverError('chart_missing', 'the helm chart was deleted before it could be installed');
  const target = clusterTarget(live.cluster);
  const spec = deploymentSpec(live.dep);
  await ctx.drivers.charts.install(
    target,
    chartSpec(chart),
    {
      name: spec.name,
      namespace: spec.namespace,
      values: {
        image: spec.image,
        replicas: spec.replicas,
        containerPort: spec.containerPort,
        deploymentId: spec.id,
      },
    },
    ctx.driverCtx,
  );
  await ctx.lease.event(
    `${ctx.op.input.aiAgent}: installed chart ${chart.name}-${chart.version} as release ${spec.name}`,
  );
  await settleRollout(
    ctx,
    await ctx.drivers.workloads.waitDeployment(target, spec, ctx.driverCtx, ctx.settings.rolloutTimeoutMs),
    {
      release: spec.name,
      chart: `${chart.name}-${chart.version}`,
    },
  );
};
