import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentOptions, type AiAgent, createAgent, planScale, type SlipwayContext } from '@slipway/ai';
import {
  type AiDebugContext,
  aiDebugContext,
  assertTenancyForWorker,
  listDeploymentsOnCluster,
  loadClusterForWorker,
  loadDeploymentForWorker,
} from '@slipway/core';
import type { Cluster, Deployment } from '@slipway/db';
import { DriverError, kubeconfigForContext, type WorkloadSnapshot } from '@slipway/drivers';
import type { Processor, ProcessorContext } from '../runner.ts';
import { liveDeployment, settleRollout } from './deployments.ts';
import { clusterTarget, deploymentSpec, serviceSpec } from './specs.ts';

/**
 * The agent the operation asked for. kubectl-ai gets a kubeconfig of its own whose current context is the
 * cluster's (it has no --context flag), removed after the run; both agents get the operation's signal, so
 * a cancel stops them. Neither can look at a simulated cluster: with the sandbox driver the rules answer.
 */
async function agentFor(
  ctx: ProcessorContext<'ai.debug' | 'ai.analyze'>,
  cluster: Cluster,
): Promise<{ agent: AiAgent; done: () => Promise<void> }> {
  const ai = ctx.settings.ai;
  const name = ctx.op.input.aiAgent;
  const simulated = ctx.drivers.workloads.kind !== 'kubernetes';
  const base: AgentOptions = {
    llmUrl: ai.llmUrl ?? null,
    ...(ai.model ? { model: ai.model } : {}),
    ...(ai.apiKey ? { apiKey: ai.apiKey } : {}),
    // The LLM call, like kubectl-ai and kagent, stops when the operation is cancelled.
    signal: ctx.driverCtx.signal,
    ...(ai.kagent ? { kagent: { ...ai.kagent, signal: ctx.driverCtx.signal } } : {}),
    ...(simulated
      ? {
          kubectlAiUnavailable: `kubectl-ai cannot inspect a simulated cluster (workloads driver ${ctx.drivers.workloads.kind})`,
          kagentUnavailable: `kagent cannot inspect a simulated cluster (workloads driver ${ctx.drivers.workloads.kind})`,
        }
      : {}),
  };
  if (name !== 'kubectl-ai' || !ai.kubectlAi || simulated)
    return { agent: createAgent(name, base), done: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'slipway-kubectl-ai-'));
  const kubeconfig = join(dir, 'kubeconfig');
  try {
    await writeFile(kubeconfig, kubeconfigForContext(clusterTarget(cluster).context, ai.kubeconfigPath), {
      mode: 0o600,
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    const why = e instanceof Error ? e.message : String(e);
    return {
      agent: createAgent(name, {
        ...base,
        kubectlAiUnavailable: `kubectl-ai has no kubeconfig for the cluster (${why})`,
      }),
      done: async () => {},
    };
  }
  const agent = createAgent(name, {
    ...base,
    kubectlAi: {
      ...ai.kubectlAi,
      kubeconfig,
      context: clusterTarget(cluster).context,
      signal: ctx.driverCtx.signal,
    },
  });
  return { agent, done: () => rm(dir, { recursive: true, force: true }) };
}

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
    ctx.driverCtx.signal,
  );
}

/** AI debug: the rules (optionally worded by an LLM, or an external agent) over the snapshot and Slipway's records. */
export const aiDebug: Processor<'ai.debug'> = async (ctx) => {
  const dep = await loadDeploymentForWorker(ctx.deps, ctx.op.resourceId);
  const cluster = dep ? await loadClusterForWorker(ctx.deps, dep.clusterId) : null;
  if (!dep || dep.deletedAt || !cluster || cluster.deletedAt)
    throw new DriverError('gone', 'the deployment no longer exists');
  await assertTenancyForWorker(ctx.deps, dep.ownerId, cluster, dep.namespace);
  const known = await aiDebugContext(ctx.deps, dep, cluster);
  const snapshot = await snapshotOf(ctx, cluster, dep, known);
  const { agent, done } = await agentFor(ctx, cluster);
  const result = await agent
    .debug({
      snapshot,
      issue: ctx.op.input.issue,
      name: dep.name,
      namespace: dep.namespace,
      context: slipwayContext(known),
    })
    .finally(done);
  await ctx.lease.succeed({
    result: result as unknown as Record<string, unknown>,
    message: `${result.agent} (${result.engine}): ${result.analysis.slice(0, 200)}`,
  });
};

