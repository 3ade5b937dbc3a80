import type * as api from '@slipway/contract';
import type { OperationWithEvents } from '@slipway/core';
import type {
  Cluster,
  ContainerImage,
  Deployment,
  HelmChart,
  Operation,
  OperationEvent,
  Service,
  User,
} from '@slipway/db';

// Rows (camelCase, from core) -> the contract's JSON (snake_case). The contract's fields come first,
// exactly as named; extra fields (driver, error, last_updated, ...) follow. Internal columns (owner
// lease tokens, chart bytes, password hashes) never leave here. Each returns its @slipway/contract
// type, so a field the document does not describe, or describes otherwise, does not compile.

const iso = (d: Date): string => d.toISOString();
const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export function serializeCluster(r: Cluster): api.MinikubeCluster {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    cpus: r.cpus,
    memory: r.memory,
    disk_size: r.diskSize,
    kubernetes_version: r.kubernetesVersion,
    created_at: iso(r.createdAt),
    last_updated: iso(r.lastUpdated),
    kind: r.kind,
    kube_context: r.kubeContext,
    driver: r.driver,
    error: r.error,
    owner_id: r.ownerId,
  };
}

export function serializeImage(r: ContainerImage): api.ContainerImage {
  return {
    id: r.id,
    name: r.name,
    tag: r.tag,
    repository: r.repository,
    description: r.description,
    size: r.size,
    created_at: iso(r.createdAt),
    last_updated: iso(r.lastUpdated),
    status: r.status,
    digest: r.digest,
    image_id: r.imageId,
    source: r.source,
    dockerfile: r.dockerfile,
    build_args: r.buildArgs,
    push: r.push,
    load_into_cluster_id: r.loadIntoClusterId,
    driver: r.driver,
    error: r.error,
    owner_id: r.ownerId,
  };
}

export function serializeChart(r: HelmChart): api.HelmChart {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    description: r.description,
    app_version: r.appVersion,
    created_at: iso(r.createdAt),
    last_updated: iso(r.lastUpdated),
    status: r.status,
    validator: r.validator,
    findings: r.findings,
    has_content: r.content !== null && r.content !== undefined,
    content_size: r.content ? r.content.length : 0,
    driver: r.driver,
    error: r.error,
    owner_id: r.ownerId,
  };
}

export function serializeDeployment(r: Deployment): api.Deployment {
  return {
    id: r.id,
    name: r.name,
    replicas: r.replicas,
    available_replicas: r.availableReplicas,
    image: r.image,
    container_port: r.containerPort,
    created_at: iso(r.createdAt),
    last_updated: iso(r.lastUpdated),
    status: r.status,
    reason: r.reason,
    helm_chart_id: r.helmChartId,
    minikube_cluster_id: r.clusterId,
    namespace: r.namespace,
    generation: r.generation,
    driver: r.driver,
    error: r.error,
    owner_id: r.ownerId,
  };
}

export function serializeService(r: Service): api.Service {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    port: r.port,
    target_port: r.targetPort,
    protocol: r.protocol,
    created_at: iso(r.createdAt),
    last_updated: iso(r.lastUpdated),
    status: r.status,
    deployment_id: r.deploymentId,
    minikube_cluster_id: r.clusterId,
    namespace: r.namespace,
    reason: r.reason,
    driver: r.driver,
    error: r.error,
    owner_id: r.ownerId,
  };
}

export function serializeEvent(e: OperationEvent): api.OperationEvent {
  return { id: e.id, status: e.status, message: e.message, at: isoOrNull(e.at) };
}

export function serializeOperation(op: Operation | OperationWithEvents): api.Operation {
  return {
    id: op.id,
    kind: op.kind,
    resource_type: op.resourceType,
    resource_id: op.resourceId,
    status: op.status,
    attempts: op.attempts,
    progress: op.progress,
    error: op.error,
    result: op.result ?? null,
    created_at: iso(op.createdAt),
    started_at: isoOrNull(op.startedAt),
    finished_at: isoOrNull(op.finishedAt),
    updated_at: iso(op.updatedAt),
    ...('events' in op ? { events: op.events.map(serializeEvent) } : {}),
  };
}

export function serializeUser(u: User): api.User {
  return { id: u.id, email: u.email, role: u.role, tier: u.tier, created_at: iso(u.createdAt) };
}
