import { updateDeployment } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeDeployment } from '../../serializers.ts';
import { idParam, jsonBody } from '../../validation.ts';
import { imageRef, port, replicas } from './schema.ts';

export const UpdateDeploymentBody = z
  .object({ replicas: replicas.optional(), image: imageRef.optional(), container_port: port.optional() })
  .refine((b) => b.replicas !== undefined || b.image !== undefined || b.container_port !== undefined, {
    message: 'at least one of replicas, image, container_port is required',
    path: ['replicas'],
  });

/** PUT /api/deployments/:id: the new desired state is recorded at once and applied by an operation (202). */
export function registerUpdateDeployment(app: ApiApp, deps: AppDeps): void {
  app.put('/api/deployments/:id', async function updateDeploymentRoute(c) {
    const id = idParam(c);
    const b = await jsonBody(c, UpdateDeploymentBody);
    const { deployment, operation } = await updateDeployment(deps.core, c.get('actor'), id, {
      replicas: b.replicas,
      image: b.image,
      containerPort: b.container_port,
    });
    return startedWork(c, serializeDeployment(deployment), operation, 202);
  });
}
