import { aiRoutes } from '@slipway/contract';
import { aiAnalyze } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { answerWhenDone } from './sync-wait.ts';

/** POST /api/ai/analyze: analyses a running cluster; answers when the worker is done (see sync-wait.ts). */
export function registerAiAnalyze(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(aiRoutes.aiAnalyze), async function aiAnalyzeRoute(c) {
    const b = c.req.valid('json');
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
