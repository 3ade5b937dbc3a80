// One app's production bundle, as `npm run build` (scripts/build.ts) and the bench (bench/stack/build.ts)
// both make it: one ESM file with the workspace packages inlined, npm dependencies external (they load
// from node_modules; drizzle-orm excepted, see INLINED_NPM), the migrations copied beside it.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

// npm packages bundled in after all. drizzle-orm: loaded from node_modules, every one of its modules
// Node loaded made it re-parse the `exports` map of its 180 KB package.json (package_json_reader):
// ~160 MB of garbage while the API started, and several MB of its idle RSS. It is plain ESM with no
// native parts, and only our code imports it, so there is a single copy either way.
const INLINED_NPM = /^drizzle-orm(\/|$)/;

const externalNpm: Plugin = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@slipway/') || INLINED_NPM.test(args.path)
        ? undefined
        : { path: args.path, external: true },
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
