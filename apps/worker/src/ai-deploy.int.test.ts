import { aiDeploy, createChart, createImage, getDeployment, getOperation } from '@slipway/core';
import { type ChartTool, createSandboxDrivers, SandboxChartTool } from '@slipway/drivers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

// AI deploy is planned once, by @slipway/ai's planDeploy in the worker's ai.deploy processor: core records
// the deployment with the chart's default image, the worker picks the owner's built image for the chart
// and records it before helm installs the release.
describe('worker: AI deploy through the ai package planner', () => {
  let h: WorkerHarness;
  let clusterId: string;
  beforeAll(async () => {
    h = await startHarness();
    clusterId = (await h.runningCluster('ai-plan')).id;
  });
  afterAll(() => h.close());

  async function validChart(name: string) {
    const { chart, operation } = await createChart(h.deps, h.owner, { name, version: '1.0.0' });
    expect((await h.settle(operation)).status).toBe('succeeded');
    return chart;
  }

  async function builtImage(name: string, repository: string, tag = 'latest') {
    const { operation } = await createImage(h.deps, h.owner, { name, tag, repository });
    expect((await h.settle(operation)).status).toBe('succeeded');
  }

  it("deploys the owner's built image matched by repository segment, not the chart default", async () => {
    await builtImage('todo-backend', 'docker.io/todo-app');
    const chart = await validChart('todo-app');
    const { deployment, operation } = await aiDeploy(h.deps, h.owner, {
      helmChartId: chart.id,
      minikubeClusterId: clusterId,
      aiAgent: 'kubectl-ai',
    });
    expect(deployment.image).toBe('todo-app:1.0.0');
    const op = await h.settle(operation);
    expect(op.status).toBe('succeeded');
    expect(op.result).toMatchObject({
      release: 'todo-app',
      image: 'docker.io/todo-app/todo-backend:latest',
      imageSource: 'built-image',
    });
    expect(await getDeployment(h.deps, h.owner, deployment.id)).toMatchObject({
      status: 'running',
      image: 'docker.io/todo-app/todo-backend:latest',
    });
    const events = (await getOperation(h.deps, h.owner, operation.id)).events.map((e) => e.message);
    expect(events).toContain('kubectl-ai plan: image docker.io/todo-app/todo-backend:latest (built-image)');
    // The plan, with the chart driver's dry run, is in the operation before anything changes.
    const planAt = events.findIndex((m) => m.startsWith('plan: '));
    const imageAt = events.indexOf(
      'kubectl-ai plan: image docker.io/todo-app/todo-backend:latest (built-image)',
    );
    const installAt = events.findIndex((m) => /^kubectl-ai: installed chart todo-app-1\.0\.0/.test(m));
    expect(planAt).toBeGreaterThanOrEqual(0);
    expect(planAt).toBeLessThan(imageAt);
    expect(imageAt).toBeLessThan(installAt);
    const plan = JSON.parse(events[planAt]?.slice('plan: '.length) ?? '{}');
    expect(plan).toMatchObject({
      action: 'deploy',
      agent: 'kubectl-ai',
      chart: 'todo-app-1.0.0',
      release: 'todo-app',
      namespace: deployment.namespace,
      values: { image: 'docker.io/todo-app/todo-backend:latest', replicas: 1, containerPort: 8080 },
      imageSource: 'built-image',
      ok: true,
      // The sandbox's answer is a simulation and says so.
      dryRun: { accepted: true, serverSide: false, resources: [{ kind: 'Deployment' }, { kind: 'Service' }] },
    });
    expect((op.result as { plan?: unknown }).plan).toEqual(plan);
  });

  it('keeps the chart default and says why when several built images could be meant', async () => {
    await builtImage('shop-api', 'docker.io/shop');
    await builtImage('shop-web', 'docker.io/shop');
    const chart = await validChart('shop');
    const { deployment, operation } = await aiDeploy(h.deps, h.owner, {
      helmChartId: chart.id,
      minikubeClusterId: clusterId,
      aiAgent: 'kagent',
    });
    const op = await h.settle(operation);
    expect(op.status).toBe('succeeded');
    expect(op.result).toMatchObject({ image: 'shop:1.0.0', imageSource: 'chart-default' });
    expect((await getDeployment(h.deps, h.owner, deployment.id)).image).toBe('shop:1.0.0');
    const events = (await getOperation(h.deps, h.owner, operation.id)).events.map((e) => e.message);
    expect(events.some((m) => /^kagent plan: Several built images could belong to chart shop/.test(m))).toBe(
      true,
    );
  });
});

describe('worker: AI deploy with a chart driver that has no dry run', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    const sandbox = new SandboxChartTool({ timeScale: 0.001 });
    // Only validate and install: what a driver without dryRunInstall offers.
    const charts: ChartTool = {
      kind: 'no-dry-run',
      validate: (chart, ctx) => sandbox.validate(chart, ctx),
      install: (target, chart, release, ctx) => sandbox.install(target, chart, release, ctx),
    };
    h = await startHarness({}, { drivers: { ...createSandboxDrivers({ timeScale: 0.001 }), charts } });
  });
  afterAll(() => h.close());

  it('says so in the plan, written before the install', async () => {
    const cluster = await h.runningCluster('no-dry-run');
    const { chart, operation: validated } = await createChart(h.deps, h.owner, {
      name: 'plain',
      version: '1.0.0',
    });
    expect((await h.settle(validated)).status).toBe('succeeded');
    const { operation } = await aiDeploy(h.deps, h.owner, {
      helmChartId: chart.id,
      minikubeClusterId: cluster.id,
      aiAgent: 'kubectl-ai',
    });
    expect((await h.settle(operation)).status).toBe('succeeded');
    const events = (await getOperation(h.deps, h.owner, operation.id)).events.map((e) => e.message);
    const planAt = events.findIndex((m) => m.startsWith('plan: '));
    expect(planAt).toBeGreaterThanOrEqual(0);
    expect(planAt).toBeLessThan(events.findIndex((m) => /installed chart plain-1\.0\.0/.test(m)));
    expect(JSON.parse(events[planAt]?.slice('plan: '.length) ?? '{}')).toMatchObject({
      ok: true,
      dryRun: { accepted: null, detail: 'this driver has no dry run', serverSide: false },
    });
  });
});
