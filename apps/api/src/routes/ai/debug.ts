import { aiDebug } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { freeText, jsonBody, uuid } from '../../validation.ts';
import { aiAgent } from './schema.ts';
import { answerWhenDone } from './sync-wait.ts';

export const AiDebugBody = z.object({
  deployment_id: uuid,
  ai_agent: aiAgent.default('kubectl-ai'),
  issue: freeText(2000),
});

/** POST /api/ai/debug: diagnoses a deployment; answers when the worker is done (see sync-wait.ts). */
export function registerAiDebug(app: ApiApp, deps: AppDeps): void {
  app.post('/api/ai/debug', async function aiDebugRoute(c) {
    const b = await jsonBody(c, AiDebugBody);
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
