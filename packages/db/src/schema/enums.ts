import { pgEnum } from 'drizzle-orm/pg-core';

// Status tuples live here once; @slipway/core re-exports them and owns the allowed transitions.
export const userRoles = ['admin', 'operator', 'viewer'] as const;
export const userTiers = ['standard', 'premium'] as const;
export const imageStatuses = ['building', 'built', 'failed'] as const;
export const chartStatuses = ['validating', 'valid', 'invalid'] as const;
export const clusterStatuses = ['stopped', 'starting', 'running', 'stopping', 'restarting', 'error'] as const;
export const clusterKinds = ['minikube', 'kubeconfig'] as const;
export const deploymentStatuses = ['pending', 'running', 'scaling', 'updating', 'failed'] as const;
export const serviceStatuses = ['pending', 'active', 'failed'] as const;
export const serviceTypes = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export const operationStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const resourceTypes = [
  'container_image',
  'helm_chart',
  'minikube_cluster',
  'deployment',
  'service',
  'ai',
] as const;

export const userRole = pgEnum('user_role', userRoles);
export const userTier = pgEnum('user_tier', userTiers);
export const imageStatus = pgEnum('image_status', imageStatuses);
export const chartStatus = pgEnum('chart_status', chartStatuses);
export const clusterStatus = pgEnum('cluster_status', clusterStatuses);
export const clusterKind = pgEnum('cluster_kind', clusterKinds);
export const deploymentStatus = pgEnum('deployment_status', deploymentStatuses);
export const serviceStatus = pgEnum('service_status', serviceStatuses);
export const serviceType = pgEnum('service_type', serviceTypes);
export const operationStatus = pgEnum('operation_status', operationStatuses);
export const resourceType = pgEnum('resource_type', resourceTypes);

export type UserRole = (typeof userRoles)[number];
export type UserTier = (typeof userTiers)[number];
export type ImageStatus = (typeof imageStatuses)[number];
export type ChartStatus = (typeof chartStatuses)[number];
export type ClusterStatus = (typeof clusterStatuses)[number];
export type ClusterKind = (typeof clusterKinds)[number];
export type DeploymentStatus = (typeof deploymentStatuses)[number];
export type ServiceStatus = (typeof serviceStatuses)[number];
export type ServiceType = (typeof serviceTypes)[number];
export type OperationStatus = (typeof operationStatuses)[number];
export type ResourceType = (typeof resourceTypes)[number];
