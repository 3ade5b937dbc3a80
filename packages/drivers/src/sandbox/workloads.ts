// Simulated Kubernetes workloads API. Rollouts take simulated time in waitDeployment; every read derives
// from the spec (replicas, image, names), never from an earlier apply, so any worker process can answer.
import type {
  ClusterSnapshot,
  ClusterTarget,
  DeploymentObservation,
  DeploymentSpec,
  DryRunResult,
  OpContext,
  ServiceObservation,
  ServiceSpec,
  WorkloadSnapshot,
  Workloads,
} from '../types.ts';
import { pause, throwIfAborted } from './clock.ts';
import { deploymentNameLooksUnhealthy, has, transientTimeout, workloadBehavior } from './faults.ts';
import { hashInt } from './hash.ts';
import { recordEffect, type SandboxEffect } from './ledger.ts';
import { type ResolvedSandboxOptions, resolveSandboxOptions, type SandboxOptions } from './options.ts';
import {
  podNames,
  rolloutStalls,
  SANDBOX_NODE,
  sandboxNode,
  settledObservation,
  simulateWorkload,
} from './pods.ts';

/** The cluster's node as the worst-behaving deployment on it sees it (a node problem shows on every workload). */
function nodeOfCluster(name: string, deployments: DeploymentSpec[]): ClusterSnapshot['nodes'][number] {
  const behaviors = deployments.map((d) => workloadBehavior(d.image));
  const node = sandboxNode(
    name,
    behaviors.find((b) => b === 'node-down' || b === 'mem-pressure' || b === 'tainted') ?? 'healthy',
  );
  return { name, ...SANDBOX_NODE, ready: node.ready, conditions: node.conditions, taints: node.taints };
}

// Simulated durations in ms at timeScale 1.
const APPLY_MS = 200;
const ROLLOUT_BATCH_MS = 800;
/** Pull + start + first restart back-off: when a broken rollout becomes recognisably broken. */
const FAILURE_VISIBLE_MS = 1500;
const SERVICE_READY_MS = 1000;

/** Deterministic ClusterIP inside minikube's default service range 10.96.0.0/12. */
export function serviceClusterIp(spec: Pick<ServiceSpec, 'namespace' | 'name'>): string {
  const key = `${spec.namespace}/${spec.name}`;
  return `10.${96 + hashInt(0, 15, 'svc-a', key)}.${hashInt(0, 255, 'svc-b', key)}.${hashInt(1, 254, 'svc-c', key)}`;
}

/** Pods brought up per rollout step: Kubernetes' default maxSurge of 25%, rounded up. */
export function rolloutBatchSize(replicas: number): number {
  return Math.max(1, Math.ceil(replicas * 0.25));
}

export class SandboxWorkloads implements Workloads {
  readonly kind = 'sandbox';
  readonly #opts: ResolvedSandboxOptions;

  constructor(opts: SandboxOptions = {}) {
    this.#opts = resolveSandboxOptions(opts);
  }

  async applyDeployment(target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<void> {
    await this.#mutate(
      ctx,
      'applyDeployment',
      spec,
      `deployment.apps/${spec.name} serverside-applied`,
      target,
    );
  }

  async scaleDeployment(target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<void> {
    await this.#mutate(
      ctx,
      'scaleDeployment',
      spec,
      `deployment.apps/${spec.name} scaled to ${spec.replicas}`,
      target,
    );
  }

