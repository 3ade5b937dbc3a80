import { createAgent, planScale, type SlipwayContext } from '@slipway/ai';
import {
  type AiDebugContext,
  aiDebugContext,
  listDeploymentsOnCluster,
  loadClusterForWorker,
  loadDeploymentForWorker,
} from '@slipway/core';
import type { Cluster, Deployment } from '@slipway/db';
import { DriverError, type WorkloadSnapshot } from '@slipway/drivers';
import type { Processor, ProcessorContext } from '../runner.ts';
import { liveDeployment, settleRollout } from './deployments.ts';
import { clusterTarget, deploymentSpec, serviceSpec } from './specs.ts';

const agentFor = (ctx: ProcessorContext<'ai.debug' | 'ai.analyze'>) =>
  createAgent(ctx.op.input.aiAgent, ctx.settings.ai);

/** The analyzer's view of what Slipway recorded (the rows stay here; the analyzer gets plain data). */
function slipwayContext(c: AiDebugContext): SlipwayContext {
  return {
    deploymentId: c.deploymentId,
    cluster: c.cluster,
    image: c.image,
    services: c.services.map((s) => ({
      id: s.id,
      name: s.name,
      type: s.type,
      status: s.status,
      error: s.error,
    })),
  };
}

/**
 * The driver's snapshot, or none when Slipway knows the cluster is not running: a stopped cluster has no
 * pods to report (and the sandbox, which keeps no state, would describe a running one).
 */
async function snapshotOf(
  ctx: ProcessorContext<'ai.debug' | 'ai.analyze'>,
  cluster: Cluster,
  dep: Deployment,
  c: AiDebugContext,
): Promise<WorkloadSnapshot> {
  if (cluster.status !== 'running') {
    return {
      deployment: { phase: 'absent', desiredReplicas: dep.replicas, availableReplicas: 0 },
      pods: [],
      events: [],
    };
  }
  return ctx.drivers.workloads.inspect(
    clusterTarget(cluster),
    deploymentSpec(dep),
    c.services.map((s) => serviceSpec(s, dep)),
  );
}

/** AI debug: the rules (optionally worded by an LLM, or an external agent) over the snapshot and Slipway's records. */
export const aiDebug: Processor<'ai.debug'> = async (ctx) => {
  const dep = await loadDeploymentForWorker(ctx.deps, ctx.op.resourceId);
  const cluster = dep ? await loadClusterForWorker(ctx.deps, dep.clusterId) : null;
  if (!dep || dep.deletedAt || !cluster || cluster.deletedAt)
    throw new DriverError('gone', 'the deployment no longer exists');
  const known = await aiDebugContext(ctx.deps, dep, cluster);
  const snapshot = await snapshotOf(ctx, cluster, dep, known);
  const result = await agentFor(ctx).debug({
    snapshot,
    issue: ctx.op.input.issue,
    name: dep.name,
    context: slipwayContext(known),
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
  const known = await Promise.all(deployments.map((d) => aiDebugContext(ctx.deps, d, cluster)));
  const snapshot = await ctx.drivers.workloads.clusterSnapshot(
    clusterTarget(cluster),
    deployments.map(deploymentSpec),
  );
  const result = await agentFor(ctx).analyze({
    snapshot,
    analysisType: ctx.op.input.analysisType,
    context: {
      cluster: known[0]?.cluster,
      workloads: Object.fromEntries(
        deployments.map((d, i) => [d.name, slipwayContext(known[i] as AiDebugContext)]),
      ),
    },
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
