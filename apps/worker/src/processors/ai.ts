import { createAgent, planScale } from '@slipway/ai';
import { listDeploymentsOnCluster, loadClusterForWorker, loadDeploymentForWorker } from '@slipway/core';
import { DriverError } from '@slipway/drivers';
import type { Processor, ProcessorContext } from '../runner.ts';
import { liveDeployment, settleRollout } from './deployments.ts';
import { clusterTarget, deploymentSpec } from './specs.ts';

const agentFor = (ctx: ProcessorContext<'ai.debug' | 'ai.analyze'>) =>
  createAgent(ctx.op.input.aiAgent, ctx.settings.ai);

/** AI debug: the built-in analyzer (or an LLM, when configured) over what the driver reports. */
export const aiDebug: Processor<'ai.debug'> = async (ctx) => {
  const dep = await loadDeploymentForWorker(ctx.deps, ctx.op.resourceId);
  const cluster = dep ? await loadClusterForWorker(ctx.deps, dep.clusterId) : null;
  if (!dep || dep.deletedAt || !cluster || cluster.deletedAt)
    throw new DriverError('gone', 'the deployment no longer exists');
  const snapshot = await ctx.drivers.workloads.inspect(clusterTarget(cluster), deploymentSpec(dep));
  const result = await agentFor(ctx).debug({
    snapshot,
    issue: ctx.op.input.issue,
    name: dep.name,
  });
  await ctx.lease.succeed({
    result: result as unknown as Record<string, unknown>,
    message: `${result.agent} (${result.engine}): ${result.analysis.slice(0, 200)}`,
  });
};

/** AI analyze: cluster-wide utilization and recommendations from a snapshot of every deployment on it. */
export const aiAnalyze: Processor<'ai.analyze'> = async (ctx) => {
  const cluster = await loadClusterForWorker(ctx.deps, ctx.op.resourceId);
  if (!cluster || cluster.deletedAt) throw new DriverError('gone', 'the cluster no longer exists');
  const deployments = await listDeploymentsOnCluster(ctx.deps, cluster.id);
  const snapshot = await ctx.drivers.workloads.clusterSnapshot(
    clusterTarget(cluster),
    deployments.map(deploymentSpec),
  );
  const result = await agentFor(ctx).analyze({
    snapshot,
    analysisType: ctx.op.input.analysisType,
  });
  // Contract shape: { analysis: { resource_utilization, recommendations, ... } }.
  await ctx.lease.succeed({
    result: { analysis: result, engine: result.engine, agent: result.agent },
    message: `${result.agent} (${result.engine}): cpu ${result.resource_utilization.cpu}, memory ${result.resource_utilization.memory}`,
  });
};

/** AI scale: check the target against what the cluster reports, then scale like any scale. */
export const aiScale: Processor<'ai.scale'> = async (ctx) => {
  const live = await liveDeployment(ctx);
  if (!live) return;
  const target = clusterTarget(live.cluster);
  const spec = deploymentSpec(live.dep);
  const snapshot = await ctx.drivers.workloads.inspect(target, spec).catch(() => undefined);
  const plan = planScale({
    current: snapshot?.deployment.desiredReplicas ?? spec.replicas,
    target: spec.replicas,
    snapshot,
  });
  for (const w of plan.warnings) await ctx.lease.event(`check: ${w}`);
  if (!plan.ok) throw new DriverError('scale_refused', plan.reason ?? 'scale target refused');
  await ctx.drivers.workloads.scaleDeployment(target, spec, ctx.driverCtx);
  await settleRollout(
    ctx,
    await ctx.drivers.workloads.waitDeployment(target, spec, ctx.driverCtx, ctx.settings.rolloutTimeoutMs),
    {
      warnings: plan.warnings,
    },
  );
};
