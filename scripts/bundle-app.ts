// One app's production bundle, as `npm run build` (scripts/build.ts) and the bench (bench/stack/build.ts)
// both make it: one ESM file with the workspace packages inlined, npm dependencies external (they load
// from node_modules; a few inlined, see INLINED_NPM), the migrations copied beside it.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

// npm packages bundled in after all, because loading them from node_modules costs memory: each module
// Node loads as a file leaves a ModuleWrap, its URL and resolution state behind and makes garbage
// while loading (package.json reads; for drizzle-orm a re-parse of the `exports` map of its 180 KB
// package.json per module: ~160 MB of garbage while the API started). Inlining drizzle-orm took the
// API's idle RSS down ~7 MB; the zod / hono / jose / rate-limiter-flexible families (~250 more files)
// another ~7 (5 starts each: 136-145 -> 121-137 MB). Every one is plain JavaScript with no native parts, reads no files beside its
// own code, and no package left external imports it (bull-board's Hono adapter, loaded lazily on
// the queue board's first request, brings its own hono: queue-board.ts keeps the two apart), so
// there is still a single copy of each. Not inlined: what OpenTelemetry instruments by patching
// the module as it loads (ioredis) or must resolve from its own folder (pino's transports,
// @node-rs/argon2's native binding, swagger-ui-dist and the console's files), bullmq (its
// package.json has no `exports` and esbuild would take its CommonJS build), and OpenTelemetry itself.
const INLINED_NPM =
  /^(drizzle-orm|zod|@asteasolutions\/zod-to-openapi|hono|@hono\/zod-openapi|@hono\/zod-validator|@hono\/node-server|jose|rate-limiter-flexible|proxy-addr)(\/|$)/;

// CommonJS packages inlined into the ESM bundle call require() (node builtins, their own external
// dependencies): esbuild's shim forwards to a `require` in scope, made here from the bundle's URL.
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

type App = 'api' | 'worker';

// External npm packages an app imports from one of their files instead of their index, which loads
// all of the package. The API only adds jobs: bullmq's index (CommonJS; it has no `exports` map)
// also loads its workers, flows, sandboxes and PostgreSQL backend: 171 files loaded instead of 89,
// ~6 MB more idle RSS (5 alternating starts each: 126-137 -> 124-129 MB).
// checkNarrowed() fails the build if the app imports a name that file does not export.
const NARROWED: Record<App, Record<string, string>> = {
  api: { bullmq: 'bullmq/dist/cjs/classes/queue.js' },
  worker: {},
};

const externalNpm = (app: App): Plugin => ({
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@slipway/') || INLINED_NPM.test(args.path)) return undefined;
      return { path: NARROWED[app][args.path] ?? args.path, external: true };
    });
  },
});

/** Every name the bundle imports from a narrowed file must be one that file exports. */
function checkNarrowed(root: string, app: App, bundle: string): void {
  const code = readFileSync(bundle, 'utf8');
  const load = createRequire(join(root, 'package.json'));
  for (const file of Object.values(NARROWED[app])) {
    const exported = load(file) as Record<string, unknown>;
    const from = `from ${JSON.stringify(file)}`;
    for (const m of code.matchAll(/^import (.*) from "([^"]+)";$/gm)) {
      if (`from "${m[2]}"` !== from) continue;
      const names = /^\{(.*)\}$/.exec(m[1]?.trim() ?? '')?.[1];
      if (names === undefined)
        throw new Error(`${app} bundle: \`import ${m[1]} ${from}\`: only named imports`);
      for (const n of names.split(',').map((x) => x.trim().split(/\s+as\s+/)[0] ?? '')) {
        if (n && !(n in exported))
          throw new Error(`${app} bundle: ${file} does not export ${n} (see NARROWED)`);
      }
    }
  }
}

/** Bundles apps/<app>/src/main.ts of `root` into `<dist>/main.js` (dist emptied first); returns that path. */
export async function bundleApp(root: string, app: App, dist: string): Promise<string> {
  rmSync(dist, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, 'apps', app, 'src', 'main.ts')],
    outfile: join(dist, 'main.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: true,
    plugins: [externalNpm(app)],
    conditions: ['import', 'node'],
    banner: { js: REQUIRE_SHIM },
    logLevel: 'warning',
  });
  checkNarrowed(root, app, join(dist, 'main.js'));
  cpSync(join(root, 'packages', 'db', 'migrations'), join(dist, 'migrations'), { recursive: true });
  return join(dist, 'main.js');
}
