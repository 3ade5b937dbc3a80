import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { RouteConfig } from '@hono/zod-openapi';
import { ErrorBody } from './common.ts';
import { ERROR_NAMES, errorResponse, HEADERS } from './route.ts';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const DESCRIPTION = `Slipway is a deployment control plane: it builds container images, validates Helm charts,
starts minikube clusters and runs Kubernetes deployments and services. Every long action is an
**operation** (\`operation_id\` in the body, \`Location: /api/operations/{id}\` in the headers) that
workers carry out; watch it (\`GET /api/operations/{id}/events\`, Server-Sent Events) or poll it until it
is terminal.

- **Authentication**: \`POST /api/auth/login\` returns a Bearer JWT (1 hour) and a single-use refresh token.
- **Versioning**: every route also answers under \`/v1\` (\`/v1/api/...\`); \`Accept: application/vnd.todo.v1+json\`
  and \`?version=1.0.0\` are accepted; any other version is a 400.
- **Rate limits** per minute: standard 100, premium 500, admin 1000 (\`X-RateLimit-*\` headers; 429 with \`Retry-After\`).
- **Idempotency**: send \`Idempotency-Key\` on any write to make it safe to retry.
- **Errors** are always \`{ "error", "message", "id"?, "details"?: { "field", "issue" } }\`.`;

const TAGS = [
  { name: 'Auth', description: 'Sign in and refresh tokens.' },
  { name: 'Users', description: 'Users, roles (admin, operator, viewer) and tiers (standard, premium).' },
  { name: 'Container images', description: 'Images built by Docker (or the sandbox).' },
  { name: 'Helm charts', description: 'Charts validated by helm lint and helm template.' },
  {
    name: 'Minikube clusters',
    description: 'Clusters Slipway starts, stops and restarts, or existing kubeconfig contexts.',
  },
  { name: 'Deployments', description: 'Kubernetes deployments on a running cluster.' },
  { name: 'Services', description: 'Kubernetes services in front of a deployment.' },
  {
    name: 'Operations',
    description: 'The long work behind every create and action: status, progress, events, cancel.',
  },
  {
    name: 'AI',
    description: 'AI-assisted deploy, scale, debug and analyze (kubectl-ai, kagent, built-in rules).',
  },
  { name: 'System', description: 'Health, readiness, metrics, drivers and queues.' },
];

/** The OpenAPI 3.1 document of `routes` (the API's routes from this package). */
export function buildOpenApiDocument(
  routes: Record<string, RouteConfig>,
  version = '1.0.0',
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The access_token from POST /api/auth/login.',
  });
  for (const [name, header] of Object.entries(HEADERS)) registry.registerComponent('headers', name, header);
  registry.register('Error', ErrorBody);
  for (const [status, name] of Object.entries(ERROR_NAMES)) {
    // Components are written as given (not converted from zod), so they point at the schema.
    const response = errorResponse(Number(status), { $ref: '#/components/schemas/Error' });
    registry.registerComponent('responses', name, response as never);
  }
  for (const route of Object.values(routes)) registry.registerPath(route);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Slipway API',
      version,
      description: DESCRIPTION,
    },
    servers: [{ url: '/', description: 'This Slipway' }],
    security: [{ bearerAuth: [] }],
    tags: TAGS,
  });
}
