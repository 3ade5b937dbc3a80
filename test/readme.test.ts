// The README's first session, both ways (CLI and curl), run as written with bash against a real stack:
// only the two variables it tells the reader to set (API, PASSWORD) get this stack's values.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, runProcess, type Stack, startStack } from './e2e/cli-stack.ts';

/** The ```bash blocks of the README section `## A first session`. */
export function firstSessionBlocks(readme: string): string[] {
  const start = readme.indexOf('## A first session');
  const rest = readme.slice(start + 3);
  const section = rest.slice(0, rest.search(/^## /m) === -1 ? undefined : rest.search(/^## /m));
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

let stack: Stack;
let home = '';
let token = '';
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const [vars = '', cliSession = '', curlSession = ''] = firstSessionBlocks(readme);

beforeAll(async () => {
  stack = await startStack();
  home = mkdtempSync(join(tmpdir(), 'slipway-readme-'));
  const r = await fetch(`${stack.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(stack.admin),
  });
  token = ((await r.json()) as { access_token: string }).access_token;
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(home, { recursive: true, force: true });
});

function session(body: string) {
  const v = vars
    .replace('API=http://localhost:3000', `API=${stack.base}`)
    .replace("PASSWORD='<printed by npm run dev>'", `PASSWORD='${stack.admin.password}'`);
  expect(v).toContain(stack.base); // the README still sets these two lines as this test expects
  expect(v).toContain(stack.admin.password);
  return runProcess('bash', ['-e', '-o', 'pipefail', '-c', `${v}\n${body}`], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '', SLIPWAY_URL: '', SLIPWAY_TOKEN: '' },
    timeoutMs: 240_000,
  });
}

async function find(path: string, name: string): Promise<Record<string, unknown> | undefined> {
  const r = await fetch(`${stack.base}${path}?name=${encodeURIComponent(name)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return ((await r.json()) as { items: Record<string, unknown>[] }).items[0];
}

describe('README: a first session', () => {
  it('has the variables, a CLI session and a curl session, marked bash', () => {
    expect(vars).toMatch(/^API=/m);
    expect(cliSession).toContain('npx slipway');
    expect(curlSession).toContain('curl');
    expect(curlSession).toContain('jq');
  });

  it('the CLI session runs as written', async () => {
    const r = await session(cliSession);
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    expect(await find('/api/minikube-clusters', 'local-dev')).toMatchObject({ status: 'running' });
    expect(await find('/api/deployments', 'todo-backend-deployment')).toMatchObject({
      replicas: 4,
      status: 'running',
    });
    expect(await find('/api/services', 'todo-backend-service')).toBeDefined();
    expect(r.stdout).toContain('"recommendations"'); // piped: JSON
  }, 300_000);

  it('the curl session runs as written', async () => {
    const r = await session(curlSession);
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    expect(r.stdout).not.toMatch(/"error":"/);
    expect(r.stdout).toContain('event: done');
    expect(r.stdout).toMatch(/^running$/m);
    expect(await find('/api/deployments', 'todo-backend-curl')).toMatchObject({
      replicas: 4,
      status: 'running',
    });
    expect(await find('/api/services', 'todo-backend-curl-svc')).toBeDefined();
  }, 300_000);
});
