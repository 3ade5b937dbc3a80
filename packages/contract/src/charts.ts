import { freeText, IdParams, operationRef, pageOf, pageQuery, text, timestamp, uuid, z } from './common.ts';
import { defineRoute, deleteRoute, getRoute, listRoute } from './route.ts';
import { chartStatuses } from './vocabulary.ts';

const TAG = 'Helm charts';

// Helm's own rules: chart names are lowercase with dashes; versions are SemVer 2.
export const chartName = text(53).regex(
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  'must be lowercase letters, digits and dashes',
);
export const chartVersion = text(64).regex(
  /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/,
  'must be a SemVer version such as 1.0.0',
);

export const CreateChartBody = z
  .object({
    name: chartName,
    version: chartVersion,
    description: freeText(2000),
    app_version: text(64).nullable().optional(),
  })
  .openapi('CreateHelmChart', {
    example: {
      name: 'todo-app',
      version: '1.0.0',
      description: 'Todo AI Chatbot Helm chart',
      app_version: '1.0.0',
    },
  });
export type CreateChartBody = z.infer<typeof CreateChartBody>;

export const UpdateChartBody = z
  .object({
    name: chartName.optional(),
    version: chartVersion.optional(),
    description: freeText(2000),
    app_version: text(64).nullable().optional(),
  })
  .openapi('UpdateHelmChart', {
    example: { version: '1.0.1', description: 'Updated with security patches' },
  });
export type UpdateChartBody = z.infer<typeof UpdateChartBody>;

export const ChartFinding = z
  .object({
    severity: z.enum(['error', 'warning', 'info']),
    message: z.string(),
    path: z.string().optional(),
  })
  .openapi('ChartFinding');

export const HelmChart = z
  .object({
    id: uuid,
    name: z.string(),
    version: z.string(),
    description: z.string().nullable(),
    app_version: z.string().nullable(),
    created_at: timestamp,
    last_updated: timestamp,
    status: z.enum(chartStatuses),
    validator: z
      .string()
      .nullable()
      .openapi({ description: 'What validated it (helm lint/template, sandbox).' }),
    findings: z.array(ChartFinding),
    has_content: z.boolean().openapi({ description: 'A .tgz was uploaded (otherwise it is scaffolded).' }),
    content_size: z.number().int(),
    driver: z.string().nullable(),
    error: z.string().nullable(),
    owner_id: uuid,
    ...operationRef,
  })
  .openapi('HelmChart', {
    example: {
      id: '5e8a1c2b-3d4f-4a5b-9c6d-7e8f9a0b1c2d',
      name: 'todo-app',
      version: '1.0.0',
      description: 'Todo AI Chatbot Helm chart',
      app_version: '1.0.0',
      created_at: '2026-02-07T10:00:00.000Z',
      last_updated: '2026-02-07T10:05:00.000Z',
      status: 'valid',
      validator: 'helm',
      findings: [],
      has_content: false,
      content_size: 0,
      driver: 'helm',
      error: null,
      owner_id: '9a0f2c3d-1b2e-4f5a-8c7d-6e5f4a3b2c1d',
    },
  });
export type HelmChart = z.infer<typeof HelmChart>;

export const ChartList = pageOf(HelmChart, 'HelmChartList');
export const ChartListQuery = pageQuery(chartStatuses);

export const chartRoutes = {
  createHelmChart: defineRoute({
    operationId: 'createHelmChart',
    method: 'post',
    path: '/api/helm-charts',
    tag: TAG,
    summary: 'Create a Helm chart (validation runs as an operation)',
    body: CreateChartBody,
    idempotent: true,
    errors: [403, 409],
    responses: {
      201: { description: 'Recorded, status `validating`.', schema: HelmChart, headers: ['Location'] },
    },
  }),
  listHelmCharts: listRoute({
    operationId: 'listHelmCharts',
    path: '/api/helm-charts',
    tag: TAG,
    summary: 'List your Helm charts',
    query: ChartListQuery,
    schema: ChartList,
  }),
  getHelmChart: getRoute({
    operationId: 'getHelmChart',
    path: '/api/helm-charts/{id}',
    tag: TAG,
    summary: 'Get a Helm chart',
    description: 'The chart.',
    schema: HelmChart,
  }),
  updateHelmChart: defineRoute({
    operationId: 'updateHelmChart',
    method: 'put',
    path: '/api/helm-charts/{id}',
    tag: TAG,
    summary: 'Update a Helm chart (re-validates it)',
    params: IdParams,
    body: UpdateChartBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 202: { description: 'Re-validation started.', schema: HelmChart, headers: ['Location'] } },
  }),
  uploadHelmChartContent: defineRoute({
    operationId: 'uploadHelmChartContent',
    method: 'put',
    path: '/api/helm-charts/{id}/content',
    tag: TAG,
    summary: 'Upload the chart archive (.tgz, at most 5 MiB); helm lint/template judge it',
    params: IdParams,
    rawBody: {
      description: 'The chart as a gzipped tar archive.',
      content: {
        'application/gzip': { schema: { type: 'string', format: 'binary' } },
        'application/x-gzip': { schema: { type: 'string', format: 'binary' } },
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
      },
    },
    idempotent: true,
    errors: [403, 404, 409, 413, 422],
    responses: { 202: { description: 'Validation started.', schema: HelmChart, headers: ['Location'] } },
  }),
  deleteHelmChart: deleteRoute({
    operationId: 'deleteHelmChart',
    path: '/api/helm-charts/{id}',
    tag: TAG,
    summary: 'Delete a Helm chart',
  }),
};