  /** A simulated dry run: the sandbox has no admission to refuse a scale; it says so. */
  async dryRunScale(_target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<DryRunResult> {
    throwIfAborted(ctx.signal);
    return {
      accepted: true,
      replicas: Math.max(0, spec.replicas),
      detail: 'simulated dry run (sandbox driver)',
      serverSide: false,
    };
  }

  async deleteDeployment(
    target: ClusterTarget,
    spec: Pick<DeploymentSpec, 'id' | 'name' | 'namespace'>,
    ctx: OpContext,
  ): Promise<void> {
    await this.#mutate(ctx, 'deleteDeployment', spec, `deployment.apps "${spec.name}" deleted`, target);
  }

  async applyService(target: ClusterTarget, spec: ServiceSpec, ctx: OpContext): Promise<void> {
    await this.#mutate(ctx, 'applyService', spec, `service/${spec.name} serverside-applied`, target);
  }

  async deleteService(
    target: ClusterTarget,
    spec: Pick<ServiceSpec, 'id' | 'name' | 'namespace'>,
    ctx: OpContext,
  ): Promise<void> {
    await this.#mutate(ctx, 'deleteService', spec, `service "${spec.name}" deleted`, target);
  }

  async waitDeployment(
    _target: ClusterTarget,
    spec: DeploymentSpec,
    ctx: OpContext,
    timeoutMs: number,
  ): Promise<DeploymentObservation> {
    throwIfAborted(ctx.signal);
    const lost = transientTimeout(spec.name, ctx, `GET deployments/${spec.name}?watch=true`);
    if (lost) throw lost;
    const behavior = workloadBehavior(spec.image);
    const settled = settledObservation(spec, behavior);
    const desired = settled.desiredReplicas;
    if (desired === 0) return settled;
    const budget = Math.max(0, timeoutMs);
    const waiting = (available: number): string =>
      `Waiting for deployment "${spec.name}" rollout to finish: ${available} of ${desired} updated replicas are available...`;

    if (behavior === 'healthy' || behavior === 'hungry') {
      const batch = rolloutBatchSize(desired);
      let elapsed = 0;
      let available = 0;
      while (available < desired) {
        if (elapsed + ROLLOUT_BATCH_MS > budget) {
          await this.#wait(budget - elapsed, ctx);
          return {
            phase: 'progressing',
            desiredReplicas: desired,
            availableReplicas: available,
            reason: 'ReplicaSetUpdated',
          };
        }
        ctx.log(waiting(available));
        await this.#wait(ROLLOUT_BATCH_MS, ctx);
        elapsed += ROLLOUT_BATCH_MS;
        available = Math.min(desired, available + batch);
        ctx.progress?.(Math.round((available / desired) * 100));
      }
      ctx.log(`deployment "${spec.name}" successfully rolled out`);
      return settled;
    }

    ctx.log(waiting(0));
    if (rolloutStalls(behavior) || budget < FAILURE_VISIBLE_MS) {
      // Never ready in time: the caller's whole budget passes, like a real watch that times out.
      await this.#wait(budget, ctx);
      return {
        phase: 'progressing',
        desiredReplicas: desired,
        availableReplicas: 0,
        reason: 'MinimumReplicasUnavailable',
      };
    }
    await this.#wait(FAILURE_VISIBLE_MS, ctx);
    const first = podNames(spec)[0] ?? spec.name;
    ctx.log(`pod/${first}: ${settled.reason ?? 'Failed'}`);
    return settled;
  }

  async waitService(
    _target: ClusterTarget,
    spec: ServiceSpec,
    ctx: OpContext,
    timeoutMs: number,
  ): Promise<ServiceObservation> {
    throwIfAborted(ctx.signal);
    const lost = transientTimeout(spec.name, ctx, `GET services/${spec.name}?watch=true`);
    if (lost) throw lost;
    const budget = Math.max(0, timeoutMs);
    const clusterIp = serviceClusterIp(spec);
    if (has('fail', spec.name)) {
      await this.#wait(Math.min(SERVICE_READY_MS, budget), ctx);
      const reason =
        spec.type === 'LoadBalancer'
          ? `SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer for service ${spec.namespace}/${spec.name}`
          : `FailedToUpdateEndpointSlices: Error updating Endpoint Slices for Service ${spec.namespace}/${spec.name}`;
      ctx.log(`service/${spec.name}: ${reason}`);
      return { phase: 'failed', reason, clusterIp };
    }
    if (spec.type === 'LoadBalancer') {
      if (budget < SERVICE_READY_MS) {
        await this.#wait(budget, ctx);
        return { phase: 'pending', reason: 'waiting for load balancer ingress', clusterIp };
      }
      await this.#wait(SERVICE_READY_MS, ctx);
      ctx.log(`service/${spec.name}: load balancer ingress 127.0.0.1`);
      return { phase: 'active', clusterIp, ingress: ['127.0.0.1'] };
    }
    if (deploymentNameLooksUnhealthy(spec.deploymentName) || budget < SERVICE_READY_MS) {
      await this.#wait(budget, ctx);
      return { phase: 'pending', reason: 'no ready endpoints', clusterIp };
    }
    await this.#wait(SERVICE_READY_MS, ctx);
    ctx.log(`service/${spec.name}: endpoints ready`);
    return { phase: 'active', clusterIp };
  }

  async inspect(
    target: ClusterTarget,
    spec: DeploymentSpec,
    services: ServiceSpec[] = [],
  ): Promise<WorkloadSnapshot> {
    return simulateWorkload(target, spec, this.#opts.now(), services);
  }

  async clusterSnapshot(
    target: ClusterTarget,
    deployments: DeploymentSpec[],
    services: ServiceSpec[] = [],
  ): Promise<ClusterSnapshot> {
    const now = this.#opts.now();
    return {
      // minikube names its single node after the profile.
      nodes: deployments.length
        ? [nodeOfCluster(target.name, deployments)]
        : [{ name: target.name, ...SANDBOX_NODE }],
      workloads: deployments.map((d) => ({
        name: d.name,
        namespace: d.namespace,
        ...simulateWorkload(
          target,
          d,
          now,
          services.filter((s) => s.deploymentId === d.id),
        ),
      })),
    };
  }

  async #mutate(
    ctx: OpContext,
    effect: SandboxEffect,
    spec: { id: string; name: string; namespace: string },
    line: string,
    target: ClusterTarget,
  ): Promise<void> {
    throwIfAborted(ctx.signal);
    await this.#wait(APPLY_MS, ctx);
    ctx.log(`${line} (namespace ${spec.namespace}, context ${target.context})`);
    recordEffect(
      this.#opts.ledgerPath,
      { operationId: ctx.operationId, effect, resourceId: spec.id },
      this.#opts.now(),
    );
    const lost = transientTimeout(spec.name, ctx, `${effect} ${spec.namespace}/${spec.name}`);
    if (lost) throw lost;
  }

  #wait(simulatedMs: number, ctx: OpContext): Promise<void> {
    return pause(simulatedMs, this.#opts.timeScale, ctx.signal);
  }
}