/** AI analyze: cluster-wide utilization and recommendations from a snapshot of every deployment on it. */
export const aiAnalyze: Processor<'ai.analyze'> = async (ctx) => {
  const cluster = await loadClusterForWorker(ctx.deps, ctx.op.resourceId);
  if (!cluster || cluster.deletedAt) throw new DriverError('gone', 'the cluster no longer exists');
  await assertTenancyForWorker(ctx.deps, cluster.ownerId, cluster);
  const deployments = await listDeploymentsOnCluster(ctx.deps, cluster.id);
  const known = await Promise.all(deployments.map((d) => aiDebugContext(ctx.deps, d, cluster)));
  const snapshot = await ctx.drivers.workloads.clusterSnapshot(
    clusterTarget(cluster),
    deployments.map(deploymentSpec),
    deployments.flatMap((d, i) => (known[i]?.services ?? []).map((svc) => serviceSpec(svc, d))),
    ctx.driverCtx.signal,
  );
  const { agent, done } = await agentFor(ctx, cluster);
  const result = await agent
    .analyze({
      snapshot,
      analysisType: ctx.op.input.analysisType,
      context: {
        cluster: known[0]?.cluster,
        workloads: Object.fromEntries(
          deployments.map((d, i) => [d.name, slipwayContext(known[i] as AiDebugContext)]),
        ),
      },
    })
    .finally(done);
  // Contract shape: { analysis: { resource_utilization, recommendations, ... } }.
  await ctx.lease.succeed({
    result: {
      analysis: result,
      engine: result.engine,
      agent: result.agent,
      ...(result.note ? { note: result.note } : {}),
    },
    message: `${result.agent} (${result.engine}): cpu ${result.resource_utilization.cpu}, memory ${result.resource_utilization.memory}`,
  });
};

/** AI scale: check the target against what the cluster reports, then scale like any scale. */
/**
 * AI scale never mutates without a plan: the plan (from -> to, the checks' warnings, and the API server's
 * answer to a dry run of the scale where the driver has one) is written into the operation's events as
 * `plan: {json}` before the scale is applied, and is part of the result. A refused check or dry run fails
 * the operation without touching the cluster.
 */
export const aiScale: Processor<'ai.scale'> = async (ctx) => {
  const live = await liveDeployment(ctx);
  if (!live) return;
  const target = clusterTarget(live.cluster);
  const spec = deploymentSpec(live.dep);
  const snapshot = await ctx.drivers.workloads
    .inspect(target, spec, undefined, ctx.driverCtx.signal)
    .catch(() => undefined);
  const current = snapshot?.deployment.desiredReplicas ?? spec.replicas;
  const checks = planScale({ current, target: spec.replicas, snapshot });
  const dryRun =
    checks.ok && ctx.drivers.workloads.dryRunScale
      ? await ctx.drivers.workloads.dryRunScale(target, spec, ctx.driverCtx)
      : null;
  const plan = {
    action: 'scale',
    agent: ctx.op.input.aiAgent,
    deployment: `${spec.namespace}/${spec.name}`,
    from: current,
    to: spec.replicas,
    ok: checks.ok && dryRun?.accepted !== false,
    ...(checks.reason ? { reason: checks.reason } : {}),
    warnings: checks.warnings,
    dryRun: dryRun ?? { accepted: null, detail: 'this driver has no dry run', serverSide: false },
  };
  await ctx.lease.event([`plan: ${JSON.stringify(plan)}`, ...checks.warnings.map((w) => `check: ${w}`)]);
  if (!checks.ok) throw new DriverError('scale_refused', checks.reason ?? 'scale target refused');
  if (dryRun && !dryRun.accepted)
    throw new DriverError(
      'scale_refused',
      `the API server refused the scale (dry run): ${dryRun.detail ?? ''}`,
    );
  await ctx.drivers.workloads.scaleDeployment(target, spec, ctx.driverCtx);
  await settleRollout(
    ctx,
    await ctx.drivers.workloads.waitDeployment(target, spec, ctx.driverCtx, ctx.settings.rolloutTimeoutMs),
    { warnings: checks.warnings, plan },
  );
};
