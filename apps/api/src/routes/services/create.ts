import { createService } from '@slipway/core';
import { serviceTypes } from '@slipway/db';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeService } from '../../serializers.ts';
import { dnsLabel, int, jsonBody, uuid } from '../../validation.ts';

export const protocols = ['TCP', 'UDP', 'SCTP'] as const;

export const CreateServiceBody = z.object({
  name: dnsLabel,
  type: z.enum(serviceTypes).default('ClusterIP'),
  port: int(1, 65_535),
  target_port: int(1, 65_535),
  protocol: z.enum(protocols).default('TCP'),
  deployment_id: uuid,
});

/** POST /api/services: 201, status pending; the service follows its deployment's cluster and namespace. */
export function registerCreateService(app: ApiApp, deps: AppDeps): void {
  app.post('/api/services', async function createServiceRoute(c) {
    const b = await jsonBody(c, CreateServiceBody);
    const { service, operation } = await createService(deps.core, c.get('actor'), {
      name: b.name,
      type: b.type,
      port: b.port,
      targetPort: b.target_port,
      protocol: b.protocol,
      deploymentId: b.deployment_id,
    });
    return startedWork(c, serializeService(service), operation, 201);
  });
}
