import { aiRoutes } from '@slipway/contract';
import { aiDeploy } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';

/** POST /api/ai/deploy: installs a valid chart on a running cluster as a new deployment (202). */
export function registerAiDeploy(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(aiRoutes.aiDeploy), async function aiDeployRoute(c) {
    const b = c.req.valid('json');
    const { deployment, operation } = await aiDeploy(deps.core, c.get('actor'), {
      helmChartId: b.helm_chart_id,
      minikubeClusterId: b.minikube_cluster_id,
      aiAgent: b.ai_agent,
    });
    return startedWork(
      c,
      {
        message: 'AI-assisted deployment initiated',
        deployment_id: deployment.id,
        ai_agent: b.ai_agent,
        status: 'in_progress' as const,
      },
      operation,
      202,
    );
  });
}
