// Hono's SmartRouter takes the first router that accepts every route: RegExpRouter (one regular
// expression per method) unless a single pattern is one it refuses, which silently moves the whole
// API to the trie router (its search was ~2% of the API's CPU per status poll). This keeps every
// route RegExpRouter-compatible, and checks the app really uses it.
import type { CoreDeps } from '@slipway/core';
import { HttpMetrics } from '@slipway/telemetry';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import type { AppDeps } from './context.ts';

const deps = {
  core: {
    db: {},
    driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
  } as unknown as CoreDeps,
  sql: {} as AppDeps['sql'],
  redis: { defineCommand() {} } as unknown as AppDeps['redis'],
  config: {
    JWT_SECRET: 'x'.repeat(32),
    DRIVER: 'sandbox',
    QUEUE_PREFIX: 'router-test',
    AI_SYNC_TIMEOUT_MS: 50,
    TRUST_PROXY: false,
  },
  metrics: new HttpMetrics(),
} satisfies AppDeps;

describe('routing', () => {
  it('every route is one RegExpRouter accepts, and the app routes with it', async () => {
    const app = createApp(deps);
    const r = new RegExpRouter<unknown>();
    const refused: string[] = [];
    for (const route of app.routes) {
      try {
        r.add(route.method, route.path, route.handler);
      } catch {
        refused.push(`${route.method} ${route.path}`);
      }
    }
    expect(refused).toEqual([]);
    expect(r.match('GET', '/api/deployments/00000000-0000-4000-8000-000000000000')[0].length).toBeGreaterThan(
      0,
    );
    // The app's SmartRouter settles on its first request.
    await app.request('/healthz');
    const router = (app as unknown as { router: { activeRouter?: { name: string } } }).router;
    expect(router.activeRouter?.name).toBe('RegExpRouter');
  });
});
