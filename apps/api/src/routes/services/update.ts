import { updateService } from '@slipway/core';
import { serviceTypes } from '@slipway/db';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeService } from '../../serializers.ts';
import { idParam, int, jsonBody } from '../../validation.ts';
import { protocols } from './create.ts';

export const UpdateServiceBody = z.object({
  type: z.enum(serviceTypes).optional(),
  port: int(1, 65_535).optional(),
  target_port: int(1, 65_535).optional(),
  protocol: z.enum(protocols).optional(),
});

/** PUT /api/services/:id: back to pending and re-applied by an operation (202). */
export function registerUpdateService(app: ApiApp, deps: AppDeps): void {
  app.put('/api/services/:id', async function updateServiceRoute(c) {
    const id = idParam(c);
    const b = await jsonBody(c, UpdateServiceBody);
    const input: {
      type?: (typeof serviceTypes)[number];
      port?: number;
      targetPort?: number;
      protocol?: string;
    } = {};
    if (b.type !== undefined) input.type = b.type;
    if (b.port !== undefined) input.port = b.port;
    if (b.target_port !== undefined) input.targetPort = b.target_port;
    if (b.protocol !== undefined) input.protocol = b.protocol;
    const { service, operation } = await updateService(deps.core, c.get('actor'), id, input);
    return startedWork(c, serializeService(service), operation, 202);
  });
}
