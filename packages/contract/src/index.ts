import { aiRoutes } from './ai.ts';
import { auditRoutes } from './audit.ts';
import { chartRoutes } from './charts.ts';
import { clusterRoutes } from './clusters.ts';
import { deploymentRoutes } from './deployments.ts';
import { eventRoutes } from './events.ts';
import { imageRoutes } from './images.ts';
import { kubeContextRoutes } from './kube-contexts.ts';
import { namespaceRoutes } from './namespaces.ts';
import { operationRoutes } from './operations.ts';
import { serviceRoutes } from './services.ts';
import { systemRoutes } from './system.ts';
import { userRoutes } from './users.ts';

export * from './ai.ts';
export * from './audit.ts';
export * from './charts.ts';
export * from './clusters.ts';
export * from './common.ts';
export * from './deployments.ts';
export { buildOpenApiDocument, type OpenApiDocument } from './document.ts';
export * from './events.ts';
export * from './images.ts';
export * from './kube-contexts.ts';
export * from './namespaces.ts';
export * from './operations.ts';
export * from './route.ts';
export * from './services.ts';
export * from './system.ts';
export * from './users.ts';
export * from './vocabulary.ts';

/** Every route of the API, by operationId: the one list the document and the server are built from. */
export const routes = {
  ...userRoutes,
  ...auditRoutes,
  ...imageRoutes,
  ...chartRoutes,
  ...clusterRoutes,
  ...kubeContextRoutes,
  ...namespaceRoutes,
  ...deploymentRoutes,
  ...serviceRoutes,
  ...operationRoutes,
  ...eventRoutes,
  ...aiRoutes,
  ...systemRoutes,
};
export type RouteId = keyof typeof routes;
