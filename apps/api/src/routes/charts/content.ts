import { chartRoutes } from '@slipway/contract';
import { DomainError, updateChart } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeChart } from '../../serializers.ts';

const GZIP_TYPES = new Set(['application/gzip', 'application/x-gzip', 'application/octet-stream']);

/**
 * PUT /api/helm-charts/:id/content: the raw chart .tgz (at most 5 MiB, enforced by the body-limit
 * middleware). Only the gzip framing is checked here; helm lint/template judge the rest (202 + operation).
 */
export function registerChartContent(app: ApiApp, deps: AppDeps): void {
  app.openapi(chartRoutes.uploadHelmChartContent, async function uploadChartContent(c) {
    const { id } = c.req.valid('param');
    const type = (c.req.header('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!GZIP_TYPES.has(type)) {
      throw new DomainError('bad_request', 'Chart content must be a .tgz archive', {
        details: { field: 'Content-Type', issue: 'must be application/gzip or application/octet-stream' },
      });
    }
    const bytes = Buffer.from(await c.req.arrayBuffer());
    if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
      throw new DomainError('validation', 'Validation failed', {
        details: { field: '(body)', issue: 'not a gzip archive (.tgz)' },
      });
    }
    const { chart, operation } = await updateChart(deps.core, c.get('actor'), id, { content: bytes });
    return startedWork(c, serializeChart(chart), operation, 202);
  });
}
