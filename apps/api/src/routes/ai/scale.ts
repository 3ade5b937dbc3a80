import { aiScale } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { int, jsonBody, uuid } from '../../validation.ts';
import { aiAgent } from './schema.ts';

export const AiScaleBody = z.object({
  deployment_id: uuid,
  ai_agent: aiAgent.default('kubectl-ai'),
  target_replicas: int(0, 1000),
});

/** POST /api/ai/scale: 202 with current and target replicas. */
export function registerAiScale(app: ApiApp, deps: AppDeps): void {
  app.post('/api/ai/scale', async function aiScaleRoute(c) {
    const b = await jsonBody(c, AiScaleBody);
    const r = await aiScale(deps.core, c.get('actor'), {
      deploymentId: b.deployment_id,
      aiAgent: b.ai_agent,
      targetReplicas: b.target_replicas,
    });
    return startedWork(
      c,
      {
        message: 'AI-assisted scaling initiated',
        deployment_id: b.deployment_id,
        current_replicas: r.current,
        target_replicas: r.target,
        ai_agent: b.ai_agent,
        status: 'in_progress',
      },
      r.operation,
      202,
    );
  });
}
