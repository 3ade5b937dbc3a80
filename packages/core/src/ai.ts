import {
  type Cluster,
  type Deployment,
  type Operation,
  operationEvents,
  operations,
  type Service,
  services,
} from '@slipway/db';
import { and, asc, eq, inArray, isNull, like } from 'drizzle-orm';
import { assertCanWrite } from './access.ts';
import { findCluster } from './clusters.ts';
import {
  assertChartVisible,
  deploymentNameHolder,
  findDeployment,
  insertDeployment,
  lockCluster,
  resolveTargetCluster,
  scaleDeployment,
} from './deployments.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { DomainError } from './errors.ts';
import { assertTenancy, defaultNamespace } from './namespaces.ts';
import { insertOperation } from './operations/record.ts';
import { orDuplicate, withOperations } from './shared.ts';

/** Defaults for a chart installed by AI deploy (documented in the API README); the namespace is the owner's default. */
export const aiDeployDefaults = { replicas: 1, containerPort: 8080 } as const;

export async function aiDeploy(
  deps: CoreDeps,
  actor: Actor,
  input: { helmChartId: string; minikubeClusterId: string; aiAgent: string },
) {
  assertCanWrite(actor);
  const chart = await assertChartVisible(deps, actor, input.helmChartId);
  if (chart.status !== 'valid') {
    throw new DomainError('conflict', `Helm chart is ${chart.status}; only a valid chart can be deployed`, {
      id: chart.id,
    });
  }
  const target = await resolveTargetCluster(deps, actor, input.minikubeClusterId);
  const namespace = defaultNamespace(actor.id);
  // The image is planned by the worker (@slipway/ai's planDeploy over the owner's images, in the ai.deploy
  // processor: core may not import ai). Until then the row names the chart's default image.
  const out = await orDuplicate(
    deps,
    () =>
      withOperations(deps, async (tx) => {
        const cluster = await lockCluster(tx, target.id, target.id);
        await assertTenancy(tx, actor.id, cluster, namespace);
        const r = await insertDeployment(
          tx,
          deps,
          actor,
          cluster,
          {
            name: chart.name,
            replicas: aiDeployDefaults.replicas,
            image: `${chart.name}:${chart.appVersion ?? chart.version}`,
            containerPort: aiDeployDefaults.containerPort,
            helmChartId: chart.id,
            namespace,
          },
          { kind: 'ai.deploy', input: { generation: 1, aiAgent: input.aiAgent, helmChartId: chart.id } },
        );
        return { ...r, operations: [r.operation] };
      }),
    deploymentNameHolder(target.id, namespace, chart.name),
    `A deployment named ${chart.name} already exists on cluster ${target.name}`,
  );
  return { deployment: out.deployment, operation: out.operation };
}

export async function aiScale(
  deps: CoreDeps,
  actor: Actor,
  input: { deploymentId: string; aiAgent: string; targetReplicas: number },
) {
  const r = await scaleDeployment(deps, actor, input.deploymentId, input.targetReplicas, 'ai', {
    aiAgent: input.aiAgent,
  });
  return {
    current: r.before.replicas,
    target: input.targetReplicas,
    deployment: r.deployment,
    operation: r.operation,
  };
}

/** Read-only AI operations (debug, analyze): recorded like any operation, run by the ai queue. */
export async function aiDebug(
  deps: CoreDeps,
  actor: Actor,
  input: { deploymentId: string; aiAgent: string; issue?: string | undefined },
) {
  assertCanWrite(actor);
  const dep = await findDeployment(deps, actor, input.deploymentId);
  const out = await withOperations(deps, async (tx) => {
    // Read-only, but it reads the owner's namespace through the cluster's context: both must still be theirs.
    const cluster = await lockCluster(tx, dep.clusterId, dep.id, false);
    await assertTenancy(tx, dep.ownerId, cluster, dep.namespace);
    const op = await insertOperation(tx, {
      ownerId: dep.ownerId,
      kind: 'ai.debug',
      resourceType: 'ai',
      resourceId: dep.id,
      input: { aiAgent: input.aiAgent, issue: input.issue ?? '' },
    });
    return { operation: op, operations: [op] };
  });
  return out.operation;
}

