import {
  chartStatuses,
  clusterKinds,
  clusterStatuses,
  deploymentStatuses,
  imageStatuses,
  operationStatuses,
  resourceTypes,
  serviceStatuses,
  serviceTypes,
  userRoles,
  userTiers,
} from '@slipway/contract/vocabulary';
import { pgEnum } from 'drizzle-orm/pg-core';

// The status tuples are the API's vocabulary and live in @slipway/contract; the enums are built from
// them here, and @slipway/core owns the allowed transitions.
export {
  chartStatuses,
  clusterKinds,
  clusterStatuses,
  deploymentStatuses,
  imageStatuses,
  operationStatuses,
  resourceTypes,
  serviceStatuses,
  serviceTypes,
  userRoles,
  userTiers,
};

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

export type {
  ChartStatus,
  ClusterKind,
  ClusterStatus,
  DeploymentStatus,
  ImageStatus,
  OperationStatus,
  ResourceType,
  ServiceStatus,
  ServiceType,
  UserRole,
  UserTier,
} from '@slipway/contract/vocabulary';
