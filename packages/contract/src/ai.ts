import { freeText, int, operationRef, text, uuid, z } from './common.ts';
import { defineRoute } from './route.ts';

const TAG = 'AI';

/** The agent label (kubectl-ai, kagent, ...); the worker decides what runs it. */
export const aiAgent = text(64).regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be an agent name such as kubectl-ai');

export const AiDeployBody = z
  .object({ helm_chart_id: uuid, minikube_cluster_id: uuid, ai_agent: aiAgent.default('kubectl-ai') })
  .openapi('AiDeploy', {
    example: {
      helm_chart_id: '5e8a1c2b-3d4f-4a5b-9c6d-7e8f9a0b1c2d',
      minikube_cluster_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      ai_agent: 'kubectl-ai',
    },
  });

export const AiScaleBody = z
  .object({ deployment_id: uuid, ai_agent: aiAgent.default('kubectl-ai'), target_replicas: int(0, 1000) })
  .openapi('AiScale', {
    example: {
      deployment_id: '2b1f9d3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e',
      ai_agent: 'kubectl-ai',
      target_replicas: 5,
    },
  });

export const AiDebugBody = z
  .object({ deployment_id: uuid, ai_agent: aiAgent.default('kubectl-ai'), issue: freeText(2000) })
  .openapi('AiDebug', {
    example: {
      deployment_id: '2b1f9d3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e',
      ai_agent: 'kubectl-ai',
      issue: 'pod not ready',
    },
  });

export const analysisTypes = ['resource-optimization', 'health', 'security'] as const;

export const AiAnalyzeBody = z
  .object({
    minikube_cluster_id: uuid,
    ai_agent: aiAgent.default('kagent'),
    analysis_type: text(64)
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be an analysis type such as resource-optimization')
      .default('resource-optimization')
      .openapi({ description: `One of ${analysisTypes.join(', ')}.`, example: 'resource-optimization' }),
  })
  .openapi('AiAnalyze', {
    example: {
      minikube_cluster_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      ai_agent: 'kagent',
      analysis_type: 'resource-optimization',
    },
  });

/** in_progress: still running at the sync deadline (202, poll the operation); completed; failed. */
const aiStatus = z.enum(['in_progress', 'completed', 'failed']);

export const AiDeployAccepted = z
  .object({
    message: z.string(),
    deployment_id: uuid,
    ai_agent: z.string(),
    status: aiStatus,
    ...operationRef,
  })
  .openapi('AiDeployAccepted', {
    example: {
      message: 'AI-assisted deployment initiated',
      deployment_id: '2b1f9d3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e',
      ai_agent: 'kubectl-ai',
      status: 'in_progress',
    },
  });

export const AiScaleAccepted = z
  .object({
    message: z.string(),
    deployment_id: uuid,
    current_replicas: z.number().int(),
    target_replicas: z.number().int(),
    ai_agent: z.string(),
    status: aiStatus,
    ...operationRef,
  })
  .openapi('AiScaleAccepted', {
    example: {
      message: 'AI-assisted scaling initiated',
      deployment_id: '2b1f9d3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e',
      current_replicas: 2,
      target_replicas: 5,
      ai_agent: 'kubectl-ai',
    },
  });

// The analyses carry what the engine found (evidence, findings, engine, note, ...): documented
// fields are typed, and further fields the analyzer adds pass through.
export const AiDebugResult = z
  .looseObject({
    message: z.string(),
    deployment_id: uuid,
    ai_agent: z.string(),
    status: aiStatus,
    analysis: z.string().nullable().optional(),
    recommendations: z.array(z.unknown()).optional(),
    evidence: z.array(z.unknown()).optional(),
    engine: z
      .string()
      .optional()
      .openapi({ description: 'What produced the answer (rules, kubectl-ai, kagent, llm).' }),
    error: z.string().optional(),
    ...operationRef,
  })
  .openapi('AiDebugResult', {
    example: {
      message: 'AI-assisted debugging initiated',
      deployment_id: '2b1f9d3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e',
      ai_agent: 'kubectl-ai',
      status: 'completed',
      analysis: 'Pod is in CrashLoopBackOff due to missing environment variables',
      recommendations: [
        'Add missing environment variables to deployment configuration',
        'Check application logs for specific error messages',
      ],
    },
  });

export const AiAnalyzeResult = z
  .looseObject({
    message: z.string(),
    minikube_cluster_id: uuid,
    ai_agent: z.string(),
    analysis_type: z.string(),
    status: aiStatus,
    analysis: z
      .looseObject({
        resource_utilization: z.looseObject({ cpu: z.string(), memory: z.string() }).optional(),
        recommendations: z.array(z.unknown()).optional(),
      })
      .nullable()
      .optional(),
    error: z.string().optional(),
    ...operationRef,
  })
  .openapi('AiAnalyzeResult', {
    example: {
      message: 'AI-assisted cluster analysis completed',
      minikube_cluster_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      ai_agent: 'kagent',
      analysis_type: 'resource-optimization',
      status: 'completed',
      analysis: {
        resource_utilization: { cpu: '65%', memory: '45%' },
        recommendations: [
          'Increase CPU limits for backend deployment',
          'Optimize memory usage for frontend containers',
        ],
      },
    },
  });

const sync = (what: string) =>
  `Answers when the worker is done (up to AI_SYNC_TIMEOUT_MS): 200 with the ${what}, or \`status: failed\` and \`error\`; 202 with \`operation_id\` to poll when it is still running.`;

export const aiRoutes = {
  aiDeploy: defineRoute({
    operationId: 'aiDeploy',
    method: 'post',
    path: '/api/ai/deploy',
    tag: TAG,
    summary: 'AI-assisted deployment of a valid chart on a running cluster',
    body: AiDeployBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 202: { description: 'Started.', schema: AiDeployAccepted, headers: ['Location'] } },
  }),
  aiScale: defineRoute({
    operationId: 'aiScale',
    method: 'post',
    path: '/api/ai/scale',
    tag: TAG,
    summary: 'AI-assisted scaling',
    body: AiScaleBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 202: { description: 'Started.', schema: AiScaleAccepted, headers: ['Location'] } },
  }),
  aiDebug: defineRoute({
    operationId: 'aiDebug',
    method: 'post',
    path: '/api/ai/debug',
    tag: TAG,
    summary: 'AI-assisted debugging of a deployment',
    description: sync('analysis, its evidence and recommendations'),
    body: AiDebugBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: {
      200: { description: 'Done (or failed).', schema: AiDebugResult, headers: ['Location'] },
      202: { description: 'Still running.', schema: AiDebugResult, headers: ['Location'] },
    },
  }),
  aiAnalyze: defineRoute({
    operationId: 'aiAnalyze',
    method: 'post',
    path: '/api/ai/analyze',
    tag: TAG,
    summary: 'AI-assisted cluster analysis (utilization and recommendations)',
    description: sync('analysis'),
    body: AiAnalyzeBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: {
      200: { description: 'Done (or failed).', schema: AiAnalyzeResult, headers: ['Location'] },
      202: { description: 'Still running.', schema: AiAnalyzeResult, headers: ['Location'] },
    },
  }),
};
