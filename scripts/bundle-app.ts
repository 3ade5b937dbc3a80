// One app's production bundle, as `npm run build` (scripts/build.ts) and the bench (bench/stack/build.ts)
// both make it: one ESM file with the workspace packages inlined, npm dependencies external (they load
// from node_modules; a few inlined, see INLINED_NPM), the migrations copied beside it.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

type App = 'api' | 'worker';

// npm packages bundled in after all, because loading them from node_modules costs memory: each module
// Node loads as a file leaves a ModuleWrap, its URL and resolution state behind and makes garbage
// while loading (package.json reads; for drizzle-orm a re-parse of the `exports` map of its 180 KB
// package.json per module: ~160 MB of garbage while the API started). API idle RSS, 5 starts each:
// drizzle-orm ~7 MB less; the zod / hono / jose / rate-limiter-flexible families (~250 files)
// another ~7 (136-145 -> 121-137 MB); OpenTelemetry's ~330 files (API only) 123-132 -> 112-118.
// Every one is plain JavaScript with no native parts and reads no files beside its own code. Two
// copies of one package are avoided or harmless: no external package imports the inlined ones,
// except bull-board's Hono adapter (loaded lazily on the queue board's first request, with its own
// hono: queue-board.ts keeps the two apart) and bullmq-otel's @opentelemetry/api (whose copies share
// one global registration by design: its spans keep their request parents). Not inlined: what
// OpenTelemetry instruments by patching the module as it loads (ioredis) and its hooks
// (require-in-the-middle, import-in-the-middle), what must resolve from its own folder (pino's
// transports, @node-rs/argon2's native binding, swagger-ui-dist, the console's files), bullmq.
// The worker keeps its OpenTelemetry in node_modules (not re-checked for it).
const SHARED_INLINED =
  'drizzle-orm|zod|@asteasolutions/zod-to-openapi|hono|@hono/zod-openapi|@hono/zod-validator|@hono/node-server|jose|rate-limiter-flexible|proxy-addr';
const INLINED_NPM: Record<App, RegExp> = {
  api: new RegExp(`^(${SHARED_INLINED}|@opentelemetry/[^/]+)(/|$)`),
  worker: new RegExp(`^(${SHARED_INLINED})(/|$)`),
};

// CommonJS packages inlined into the ESM bundle call require() (node builtins, their own external
// dependencies): esbuild's shim forwards to a `require` in scope, made here from the bundle's URL.
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

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
    // Not `#...`: a package's own subpath imports, resolved inside it (OpenTelemetry has `#platform`).
    b.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (args.path.startsWith('@slipway/') || INLINED_NPM[app].test(args.path)) return undefined;
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
    // ESM builds first for inlined packages without an `exports` map (OpenTelemetry's): they tree-shake.
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  checkNarrowed(root, app, join(dist, 'main.js'));
  cpSync(join(root, 'packages', 'db', 'migrations'), join(dist, 'migrations'), { recursive: true });
  return join(dist, 'main.js');
}
