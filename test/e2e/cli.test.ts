// The `slipway` CLI end to end: real API and worker processes (sandbox driver), the CLI spawned as a
// user runs it, its stdout parsed (JSON when piped), its exit codes checked.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { root, runProcess, type Stack, startStack } from './cli-stack.ts';

let stack: Stack;
let home = '';
const cli = join(root, 'apps', 'cli', 'src', 'main.ts');

/** `slipway ARGS` with its own HOME (config file) and SLIPWAY_URL. */
function slipway(args: string[], o: { input?: string; env?: Record<string, string> } = {}) {
  return runProcess(process.execPath, [cli, ...args], {
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: '',
      SLIPWAY_URL: stack.base,
      SLIPWAY_TOKEN: '',
      ...o.env,
    },
    input: o.input,
  });
}
async function json(args: string[], o?: { input?: string; env?: Record<string, string> }) {
  const r = await slipway(args, o);
  if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  stack = await startStack();
  home = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
}, 90_000);
afterAll(async () => {
  if (!stack) return;
  // Graceful shutdown with an event stream open: the stream ends cleanly and every process exits 0.
  const login = await fetch(`${stack.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(stack.admin),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const res = await fetch(`${stack.base}/api/events`, {
    headers: { Authorization: `Bearer ${access_token}` },
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const drained = (async () => {
    let bytes = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    return bytes;
  })();
  const codes = await stack.stop();
  expect(await drained).toBeGreaterThan(0); // ended, after at least its first bytes
  rmSync(home, { recursive: true, force: true });
  expect(codes).toEqual([0, 0]);
}, 30_000);

describe('slipway CLI against a real stack', () => {
  let cluster = '';
  let deployment = '';

  it('login stores URL and tokens (mode 0600); whoami; a wrong password exits 3', async () => {
    const bad = await slipway(['login', '--email', stack.admin.email, '--password-stdin'], {
      input: 'nope\n',
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('Invalid email or password');
    const r = await slipway(['login', '--email', stack.admin.email, '--password-stdin'], {
      input: `${stack.admin.password}\n`,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ url: stack.base, user: { email: stack.admin.email } });
    const file = join(home, '.config', 'slipway', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await json(['whoami'])).toMatchObject({ email: stack.admin.email, role: 'admin' });
    const yaml = await slipway(['whoami', '-o', 'yaml']);
    expect(parseYaml(yaml.stdout)).toMatchObject({ email: stack.admin.email });
    const badToken = await slipway(['whoami'], { env: { SLIPWAY_TOKEN: 'not-a-token' } });
    expect(badToken.code).toBe(3);
  });

  it('admins create and list users', async () => {
    const made = await slipway(
      ['users', 'create', '--email', 'dev@cli.test', '--role', 'viewer', '-o', 'json'],
      {
        input: 'long-enough-password\n',
      },
    );
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({
      email: 'dev@cli.test',
      role: 'viewer',
      tier: 'standard',
    });
    const page = await json(['users', 'list', '--role', 'viewer']);
    expect((page.items as { email: string }[]).map((u) => u.email)).toEqual(['dev@cli.test']);
    const all = await json(['users', 'list']);
    expect((all.items as { email: string }[]).map((u) => u.email)).toEqual([
      stack.admin.email,
      'dev@cli.test',
    ]);
  });

  it('creates a cluster and waits for it to run, with progress on stderr', async () => {
    const c = await json([
      'clusters',
      'create',
      '--name',
      'local-dev',
      '--cpus',
      '4',
      '--memory',
      '8192',
      '--disk-size',
      '30720',
      '--kubernetes-version',
      'v1.28.0',
    ]);
    cluster = String(c.id);
    const start = await slipway(['clusters', 'start', cluster]);
    expect(start.code).toBe(0);
    expect(JSON.parse(start.stdout)).toMatchObject({ id: cluster, status: 'running' });
    // Not a terminal: one line per event, ending with the outcome.
    expect(start.stderr).toContain('clusters start queued: cluster.start accepted');
    expect(start.stderr).toMatch(/✔ clusters start succeeded/);
    // Starting a running cluster is a conflict: exit 5 with the contract's message.
    const again = await slipway(['clusters', 'start', cluster]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/error: .+\(HTTP 409\)/);
  });

  it('deploys, scales and lists; JSON output parses; --no-wait returns the queued answer', async () => {
    const d = await json([
      'deployments',
      'create',
      '--name',
      'todo-backend-deployment',
      '--replicas',
      '2',
      '--image',
      'docker.io/todo-app/todo-backend:latest',
      '--container-port',
      '8000',
      '--minikube-cluster-id',
      cluster,
    ]);
    deployment = String(d.id);
    expect(d).toMatchObject({ status: 'running', replicas: 2 });
    const scaled = await json(['deployments', 'scale', deployment, '--replicas', '4']);
    expect(scaled).toMatchObject({ id: deployment, replicas: 4, status: 'running' });
    const list = await json(['deployments', 'list', '--name', 'todo-backend-deployment']);
    expect(list).toMatchObject({ total: 1, items: [{ id: deployment }] });
    const nowait = await json(['deployments', 'scale', deployment, '--replicas', '3', '--no-wait']);
    expect(nowait).toMatchObject({ desired_replicas: 3, operation_id: expect.any(String) });
    const watched = await slipway(['operations', 'watch', String(nowait.operation_id)]);
    expect(watched.code).toBe(0);
    const lines = watched.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string });
    expect(lines.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
    const table = await slipway(['deployments', 'get', deployment, '-o', 'table']);
    expect(table.stdout).toMatch(/^name\s+todo-backend-deployment$/m);
  });

  it('a crashing deployment exits 1; ai debug prints the analysis, evidence and recommendations', async () => {
    const r = await slipway([
      'deployments',
      'create',
      '--name',
      'crashy',
      '--image',
      'docker.io/acme/crash-loop:1',
      '--replicas',
      '1',
      '--container-port',
      '8000',
      '--minikube-cluster-id',
      cluster,
    ]);
    if (!r.stdout) throw new Error(`no output: ${r.code} ${r.stderr}`);
    const created = JSON.parse(r.stdout) as { id: string; status: string };
    expect(r.code).toBe(1);
    expect(created.status).toBe('failed');
    const dbg = await slipway([
      'ai',
      'debug',
      '--deployment-id',
      created.id,
      '--issue',
      'pod not ready',
      '-o',
      'table',
    ]);
    expect(dbg.code).toBe(0);
    expect(dbg.stdout).toMatch(/^Analysis$/m);
    expect(dbg.stdout).toMatch(/^Recommendations$/m);
    expect(dbg.stdout).toMatch(/^ {2}1\. /m);
    const asJson = await json(['ai', 'debug', '--deployment-id', created.id]);
    expect(asJson).toMatchObject({ status: 'completed', recommendations: expect.any(Array) });
  });

  it('images: create waits for the build, logs print it; charts: upload a .tgz and wait for validation', async () => {
    const img = await json([
      'images',
      'create',
      '--name',
      'todo-backend',
      '--tag',
      'v1',
      '--repository',
      'docker.io/todo-app',
    ]);
    expect(img).toMatchObject({ name: 'todo-backend', tag: 'v1', status: 'built' });
    const logs = await slipway(['images', 'logs', String(img.id), '-o', 'table']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('image.build accepted');
    const follow = await slipway(['images', 'logs', String(img.id), '--follow']);
    expect(follow.code).toBe(0); // the build has ended: prints the log and returns
    expect(follow.stdout.split('\n').length).toBeGreaterThan(2);

    const chart = await json([
      'charts',
      'create',
      '--name',
      'todo-app',
      '--version',
      '1.0.0',
      '--app-version',
      '1.0.0',
    ]);
    const dir = join(home, 'chart-src');
    mkdirSync(join(dir, 'todo-app', 'templates'), { recursive: true });
    writeFileSync(
      join(dir, 'todo-app', 'Chart.yaml'),
      'apiVersion: v2\nname: todo-app\nversion: 1.0.0\nappVersion: "1.0.0"\n',
    );
    writeFileSync(
      join(dir, 'todo-app', 'values.yaml'),
      'replicaCount: 1\nimage:\n  repository: docker.io/todo-app/api\n',
    );
    writeFileSync(
      join(dir, 'todo-app', 'templates', 'deployment.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n',
    );
    const tgz = join(home, 'todo-app-1.0.0.tgz');
    expect((await runProcess('tar', ['-czf', tgz, '-C', dir, 'todo-app'])).code).toBe(0);
    const up = await slipway(['charts', 'upload', String(chart.id), tgz]);
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ id: chart.id, status: 'valid', has_content: true });
    expect((await slipway(['charts', 'upload', String(chart.id), join(home, 'missing.tgz')])).code).toBe(2);
  });

  it('operations: list, get with events, cancel of a finished one is a conflict (5)', async () => {
    const list = await json(['operations', 'list', '--resource-id', deployment]);
    const items = list.items as { id: string; kind: string; status: string }[];
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(items.every((o) => o.status === 'succeeded')).toBe(true);
    const one = await json(['operations', 'get', String(items[0]?.id)]);
    expect((one.events as unknown[]).length).toBeGreaterThan(1);
    const cancel = await slipway(['operations', 'cancel', String(items[0]?.id)]);
    expect(cancel.code).toBe(5);
    expect(cancel.stderr).toContain('already succeeded');
  });

  it('exit codes: 2 usage, 4 not found, help is 0', async () => {
    expect((await slipway(['deployments', 'create', '--image', 'x'])).code).toBe(2);
    expect((await slipway(['deployments', 'scale', deployment, '--replicas', 'many'])).code).toBe(2);
    expect((await slipway(['nonsense'])).code).toBe(2);
    const missing = await slipway(['deployments', 'get', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('Resource not found');
    const invalid = await slipway(['deployments', 'scale', deployment, '--replicas', '-1']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/replicas/);
    const help = await slipway(['deployments', 'scale', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--replicas <n>');
  });

  it('runs through the npm bin (`npx slipway`) and logout forgets the tokens', async () => {
    const r = await runProcess('npx', ['--no-install', 'slipway', 'whoami'], {
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '', SLIPWAY_URL: stack.base, SLIPWAY_TOKEN: '' },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ email: stack.admin.email });
    expect((await slipway(['logout'])).code).toBe(0);
    expect((await slipway(['whoami'])).code).toBe(3);
  });
});
