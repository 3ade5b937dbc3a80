// The API reference at /docs, rendered by a real browser (Debian's chromium through playwright-core)
// from the API's own /openapi.json: every documented operation shows up, the page loads nothing from
// outside Slipway and breaks none of its Content-Security-Policy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  hasChromium,
  openBrowser,
  repoRoot,
  type Stack,
  screenshot,
  screenshotsDir,
  startStack,
} from './harness.ts';

const doc = JSON.parse(readFileSync(join(repoRoot, 'docs', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};
const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);

describe.skipIf(!hasChromium)(
  'API reference (/docs) in chromium',
  () => {
    let stack: Stack;
    let b: Browser;
    const outside: string[] = [];

    beforeAll(async () => {
      stack = await startStack();
      b = await openBrowser();
      b.page.on('request', (r) => {
        if (!r.url().startsWith(stack.base) && !r.url().startsWith('data:')) outside.push(r.url());
      });
    }, 120_000);
    afterAll(async () => {
      await b?.close();
      await stack?.close();
    });

    it('renders every documented operation from /openapi.json', async () => {
      await b.page.goto(`${stack.base}/docs`);
      await b.page.waitForSelector('.opblock', { timeout: 30_000 });
      await expect.poll(() => b.page.locator('.opblock').count(), { timeout: 15_000 }).toBe(operations);
      const paths = await b.page.locator('.opblock-summary-path').allTextContents();
      const shown = new Set(paths.map((p) => p.replace(/\u200b/g, '').trim()));
      for (const path of ['/api/container-images', '/api/minikube-clusters/{id}/start', '/api/ai/debug']) {
        expect(shown.has(path), path).toBe(true);
      }
      // An operation opens with its parameters, responses and the Try it out control.
      await b.page
        .locator('.opblock-summary-path', { hasText: '/api/deployments/{id}/scale' })
        .first()
        .click();
      await b.page.getByRole('button', { name: 'Try it out' }).first().waitFor({ timeout: 10_000 });
      expect(await b.page.locator('.responses-table').first().textContent()).toContain('202');
      await screenshot(b.page, 'api-docs-full');
      await b.page.evaluate('window.scrollTo(0, 0)');
      await b.page.screenshot({ path: join(screenshotsDir, 'api-docs.png') });
      expect(b.cspViolations).toEqual([]);
      expect(b.pageErrors).toEqual([]);
      expect(outside).toEqual([]);
    });
  },
  180_000,
);
