// One app's production bundle, as `npm run build` (scripts/build.ts) and the bench (bench/stack/build.ts)
// both make it: one ESM file with the workspace packages inlined, npm dependencies external (they load
// from node_modules), the migrations copied beside it.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const externalNpm: Plugin = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@slipway/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** Bundles apps/<app>/src/main.ts of `root` into `<dist>/main.js` (dist emptied first); returns that path. */
export async function bundleApp(root: string, app: 'api' | 'worker', dist: string): Promise<string> {
  rmSync(dist, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, 'apps', app, 'src', 'main.ts')],
    outfile: join(dist, 'main.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: true,
    plugins: [externalNpm],
    conditions: ['import', 'node'],
    logLevel: 'warning',
  });
  cpSync(join(root, 'packages', 'db', 'migrations'), join(dist, 'migrations'), { recursive: true });
  return join(dist, 'main.js');
}