export async function aiAnalyze(
  deps: CoreDeps,
  actor: Actor,
  input: { minikubeClusterId: string; aiAgent: string; analysisType: string },
) {
  assertCanWrite(actor);
  const cluster = await findCluster(deps, actor, input.minikubeClusterId).catch(() => {
    throw new DomainError('validation', 'Validation failed', {
      details: { field: 'minikube_cluster_id', issue: 'cluster not found' },
    });
  });
  const out = await withOperations(deps, async (tx) => {
    const locked = await lockCluster(tx, cluster.id, cluster.id);
    await assertTenancy(tx, locked.ownerId, locked);
    const op = await insertOperation(tx, {
      ownerId: cluster.ownerId,
      kind: 'ai.analyze',
      resourceType: 'ai',
      resourceId: cluster.id,
      input: { aiAgent: input.aiAgent, analysisType: input.analysisType },
    });
    return { operation: op, operations: [op] };
  });
  return out.operation;
}

/** Polls Postgres until the operation is terminal or `timeoutMs` passes (then returns it unfinished). */
export async function waitForOperation(
  deps: CoreDeps,
  id: string,
  timeoutMs: number,
  intervalMs = 100,
): Promise<Operation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [op] = await deps.db.select().from(operations).where(eq(operations.id, id));
    if (!op) throw new DomainError('not_found', 'Resource not found', { id });
    if (
      op.status === 'succeeded' ||
      op.status === 'failed' ||
      op.status === 'cancelled' ||
      Date.now() >= deadline
    )
      return op;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * The images a deployment was rolled out with, oldest first, read from the worker's own apply events
 * ("applied <ns>/<name> (<n> x <image>); waiting for rollout", written by the deployment processor). No
 * column keeps the history; the events are the record of what was applied when.
 */
export async function deploymentImageHistory(
  deps: CoreDeps,
  deploymentId: string,
): Promise<{ image: string; at: Date }[]> {
  const rows = await deps.db
    .select({ message: operationEvents.message, at: operationEvents.at })
    .from(operationEvents)
    .innerJoin(operations, eq(operations.id, operationEvents.operationId))
    .where(
      and(
        eq(operations.resourceId, deploymentId),
        inArray(operations.kind, ['deployment.apply', 'ai.deploy']),
        like(operationEvents.message, 'applied %'),
      ),
    )
    .orderBy(asc(operationEvents.at), asc(operationEvents.id));
  const out: { image: string; at: Date }[] = [];
  for (const r of rows) {
    const m = /^applied \S+ \(\d+ x (\S+)\); waiting for rollout/.exec(r.message);
    if (m?.[1]) out.push({ image: m[1], at: r.at });
  }
  return out;
}

/** The image before the current one and when the current one was first applied after it. */
export function previousImage(
  current: string,
  history: { image: string; at: Date }[],
): { previous: string; changedAt: string } | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i];
    if (!h || h.image === current) continue;
    const next = history.slice(i + 1).find((x) => x.image === current);
    return next ? { previous: h.image, changedAt: next.at.toISOString() } : null;
  }
  return null;
}

export type AiDebugContext = {
  deploymentId: string;
  cluster: { id: string; name: string; status: string; error: string | null };
  image: { current: string; previous: string | null; changedAt: string | null };
  services: Service[];
};

/** What only Slipway knows about a deployment, for the analyzer: cluster status, image history, services. */
export async function aiDebugContext(
  deps: CoreDeps,
  dep: Deployment,
  cluster: Cluster,
): Promise<AiDebugContext> {
  const [history, svcs] = await Promise.all([
    deploymentImageHistory(deps, dep.id),
    deps.db
      .select()
      .from(services)
      .where(and(eq(services.deploymentId, dep.id), isNull(services.deletedAt))),
  ]);
  const prev = previousImage(dep.image, history);
  return {
    deploymentId: dep.id,
    cluster: { id: cluster.id, name: cluster.name, status: cluster.status, error: cluster.error },
    image: { current: dep.image, previous: prev?.previous ?? null, changedAt: prev?.changedAt ?? null },
    services: svcs,
  };
}
