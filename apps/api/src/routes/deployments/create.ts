import { createDeployment } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeDeployment } from '../../serializers.ts';
import { dnsLabel, jsonBody, uuid } from '../../validation.ts';
import { imageRef, port, replicas } from './schema.ts';

export const CreateDeploymentBody = z.object({
  name: dnsLabel,
  replicas,
  image: imageRef,
  container_port: port,
  helm_chart_id: uuid.nullable().optional(),
  /** Defaults to the caller's only running cluster. */
  minikube_cluster_id: uuid.nullable().optional(),
  namespace: dnsLabel.optional(),
});

/** POST /api/deployments: 201, status pending; the rollout runs as an operation. */
export function registerCreateDeployment(app: ApiApp, deps: AppDeps): void {
  app.post('/api/deployments', async function createDeploymentRoute(c) {
    const b = await jsonBody(c, CreateDeploymentBody);
    const { deployment, operation } = await createDeployment(deps.core, c.get('actor'), {
      name: b.name,
      replicas: b.replicas,
      image: b.image,
      containerPort: b.container_port,
      helmChartId: b.helm_chart_id,
      minikubeClusterId: b.minikube_cluster_id,
      namespace: b.namespace,
    });
    return startedWork(c, serializeDeployment(deployment), operation, 201);
  });
}
