import { scaleDeployment } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { idParam, jsonBody } from '../../validation.ts';
import { replicas } from './schema.ts';

export const ScaleDeploymentBody = z.object({ replicas });

/** POST /api/deployments/:id/scale: 202 with the contract's message, current and desired replicas. */
export function registerScaleDeployment(app: ApiApp, deps: AppDeps): void {
  app.post('/api/deployments/:id/scale', async function scaleDeploymentRoute(c) {
    const id = idParam(c);
    const b = await jsonBody(c, ScaleDeploymentBody);
    const { before, deployment, operation } = await scaleDeployment(
      deps.core,
      c.get('actor'),
      id,
      b.replicas,
    );
    return startedWork(
      c,
      {
        message: `Deployment scaling to ${b.replicas} replicas`,
        // The spec before this request (what the cluster is converging to now).
        current_replicas: before.replicas,
        desired_replicas: b.replicas,
        id,
        available_replicas: deployment.availableReplicas,
        status: deployment.status,
      },
      operation,
      202,
    );
  });
}
