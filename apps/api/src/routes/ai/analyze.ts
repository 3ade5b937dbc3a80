import { aiAnalyze } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { jsonBody, text, uuid } from '../../validation.ts';
import { aiAgent } from './schema.ts';
import { answerWhenDone } from './sync-wait.ts';

export const AiAnalyzeBody = z.object({
  minikube_cluster_id: uuid,
  ai_agent: aiAgent.default('kagent'),
  analysis_type: text(64)
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be an analysis type such as resource-optimization')
    .default('resource-optimization'),
});

/** POST /api/ai/analyze: analyses a running cluster; answers when the worker is done (see sync-wait.ts). */
export function registerAiAnalyze(app: ApiApp, deps: AppDeps): void {
  app.post('/api/ai/analyze', async function aiAnalyzeRoute(c) {
    const b = await jsonBody(c, AiAnalyzeBody);
    const op = await aiAnalyze(deps.core, c.get('actor'), {
      minikubeClusterId: b.minikube_cluster_id,
      aiAgent: b.ai_agent,
      analysisType: b.analysis_type,
    });
    return answerWhenDone(
      c,
      deps.core,
      op,
      deps.config.AI_SYNC_TIMEOUT_MS,
      { minikube_cluster_id: b.minikube_cluster_id, ai_agent: b.ai_agent, analysis_type: b.analysis_type },
      {
        done: 'AI-assisted cluster analysis completed',
        started: 'AI-assisted cluster analysis initiated',
        failed: 'AI-assisted cluster analysis failed',
      },
      // The worker stores { analysis: { resource_utilization, recommendations, ... }, ... }.
      (result) => ({ analysis: null, ...result }),
    );
  });
}
