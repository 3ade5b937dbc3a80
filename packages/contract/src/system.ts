import { ErrorBody, z } from './common.ts';
import { defineRoute } from './route.ts';

const TAG = 'System';

export const Health = z.object({ status: z.literal('ok') }).openapi('Health');

const checks = z.object({
  postgres: z.enum(['ok', 'unreachable']),
  redis: z.enum(['ok', 'unreachable']),
  migrations: z.enum(['ok', 'pending', 'unknown']),
});
export const Ready = z.object({ status: z.literal('ready'), checks }).openapi('Ready');
export const NotReady = z
  .object({ ...ErrorBody.shape, status: z.literal('not_ready'), checks })
  .openapi('NotReady');

export const SystemMetrics = z
  .looseObject({
    request_count: z.number(),
    average_response_time_ms: z.number(),
    error_rate: z.number(),
    success_rate: z.number(),
  })
  .openapi('SystemMetrics');

export const DriverReport = z
  .object({
    family: z.enum(['images', 'clusters', 'workloads', 'charts']),
    kind: z.string(),
    reachable: z.boolean(),
    version: z.string().optional(),
    detail: z.string().optional(),
    picked: z.boolean(),
  })
  .openapi('DriverReport');

export const SystemDrivers = z
  .object({
    driver: z.string().openapi({ description: 'DRIVER as configured.' }),
    recorded: z
      .object({ images: z.string(), clusters: z.string(), workloads: z.string(), charts: z.string() })
      .openapi({ description: 'The driver new resources of each family are recorded against.' }),
    drivers: z.array(DriverReport),
  })
  .openapi('SystemDrivers');

export const SystemQueues = z
  .object({
    prefix: z.string(),
    queues: z.array(z.object({ name: z.string(), counts: z.record(z.string(), z.number()) })),
  })
  .openapi('SystemQueues');

export const systemRoutes = {
  healthz: defineRoute({
    operationId: 'healthz',
    method: 'get',
    path: '/healthz',
    tag: TAG,
    summary: 'Liveness: the process is up (no token, no dependency checked)',
    public: true,
    unlimited: true,
    responses: { 200: { description: 'Alive.', schema: Health } },
  }),
  readyz: defineRoute({
    operationId: 'readyz',
    method: 'get',
    path: '/readyz',
    tag: TAG,
    summary: 'Readiness: Postgres and Redis reachable, every migration applied',
    public: true,
    unlimited: true,
    errorSchemas: { 503: NotReady },
    responses: { 200: { description: 'Ready.', schema: Ready } },
  }),
  getSystemMetrics: defineRoute({
    operationId: 'getSystemMetrics',
    method: 'get',
    path: '/api/system/metrics',
    tag: TAG,
    summary: 'Request count, average response time, error and success rate (admins)',
    errors: [403],
    responses: { 200: { description: 'Counters.', schema: SystemMetrics } },
  }),
  getSystemDrivers: defineRoute({
    operationId: 'getSystemDrivers',
    method: 'get',
    path: '/api/system/drivers',
    tag: TAG,
    summary: 'The configured driver and what each driver reports (admins)',
    errors: [403],
    responses: { 200: { description: 'Drivers.', schema: SystemDrivers } },
  }),
  getSystemQueues: defineRoute({
    operationId: 'getSystemQueues',
    method: 'get',
    path: '/api/system/queues',
    tag: TAG,
    summary: 'Job counts per BullMQ queue (admins)',
    errors: [403],
    responses: { 200: { description: 'Queues.', schema: SystemQueues } },
  }),
  getPrometheusMetrics: defineRoute({
    operationId: 'getPrometheusMetrics',
    method: 'get',
    path: '/metrics',
    tag: TAG,
    summary: 'Prometheus text exposition (admin token)',
    errors: [403],
    responses: {
      200: {
        description: 'Prometheus text format 0.0.4.',
        content: { 'text/plain': { schema: z.string() } },
      },
    },
  }),
};
