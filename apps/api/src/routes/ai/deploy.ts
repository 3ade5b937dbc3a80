import { aiDeploy } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { jsonBody, uuid } from '../../validation.ts';
import { aiAgent } from './schema.ts';

export const AiDeployBody = z.object({
  helm_chart_id: uuid,
  minikube_cluster_id: uuid,
  ai_agent: aiAgent.default('kubectl-ai'),
});

/** POST /api/ai/deploy: installs a valid chart on a running cluster as a new deployment (202). */
export function registerAiDeploy(app: ApiApp, deps: AppDeps): void {
  app.post('/api/ai/deploy', async function aiDeployRoute(c) {
    const b = await jsonBody(c, AiDeployBody);
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
        status: 'in_progress',
      },
      operation,
      202,
    );
  });
}
