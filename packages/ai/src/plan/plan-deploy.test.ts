import { describe, expect, it } from 'vitest';
import { DEPLOY_DEFAULTS, planDeploy, toReleaseName } from './plan-deploy.ts';

const running = { name: 'local-dev', status: 'running' };

describe('planDeploy', () => {
  it('uses documented defaults: chart-name image at appVersion, 1 replica, port 8080, namespace default', () => {
    const plan = planDeploy({
      chart: { name: 'todo-app', version: '1.0.0', appVersion: '2.1.0' },
      cluster: running,
    });
    expect(plan.ok).toBe(true);
    expect(plan.release).toEqual({
      name: 'todo-app',
      namespace: 'default',
      values: { image: 'todo-app:2.1.0', replicas: 1, containerPort: 8080 },
    });
    expect(plan.imageSource).toBe('chart-default');
    expect(plan.warnings[0]).toContain('No built image matches chart todo-app; using todo-app:2.1.0');
    expect(DEPLOY_DEFAULTS).toEqual({ namespace: 'default', replicas: 1, containerPort: 8080 });
  });

  it('falls back to the chart version without appVersion', () => {
    const plan = planDeploy({
      chart: { name: 'todo-app', version: '1.0.0', appVersion: null },
      cluster: running,
    });
    expect(plan.release.values.image).toBe('todo-app:1.0.0');
  });

  it('prefers a built image named like the chart, with the wanted tag', () => {
    const plan = planDeploy({
      chart: { name: 'todo-app', version: '1.0.0' },
      cluster: running,
      images: [
        { name: 'todo-app', tag: 'latest', repository: 'docker.io/acme', status: 'built' },
        { name: 'todo-app', tag: '1.0.0', repository: 'docker.io/acme', status: 'built' },
        { name: 'todo-app', tag: '1.0.0', repository: 'docker.io/other', status: 'building' },
      ],
    });
    expect(plan.release.values.image).toBe('docker.io/acme/todo-app:1.0.0');
    expect(plan.imageSource).toBe('built-image');
    expect(plan.warnings).toEqual([
      'Image docker.io/other/todo-app:1.0.0 is building, not built; not using it',
    ]);
  });

  it('matches by repository segment, but not when several images could be meant', () => {
    const one = planDeploy({
      chart: { name: 'todo-app', version: '1.0.0' },
      cluster: running,
      images: [{ name: 'todo-backend', tag: 'latest', repository: 'docker.io/todo-app', status: 'built' }],
    });
    expect(one.release.values.image).toBe('docker.io/todo-app/todo-backend:latest');
    const two = planDeploy({
      chart: { name: 'todo-app', version: '1.0.0' },
      cluster: running,
      images: [
        { name: 'todo-backend', tag: 'latest', repository: 'docker.io/todo-app' },
        { name: 'todo-frontend', tag: 'latest', repository: 'docker.io/todo-app' },
      ],
    });
    expect(two.release.values.image).toBe('todo-app:1.0.0');
    expect(two.warnings[0]).toContain(
      'Several built images could belong to chart todo-app (todo-backend, todo-frontend)',
    );
  });

  it('refuses when the cluster is not running, still showing the plan', () => {
    const plan = planDeploy({
      chart: { name: 'todo-app', version: '1.0.0' },
      cluster: { name: 'local-dev', status: 'stopped' },
    });
    expect(plan.ok).toBe(false);
    expect(plan.reason).toBe('Cluster local-dev is stopped, not running; start it before deploying');
    expect(plan.release.name).toBe('todo-app');
  });

  it('refuses an invalid chart and out-of-range overrides', () => {
    expect(
      planDeploy({ chart: { name: 'x', version: '1', status: 'invalid' }, cluster: running }).reason,
    ).toBe('Helm chart x 1 failed validation');
    expect(planDeploy({ chart: { name: 'x', version: '1' }, cluster: running, replicas: 101 }).ok).toBe(
      false,
    );
    expect(planDeploy({ chart: { name: 'x', version: '1' }, cluster: running, containerPort: 0 }).ok).toBe(
      false,
    );
    expect(
      planDeploy({ chart: { name: 'x', version: '1' }, cluster: running, namespace: 'apps', replicas: 3 })
        .release,
    ).toMatchObject({
      namespace: 'apps',
      values: { replicas: 3 },
    });
  });
});

describe('planDeploy for a deployment core already recorded', () => {
  it('keeps the recorded release name and skips images whose fields form no valid reference', () => {
    const plan = planDeploy({
      chart: { name: 'todo-app', version: '1.0.0' },
      cluster: running,
      releaseName: 'todo-app-recorded',
      images: [
        { name: 'todo-app', tag: '1.0.0', repository: 'docker.io/Acme', status: 'built' },
        { name: 'todo-app', tag: '1.0.0', repository: 'docker.io/acme/', status: 'built' },
        { name: 'todo-app', tag: 'latest', repository: 'ghcr.io/acme', status: 'built' },
      ],
    });
    expect(plan.release.name).toBe('todo-app-recorded');
    // The valid one is used even though the invalid ones carry the wanted tag.
    expect(plan.release.values.image).toBe('ghcr.io/acme/todo-app:latest');
    expect(plan.warnings).toEqual([
      'Image docker.io/Acme/todo-app:1.0.0 is not a valid image reference; not using it',
      'Image docker.io/acme//todo-app:1.0.0 is not a valid image reference; not using it',
    ]);
  });

  it('refuses when the chart default is no valid reference and no built image matches', () => {
    const plan = planDeploy({ chart: { name: 'todo-app', version: '1.0.0+build.5' }, cluster: running });
    expect(plan.ok).toBe(false);
    expect(plan.reason).toMatch(
      /^No built image matches chart todo-app, and its default todo-app:1\.0\.0\+build\.5 is not a valid image reference \(tag "1\.0\.0\+build\.5"/,
    );
  });

  it('composes references the same way the worker does (no repository: the name alone)', () => {
    const plan = planDeploy({
      chart: { name: 'api', version: '2' },
      cluster: running,
      images: [{ name: 'api', tag: '2', repository: null, status: 'built' }],
    });
    expect(plan.release.values.image).toBe('api:2');
  });
});

describe('toReleaseName', () => {
  it('makes a DNS-1123 name of at most 53 chars', () => {
    expect(toReleaseName('Todo_App v2!')).toBe('todo-app-v2');
    expect(toReleaseName('--My.Chart--')).toBe('my-chart');
    expect(toReleaseName('___')).toBe('release');
    const long = toReleaseName(`${'a'.repeat(52)}-b-c`);
    expect(long).toBe('a'.repeat(52));
    expect(toReleaseName('x'.repeat(80))).toHaveLength(53);
  });
});
