import { kubeContextRoutes } from '@slipway/contract';
import { listKubeContexts } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse } from '../../pagination.ts';
import { serializeKubeContext } from './serialize.ts';

/** GET /api/kube-contexts (admins only): the allowlist, newest first, paginated. */
export function registerListKubeContexts(app: ApiApp, deps: AppDeps): void {
  app.openapi(kubeContextRoutes.listKubeContexts, async function listKubeContextsRoute(c) {
    const q = c.req.valid('query');
    const page = await listKubeContexts(deps.core, c.get('actor'), { page: q.page, perPage: q.per_page });
    return listResponse(c, page, serializeKubeContext);
  });
}
