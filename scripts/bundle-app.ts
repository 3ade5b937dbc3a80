// One app's production bundle, as `npm run build` (scripts/build.ts) and the bench (bench/stack/build.ts)
// both make it: one ESM file with the workspace packages inlined, npm dependencies external (they load
// from node_modules; a few inlined, see INLINED_NPM), the migrations copied beside it.
import { cpSync, rmSync } from 'node:fs';
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
    banner: { js: REQUIRE_SHIM },
    logLevel: 'warning',
  });
  cpSync(join(root, 'packages', 'db', 'migrations'), join(dist, 'migrations'), { recursive: true });
  return join(dist, 'main.js');
}
