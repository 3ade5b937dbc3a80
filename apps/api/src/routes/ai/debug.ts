import { aiRoutes } from '@slipway/contract';
import { aiDebug } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { answerWhenDone } from './sync-wait.ts';

/** POST /api/ai/debug: diagnoses a deployment; answers when the worker is done (see sync-wait.ts). */
export function registerAiDebug(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(aiRoutes.aiDebug), async function aiDebugRoute(c) {
    const b = c.req.valid('json');
    const op = await aiDebug(deps.core, c.get('actor'), {
      deploymentId: b.deployment_id,
      aiAgent: b.ai_agent,
      issue: b.issue ?? undefined,
    });
    return answerWhenDone(
      c,
      deps.core,
      op,
      deps.config.AI_SYNC_TIMEOUT_MS,
      { deployment_id: b.deployment_id, ai_agent: b.ai_agent },
      {
        done: 'AI-assisted debugging initiated',
        started: 'AI-assisted debugging initiated',
        failed: 'AI-assisted debugging failed',
      },
      // { analysis, recommendations, evidence, findings, engine, ... } as the worker stored it.
      (result) => ({ analysis: null, recommendations: [], ...result }),
    );
  });
}
