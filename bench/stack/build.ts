// The production bundles the bench runs: the same esbuild settings as `npm run build`
// (scripts/bundle-app.ts: one ESM file per app with the workspace packages and the npm packages its
// INLINED_NPM lists inlined, the other npm dependencies external, migrations beside it), written to a private directory so a bench run never deletes
// apps/*/dist under someone else's running process. BENCH_BUILD=npm runs `npm run build` instead
// (typecheck + every bundle) and uses apps/<app>/dist/main.js.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleApp } from '../../scripts/bundle-app.ts';

const root = join(import.meta.dirname, '../..');

export type Bundles = {
  api: string;
  worker: string;
  how: string;
  /** The node flags `npm run start:api` / `start:worker` give, for NODE_OPTIONS: the bench runs what they run. */
  nodeOptions: { api: string; worker: string };
};

/** The `--flags` between `node` and the script in a package.json start script. */
export function startFlags(script: 'start:api' | 'start:worker'): string {
  // BENCH_NODE_OPTIONS replaces them (A/B of a flag: BENCH_NODE_OPTIONS= runs without any).
  if (process.env.BENCH_NODE_OPTIONS !== undefined) return process.env.BENCH_NODE_OPTIONS;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts[script] ?? '').trim().split(/\s+/);
  const node = words.indexOf('node');
  const flags: string[] = [];
  for (const w of words.slice(node + 1)) {
    if (!w.startsWith('--')) break;
    flags.push(w);
  }
  return flags.join(' ');
}

export async function buildBundles(outRoot: string, mode: string | undefined): Promise<Bundles> {
  if (mode === 'npm') {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    return {
      nodeOptions: { api: startFlags('start:api'), worker: startFlags('start:worker') },
      api: join(root, 'apps/api/dist/main.js'),
      worker: join(root, 'apps/worker/dist/main.js'),
      how: 'npm run build (apps/*/dist/main.js)',
    };
  }
  const out: Record<string, string> = {};
  for (const app of ['api', 'worker'] as const) {
    // Inside the repository, so the bundles' npm imports resolve from its node_modules.
    out[app] = await bundleApp(root, app, join(outRoot, app));
  }
  return {
    nodeOptions: { api: startFlags('start:api'), worker: startFlags('start:worker') },
    api: out.api as string,
    worker: out.worker as string,
    how: 'esbuild with the settings of scripts/build.ts (npm run build), into .data/bench/build',
  };
}
