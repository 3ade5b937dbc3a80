// The API's words: every status, role, tier and kind a client can send or read. They are part of
// the contract, so they live here (a leaf, safe for browsers); @slipway/db builds its pgEnums from
// these same tuples, so the database and the document cannot drift apart.

export const userRoles = ['admin', 'operator', 'viewer'] as const;
export const userTiers = ['standard', 'premium'] as const;
export const imageStatuses = ['building', 'built', 'failed'] as const;
export const chartStatuses = ['validating', 'valid', 'invalid'] as const;
export const clusterStatuses = ['stopped', 'starting', 'running', 'stopping', 'restarting', 'error'] as const;
export const clusterKinds = ['minikube', 'kubeconfig'] as const;
// `unknown`: the cluster is stopped or gone, so nothing observes the workload (the row's reason says why).
export const deploymentStatuses = ['pending', 'running', 'scaling', 'updating', 'failed', 'unknown'] as const;
export const serviceStatuses = ['pending', 'active', 'failed', 'unknown'] as const;
export const serviceTypes = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export const serviceProtocols = ['TCP', 'UDP', 'SCTP'] as const;
export const operationStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const resourceTypes = [
  'container_image',
  'helm_chart',
  'minikube_cluster',
  'deployment',
  'service',
  'ai',
] as const;

export type UserRole = (typeof userRoles)[number];
export type UserTier = (typeof userTiers)[number];
export type ImageStatus = (typeof imageStatuses)[number];
export type ChartStatus = (typeof chartStatuses)[number];
export type ClusterStatus = (typeof clusterStatuses)[number];
export type ClusterKind = (typeof clusterKinds)[number];
export type DeploymentStatus = (typeof deploymentStatuses)[number];
export type ServiceStatus = (typeof serviceStatuses)[number];
export type ServiceType = (typeof serviceTypes)[number];
export type ServiceProtocol = (typeof serviceProtocols)[number];
export type OperationStatus = (typeof operationStatuses)[number];
export type ResourceType = (typeof resourceTypes)[number];
