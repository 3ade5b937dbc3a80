// The Kubernetes and Docker client libraries are loaded on first use, not at import: together they
// add ~110 MB to a process's resident memory (bench/README.md, worker RSS), and a worker on the
// sandbox drivers never needs them. A child process records every module it resolves.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    for (const p of ['@kubernetes/client-node', 'dockerode']) if (r.url.includes('/node_modules/' + p + '/')) seen.add(p);
    return r;
  },
});
const d = await import('./src/index.ts');
const sandbox = await d.createDrivers({ mode: 'sandbox', buildContextRoot: process.cwd() });
await sandbox.drivers.images.build({ name: 'a', tag: 'v1', repository: 'r', source: { path: '.' } }, {
  operationId: 'x', attempt: 1, signal: new AbortController().signal, log() {}, progress() {},
}).catch(() => {});
const atStart = [...seen];
new d.KubernetesWorkloads({ kubeconfigYaml: 'apiVersion: v1\\nkind: Config\\nclusters: []\\ncontexts: []\\nusers: []\\n' });
new d.DockerImageBuilder({ buildContextRoot: process.cwd() });
console.log(JSON.stringify({ atStart, afterUse: [...seen].sort() }));
`;

describe('driver client libraries', () => {
  it('are not loaded by importing the drivers or running the sandbox; they are when a real adapter is made', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/Error/);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
      atStart: string[];
      afterUse: string[];
    };
    expect(out.atStart).toEqual([]);
    expect(out.afterUse).toEqual(['@kubernetes/client-node', 'dockerode']);
  });
});
