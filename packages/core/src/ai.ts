import { containerImages, type Operation, operations } from '@slipway/db';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { assertCanWrite } from './access.ts';
import { findCluster } from './clusters.ts';
import {
  assertChartVisible,
  findDeployment,
  insertDeployment,
  resolveTargetCluster,
  scaleDeployment,
} from './deployments.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, DomainError } from './errors.ts';
import { insertOperation } from './operations/record.ts';
import { isUniqueViolation, withOperations } from './shared.ts';

/** Defaults for a chart installed by AI deploy (documented in the API README). */
export const aiDeployDefaults = { replicas: 1, containerPort: 8080, namespace: 'default' } as const;

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
  const cluster = await resolveTargetCluster(deps, actor, input.minikubeClusterId);
  // The image: the owner's newest built image named like the chart, else <chart>:<appVersion>.
  const [img] = await deps.db
    .select()
    .from(containerImages)
    .where(
      and(
        eq(containerImages.ownerId, chart.ownerId),
        eq(containerImages.name, chart.name),
        eq(containerImages.status, 'built'),
        isNull(containerImages.deletedAt),
      ),
    )
    .orderBy(desc(containerImages.createdAt))
    .limit(1);
  const image = img
    ? `${img.repository}/${img.name}:${img.tag}`
    : `${chart.name}:${chart.appVersion ?? chart.version}`;
  try {
    const out = await withOperations(deps, async (tx) => {
      const r = await insertDeployment(
        tx,
        deps,
        actor,
        cluster,
        {
          name: chart.name,
          replicas: aiDeployDefaults.replicas,
          image,
          containerPort: aiDeployDefaults.containerPort,
          helmChartId: chart.id,
        },
        { kind: 'ai.deploy', input: { generation: 1, aiAgent: input.aiAgent, helmChartId: chart.id } },
      );
      return { ...r, operations: [r.operation] };
    });
    return { deployment: out.deployment, operation: out.operation };
  } catch (e) {
    if (isUniqueViolation(e))
      throw conflict('', `A deployment named ${chart.name} already exists on cluster ${cluster.name}`);
    throw e;
  }
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
  if (cluster.status !== 'running')
    throw new DomainError('conflict', `Cluster ${cluster.name} is ${cluster.status}; start it first`, {
      id: cluster.id,
    });
  const out = await withOperations(deps, async (tx) => {
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
