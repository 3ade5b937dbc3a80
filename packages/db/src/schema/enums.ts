import * as vocabulary from '@slipway/contract/vocabulary';
import { pgEnum } from 'drizzle-orm/pg-core';

// The status tuples are the API's vocabulary and live in @slipway/contract (re-exported here with
// their types); the enums are built from them, and @slipway/core owns the allowed transitions.
export * from '@slipway/contract/vocabulary';

export const userRole = pgEnum('user_role', vocabulary.userRoles);
export const userTier = pgEnum('user_tier', vocabulary.userTiers);
export const imageStatus = pgEnum('image_status', vocabulary.imageStatuses);
export const chartStatus = pgEnum('chart_status', vocabulary.chartStatuses);
export const clusterStatus = pgEnum('cluster_status', vocabulary.clusterStatuses);
export const clusterKind = pgEnum('cluster_kind', vocabulary.clusterKinds);
export const deploymentStatus = pgEnum('deployment_status', vocabulary.deploymentStatuses);
export const serviceStatus = pgEnum('service_status', vocabulary.serviceStatuses);
export const serviceType = pgEnum('service_type', vocabulary.serviceTypes);
export const operationStatus = pgEnum('operation_status', vocabulary.operationStatuses);
export const resourceType = pgEnum('resource_type', vocabulary.resourceTypes);
