import { describe, expect, it } from 'vitest';
import { packChart, scaffoldChart } from '../helm/chart-files.ts';
import { SandboxChartTool } from './charts.ts';
import { recordingContext, rejectionOf } from './test-context.ts';

const tool = new SandboxChartTool({ timeScale: 0.001, now: () => Date.UTC(2026, 1, 7, 10) });
const record = { id: 'c1', name: 'todo-app', version: '1.0.0', appVersion: '1.0.0' };
const target = { clusterId: 'k1', name: 'local-dev', context: 'local-dev' };
const release = {
  name: 'todo',
  namespace: 'default',
  values: { image: 'todo/api:v1', replicas: 2, containerPort: 8000 },
};

describe('SandboxChartTool.validate', () => {
  it('runs the structural check on the record', async () => {
    const ctx = recordingContext();
    expect(await tool.validate(record, ctx)).toEqual({ valid: true, validator: 'structural', findings: [] });
    expect(ctx.lines.at(-1)).toBe('1 chart(s) linted, 0 chart(s) failed');
  });

  it('reports structural problems of the record and of uploads', async () => {
    const bad = await tool.validate({ ...record, version: '1.0' }, recordingContext());
    expect(bad.valid).toBe(false);
    const upload = await packChart({ 'Chart.yaml': 'apiVersion: v2\nname: todo-app\nversion: 1.0.0\n' });
    const noTemplates = await tool.validate({ ...record, content: upload }, recordingContext());
    expect(noTemplates).toMatchObject({ valid: false, findings: [{ path: 'templates/' }] });
    const good = await tool.validate(
      { ...record, content: await packChart(scaffoldChart(record)) },
      recordingContext(),
    );
    expect(good.valid).toBe(true);
  });

  it('fails a chart whose name contains "invalid" with an error finding', async () => {
    const ctx = recordingContext();
    const r = await tool.validate({ ...record, name: 'invalid-chart' }, ctx);
    expect(r.valid).toBe(false);
    expect(r.findings).toContainEqual(expect.objectContaining({ severity: 'error', path: 'templates/' }));
    expect(ctx.lines.at(-1)).toBe('Error: 1 chart(s) linted, 1 chart(s) failed');
  });

  it('honours the abort signal during its delay', async () => {
    const slow = new SandboxChartTool({ timeScale: 1 });
    const ctx = recordingContext();
    const p = slow.validate(record, ctx);
    ctx.controller.abort();
    expect(await rejectionOf(p)).toMatchObject({ code: 'cancelled' });
  });

  it('fails the first attempt of a "transient" chart retryably', async () => {
    const name = 'transient-chart';
    expect(await rejectionOf(tool.validate({ ...record, name }, recordingContext()))).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect((await tool.validate({ ...record, name }, recordingContext({ attempt: 2 }))).valid).toBe(true);
  });
});

describe('SandboxChartTool.install', () => {
  it('prints what helm upgrade --install would', async () => {
    const ctx = recordingContext();
    await tool.install(target, record, release, ctx);
    expect(ctx.lines).toEqual([
      'sandbox: helm upgrade --install todo todo-app-1.0.0 --namespace default --wait',
      'Release "todo" has been upgraded. Happy Helming!',
      'NAME: todo',
      'LAST DEPLOYED: Sat, 07 Feb 2026 10:00:00 GMT',
      'NAMESPACE: default',
      'STATUS: deployed',
      'sandbox: image=todo/api:v1 replicas=2 containerPort=8000',
    ]);
  });

  it('refuses what the helm adapter refuses, and invalid charts', async () => {
    expect(
      await rejectionOf(
        tool.install(
          target,
          record,
          { ...release, values: { ...release.values, image: 'a,b' } },
          recordingContext(),
        ),
      ),
    ).toMatchObject({ code: 'invalid_values', retryable: false });
    expect(
      await rejectionOf(tool.install(target, { ...record, name: 'invalid-x' }, release, recordingContext())),
    ).toMatchObject({ code: 'install_failed', retryable: false });
  });
});

describe('SandboxChartTool.dryRunInstall', () => {
  it('answers as a simulation with the objects the templates declare', async () => {
    const r = await tool.dryRunInstall(target, record, release, recordingContext());
    expect(r).toMatchObject({ accepted: true, serverSide: false });
    expect(r.resources.map((o) => [o.apiVersion, o.kind, o.name, o.namespace])).toEqual([
      ['apps/v1', 'Deployment', 'todo', 'default'],
      ['v1', 'Service', 'todo', 'default'],
    ]);
    expect(r.detail).toMatch(/no API server/);
  });

  it('refuses what install refuses, without installing', async () => {
    const ctx = recordingContext();
    const badValues = await tool.dryRunInstall(
      target,
      record,
      { ...release, values: { ...release.values, replicas: -1 } },
      ctx,
    );
    expect(badValues).toMatchObject({ accepted: false, serverSide: false, resources: [] });
    expect(badValues.detail).toMatch(/replicas must be a non-negative integer/);
    const badChart = await tool.dryRunInstall(target, { ...record, name: 'invalid-chart' }, release, ctx);
    expect(badChart).toMatchObject({ accepted: false, detail: expect.stringMatching(/nil pointer/) });
    const badArchive = await tool.dryRunInstall(
      target,
      { ...record, content: Buffer.from('not gzip') },
      release,
      ctx,
    );
    expect(badArchive.accepted).toBe(false);
    expect(ctx.lines.some((l) => l.startsWith('Release "todo"'))).toBe(false);
  });
});
