import { planDeploy } from '@slipway/ai';
import {
  assertTenancyForWorker,
  listImagesForWorker,
  loadChartForWorker,
  loadClusterForWorker,
  loadDeploymentForWorker,
  settleRollout as settle,
} from '@slipway/core';
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
  // Re-checked when the operation runs: a context or namespace withdrawn since it was queued refuses it.
  await assertTenancyForWorker(ctx.deps, dep.ownerId, cluster, dep.namespace);
  if (cluster.status !== 'running') {
    throw new DriverError('cluster_not_running', `cluster ${cluster.name} is ${cluster.status}`, {
      retryable: true,
    });
  }
  return { dep, cluster };
}

/** Hands what the cluster reports to core, which decides the status (latest generation wins). */
export function settleRollout(
  ctx: ProcessorContext<'deployment.apply' | 'deployment.scale' | 'ai.deploy' | 'ai.scale'>,
  obs: DeploymentObservation,
  extra: Record<string, unknown> = {},
): Promise<void> {
  return settle(ctx.lease, ctx.op.input.generation, obs, {
    timeoutMs: ctx.settings.rolloutTimeoutMs,
    extra,
  });
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
    await assertTenancyForWorker(deps, dep.ownerId, cluster, dep.namespace);
    await drivers.workloads.deleteDeployment(clusterTarget(cluster), deploymentSpec(dep), driverCtx);
  }
  await lease.succeed({ message: `deployment ${dep?.name ?? op.resourceId} deleted from the cluster` });
};

/**
 * AI deploy: plan the release with @slipway/ai's planDeploy (the one planner: which of the owner's built
 * images the chart deploys, the values, what refuses), then never install without a plan checked by the
 * cluster: the chart driver's dry run of the install (helm's `--dry-run=server` and every rendered object
 * sent with dryRun=All; the sandbox's simulation says it is one) goes with the plan into the operation's
 * events as `plan: {json}` before anything changes, and into the result. A refused plan or dry run fails
 * the operation without installing or recording the image; then the planned image is recorded on the
 * deployment, the chart installed with helm (upgrade --install --wait) and the rollout read back.
 */
export const aiDeploy: Processor<'ai.deploy'> = async (ctx) => {
  const live = await liveDeployment(ctx);
  if (!live) return;
  const { dep, cluster } = live;
  const chart = await loadChartForWorker(ctx.deps, ctx.op.input.helmChartId ?? dep.helmChartId ?? '');
  if (!chart || chart.deletedAt)
    throw new DriverError('chart_missing', 'the helm chart was deleted before it could be installed');
  const agent = ctx.op.input.aiAgent;
  const plan = planDeploy({
    chart,
    cluster,
    images: await listImagesForWorker(ctx.deps, dep.ownerId),
    releaseName: dep.name,
    namespace: dep.namespace,
    replicas: dep.replicas,
    containerPort: dep.containerPort,
  });
  const target = clusterTarget(cluster);
  const spec = { ...deploymentSpec(dep), image: plan.release.values.image };
  const release = {
    name: plan.release.name,
    namespace: plan.release.namespace,
    values: { ...plan.release.values, deploymentId: spec.id },
  };
  const dryRun =
    plan.ok && ctx.drivers.charts.dryRunInstall
      ? await ctx.drivers.charts.dryRunInstall(target, chartSpec(chart), release, ctx.driverCtx)
      : null;
  const planRecord = {
    action: 'deploy',
    agent,
    chart: `${chart.name}-${chart.version}`,
    release: release.name,
    namespace: release.namespace,
    values: plan.release.values,
    image: plan.release.values.image,
    imageSource: plan.imageSource,
    ok: plan.ok && dryRun?.accepted !== false,
    ...(plan.reason ? { reason: plan.reason } : {}),
    warnings: plan.warnings,
    dryRun: dryRun ?? {
      accepted: null,
      detail: plan.ok ? 'this driver has no dry run' : 'not run: the plan was refused',
      serverSide: false,
    },
  };
  await ctx.lease.event([
    `plan: ${JSON.stringify(planRecord)}`,
    ...plan.warnings.map((w) => `${agent} plan: ${w}`),
  ]);
  if (!plan.ok)
    throw new DriverError('deploy_refused', plan.reason ?? 'deployment plan refused', { retryable: false });
  if (dryRun && !dryRun.accepted)
    throw new DriverError(
      'deploy_refused',
      `the cluster refused the install (dry run): ${dryRun.detail ?? ''}`,
      { retryable: false },
    );
  const { image } = plan.release.values;
  if (image !== dep.image) {
    await ctx.lease.updateResource(null, { image }, `${agent} plan: image ${image} (${plan.imageSource})`);
  }
  await ctx.drivers.charts.install(target, chartSpec(chart), release, ctx.driverCtx);
  await ctx.lease.event(
    `${agent}: installed chart ${chart.name}-${chart.version} as release ${release.name}`,
  );
  await settleRollout(
    ctx,
    await ctx.drivers.workloads.waitDeployment(target, spec, ctx.driverCtx, ctx.settings.rolloutTimeoutMs),
    {
      release: plan.release.name,
      chart: `${chart.name}-${chart.version}`,
      image,
      imageSource: plan.imageSource,
      plan: planRecord,
    },
  );
};
