import { describe, expect, it } from 'vitest';
import {
  helmDryRunArgs,
  helmDuration,
  helmInstallArgs,
  helmLintArgs,
  helmTemplateArgs,
  parseHelmDryRun,
  parseHelmErrors,
  parseHelmLintOutput,
} from './helm-args.ts';
import { installError } from './helm-chart-tool.ts';

const input = {
  release: 'todo',
  chartDir: '/tmp/x/todo-app',
  namespace: 'apps',
  kubeContext: 'minikube',
  values: { image: 'docker.io/todo-app/todo-backend:latest', replicas: 2, containerPort: 8000 },
  timeoutMs: 300_000,
};

describe('helm argument builders', () => {
  it('lint is strict and template renders under a release name', () => {
    expect(helmLintArgs('/c')).toEqual(['lint', '--strict', '/c']);
    expect(helmTemplateArgs('r', '/c')).toEqual(['template', 'r', '/c']);
  });

  it('upgrade --install waits, creates the namespace and sets the three values', () => {
    expect(helmInstallArgs(input)).toEqual([
      'upgrade',
      '--install',
      'todo',
      '/tmp/x/todo-app',
      '--namespace',
      'apps',
      '--create-namespace',
      '--wait',
      '--timeout',
      '300s',
      '--kube-context',
      'minikube',
      '--set',
      'image=docker.io/todo-app/todo-backend:latest',
      '--set',
      'replicas=2',
      '--set',
      'containerPort=8000',
    ]);
    expect(helmInstallArgs({ ...input, kubeconfigPath: '/k/config' })).toEqual(
      expect.arrayContaining(['--kubeconfig', '/k/config']),
    );
  });

  it('sets the deployment id as a string value when given', () => {
    expect(helmInstallArgs({ ...input, deploymentId: '123' }).slice(-2)).toEqual([
      '--set-string',
      'deploymentId=123',
    ]);
    expect(() => helmInstallArgs({ ...input, deploymentId: 'a,b=c' })).toThrow(/deployment id/);
  });

  it('refuses values --set would split or misread', () => {
    for (const bad of [
      { values: { ...input.values, image: 'a,replicas=99' } },
      { values: { ...input.values, image: 'a\\b' } },
      { values: { ...input.values, replicas: 1.5 } },
      { values: { ...input.values, containerPort: 70000 } },
      { release: 'Bad_Name' },
      { release: 'a'.repeat(54) },
      { namespace: '--all' },
      { kubeContext: '--kubeconfig=/etc/x' },
    ]) {
      expect(() => helmInstallArgs({ ...input, ...bad }), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'invalid_values', retryable: false }),
      );
    }
  });

  it('formats durations in whole seconds, never 0', () => {
    expect(helmDuration(300_000)).toBe('300s');
    expect(helmDuration(1)).toBe('1s');
    expect(helmDuration(1500)).toBe('2s');
  });
});

describe('helm output parsers', () => {
  it('parses lint findings with their paths', () => {
    const out = `==> Linting /tmp/c
[ERROR] Chart.yaml: version should be of type string but it's of type float64
[INFO] Chart.yaml: icon is recommended
[WARNING] Chart.yaml: version '1' is not a valid SemVerV2
[ERROR] templates/: template: c/templates/a.yaml:1:15: executing "c/templates/a.yaml" at <required>: x needed
[WARNING] something without a path

Error: 1 chart(s) linted, 1 chart(s) failed`;
    expect(parseHelmLintOutput(out)).toEqual([
      {
        severity: 'error',
        path: 'Chart.yaml',
        message: "version should be of type string but it's of type float64",
      },
      { severity: 'info', path: 'Chart.yaml', message: 'icon is recommended' },
      { severity: 'warning', path: 'Chart.yaml', message: "version '1' is not a valid SemVerV2" },
      {
        severity: 'error',
        path: 'templates/',
        message: 'template: c/templates/a.yaml:1:15: executing "c/templates/a.yaml" at <required>: x needed',
      },
      { severity: 'warning', message: 'something without a path' },
    ]);
  });

  it('parses Error lines, locating template errors inside the chart', () => {
    const stderr = `level=WARN msg="missing required value" message="x needed"
Error: execution error at (c/templates/a.yaml:1:15): x needed

Use --debug flag to render out invalid YAML`;
    expect(parseHelmErrors(stderr, 'c')).toEqual([
      {
        severity: 'error',
        message: 'execution error at (c/templates/a.yaml:1:15): x needed',
        path: 'templates/a.yaml',
      },
    ]);
    expect(parseHelmErrors('Error: kubernetes cluster unreachable')).toEqual([
      { severity: 'error', message: 'kubernetes cluster unreachable' },
    ]);
  });

  it('classifies install failures', () => {
    expect(installError('r', 'kubernetes cluster unreachable: context "nope" does not exist')).toMatchObject({
      code: 'install_failed',
      retryable: false,
    });
    expect(
      installError(
        'r',
        'kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp: connect: connection refused',
      ),
    ).toMatchObject({ code: 'cluster_unreachable', retryable: true });
    expect(installError('r', 'UPGRADE FAILED: context deadline exceeded')).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(
      installError('r', 'UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress'),
    ).toMatchObject({
      code: 'install_failed',
      retryable: true,
    });
  });
});

describe('helm server dry run', () => {
  it("is the install's arguments without --wait, server-side, printing the release as JSON", () => {
    const args = helmDryRunArgs(input);
    expect(args).not.toContain('--wait');
    expect(args.slice(0, -4)).toEqual(helmInstallArgs(input).filter((a) => a !== '--wait'));
    expect(args.slice(-4)).toEqual(['--dry-run=server', '--disable-openapi-validation', '--output', 'json']);
    expect(() => helmDryRunArgs({ ...input, release: 'Bad_Name' })).toThrow(/DNS-1123/);
  });

  it('reads the action and the rendered objects from the release JSON', () => {
    const manifest = [
      '---',
      '# Source: todo-app/templates/service.yaml',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: todo',
      '---',
      '# Source: todo-app/templates/deployment.yaml',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: todo',
      '  namespace: other',
      '',
    ].join('\n');
    const parsed = parseHelmDryRun(
      JSON.stringify({
        name: 'todo',
        version: 3,
        info: { status: 'pending-upgrade' },
        manifest,
        hooks: [{}],
      }),
    );
    expect(parsed).toMatchObject({ action: 'upgrade', revision: 3, hooks: 1 });
    expect(parsed.objects.map(({ body: _, ...o }) => o)).toEqual([
      { apiVersion: 'v1', kind: 'Service', name: 'todo' },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'todo', namespace: 'other' },
    ]);
    expect(parseHelmDryRun(JSON.stringify({ info: { status: 'pending-install' } }))).toMatchObject({
      action: 'install',
      objects: [],
    });
    expect(() => parseHelmDryRun('Error: not json')).toThrow(/no release JSON/);
  });
});
