// The real kubectl against the fixture: if kubectl can discover, server-side apply, scale, read Status
// errors, logs and foreground-delete through it, the fixture speaks Kubernetes on the wire.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sFixture, startK8sFixture } from './server.ts';

const kubectl = fileURLToPath(new URL('../../../../.data/tools/bin/kubectl', import.meta.url));

type Run = { code: number; stdout: string; stderr: string };

let fixture: K8sFixture;

function run(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectl,
      ['--kubeconfig', fixture.kubeconfigPath, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await fn();
    if (ok(v) || i > 200) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const manifest = (replicas: number) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27-alpine', ports: [{ containerPort: 80 }] }] },
      },
    },
  });

const service = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80 }] },
});

describe.skipIf(!existsSync(kubectl))('kubectl against the k8s fixture', () => {
  beforeAll(async () => {
    fixture = await startK8sFixture({ tickMs: 5 });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('serves /version and discovery', async () => {
    const version = await run(['version', '-o', 'json']);
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe('v1.31.0');
    const resources = await run(['api-resources', '--no-headers', '-o', 'name']);
    expect(resources.stdout.split('\n')).toEqual(
      expect.arrayContaining(['deployments.apps', 'pods', 'services', 'endpoints']),
    );
  });

  it('server-side applies, rolls out, and answers get -o json', async () => {
    const applied = await run(['apply', '--server-side', '--validate=false', '-f', '-'], manifest(2));
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('deployment.apps/web serverside-applied');
    const svc = await run(['apply', '--server-side', '--validate=false', '-f', '-'], service);
    expect(svc.stdout).toContain('service/web serverside-applied');
    const got = await until(
      () => run(['get', 'deploy', 'web', '-o', 'json']),
      (r) => JSON.parse(r.stdout || '{}').status?.availableReplicas === 2,
    );
    const d = JSON.parse(got.stdout);
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
    });
    const managed = await run(['get', 'deploy', 'web', '-o', 'json', '--show-managed-fields']);
    expect(JSON.parse(managed.stdout).metadata.managedFields[0]).toMatchObject({
      manager: 'kubectl',
      operation: 'Apply',
    });
    const pods = JSON.parse((await run(['get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout);
    expect(pods.items).toHaveLength(2);
    const ep = await until(
      () => run(['get', 'endpoints', 'web', '-o', 'json']),
      (r) => (JSON.parse(r.stdout || '{}').subsets?.[0]?.addresses?.length ?? 0) === 2,
    );
    expect(JSON.parse(ep.stdout).subsets[0].ports[0].port).toBe(80);
    const logs = await run(['logs', `pod/${pods.items[0].metadata.name}`]);
    expect(logs.stdout).toContain('listening on :80');
  });

  it('scales through the scale subresource and reports SSA field conflicts', async () => {
    const scaled = await run(['scale', 'deploy/web', '--replicas=3']);
    expect(scaled.stdout).toContain('deployment.apps/web scaled');
    const conflict = await run(['apply', '--server-side', '--validate=false', '-f', '-'], manifest(2));
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/Apply failed with 1 conflict: conflict with .*\.spec\.replicas/);
    const forced = await run(
      ['apply', '--server-side', '--force-conflicts', '--validate=false', '-f', '-'],
      manifest(2),
    );
    expect(forced.code).toBe(0);
    const d = JSON.parse((await run(['get', 'deploy', 'web', '-o', 'json'])).stdout);
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.generation).toBe(3);
  });

  it('answers --dry-run=server (dryRun=All) with what would be stored, persisting nothing', async () => {
    const before = fixture.requests.length;
    const dry = await run(
      ['apply', '--server-side', '--dry-run=server', '--validate=false', '-o', 'json', '-f', '-'],
      manifest(5).replaceAll('"web"', '"dry"'),
    );
    expect(dry.stderr).toBe('');
    expect(JSON.parse(dry.stdout)).toMatchObject({ metadata: { name: 'dry' }, spec: { replicas: 5 } });
    const sent = fixture.requests.slice(before).filter((r) => r.method === 'PATCH');
    expect(sent.map((r) => r.query.dryRun)).toEqual(['All']);
    expect((await run(['get', 'deploy', 'dry'])).stderr).toContain('NotFound');
    expect(fixture.getObject('deployments', 'default', 'dry')).toBeUndefined();
    // The checks a write makes still run: a conflict on an existing object is refused, and nothing changes.
    const conflict = await run(
      ['apply', '--server-side', '--dry-run=server', '--field-manager=other', '--validate=false', '-f', '-'],
      manifest(4),
    );
    expect(conflict.stderr).toMatch(/conflict with "kubectl"/);
    expect(fixture.getObject('deployments', 'default', 'web')?.spec?.replicas).toBe(2);
    // Like the API server, an unknown directive is refused rather than persisted.
    const invalid = await fetch(`${fixture.url}/api/v1/namespaces/default/services?dryRun=Some`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: service,
    });
    expect(invalid.status).toBe(400);
  });

  it('decodes Status errors', async () => {
    const missing = await run(['get', 'deploy', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Error from server (NotFound): deployments.apps "nope" not found');
    const noNs = await run(
      ['apply', '--server-side', '--validate=false', '-n', 'ghost', '-f', '-'],
      service.replace('"default"', '"ghost"'),
    );
    expect(noNs.stderr).toContain('namespaces "ghost" not found');
  });

  it('deletes with foreground propagation: pods first, then the deployment', async () => {
    const del = await run(['delete', 'deploy', 'web', '--cascade=foreground', '--wait=false']);
    expect(del.stdout).toContain('deployment.apps "web" deleted');
    const pods = await until(
      () => run(['get', 'pods', '-l', 'app=web', '-o', 'json']),
      (r) => JSON.parse(r.stdout || '{"items":[1]}').items.length === 0,
    );
    expect(JSON.parse(pods.stdout).items).toEqual([]);
    const gone = await until(
      () => run(['get', 'deploy', 'web']),
      (r) => r.code !== 0,
    );
    expect(gone.stderr).toContain('NotFound');
  });
});
