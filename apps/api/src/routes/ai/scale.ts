import { aiRoutes } from '@slipway/contract';
import { aiScale } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';

/** POST /api/ai/scale: 202 with current and target replicas. */
export function registerAiScale(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(aiRoutes.aiScale), async function aiScaleRoute(c) {
    const b = c.req.valid('json');
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
        status: 'in_progress' as const,
      },
      r.operation,
      202,
    );
  });
}
