// `npm run build`: bundles each app (with the workspace packages) into apps/<app>/dist/main.js;
// npm dependencies stay external and load from node_modules. Migrations are copied beside the bundle.
// The web console (apps/console) is built by Vite into apps/console/dist, which the API serves at `/`.
import { join } from 'node:path';
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { bundleApp } from './bundle-app.ts';
import { repoRoot } from './infra.ts';

for (const app of ['api', 'worker'] as const) {
  await bundleApp(repoRoot, app, join(repoRoot, 'apps', app, 'dist'));
  console.log(`built apps/${app}/dist/main.js`);
}

// The CLI as one self-contained file (npm dependencies included): node apps/cli/dist/slipway.js.
await build({
  entryPoints: [join(repoRoot, 'apps', 'cli', 'src', 'main.ts')],
  outfile: join(repoRoot, 'apps', 'cli', 'dist', 'slipway.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Bundled CommonJS dependencies (commander) may call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
console.log('built apps/cli/dist/slipway.js');

await viteBuild({ configFile: join(repoRoot, 'apps', 'console', 'vite.config.ts') });
console.log('built apps/console/dist (served by the API at /)');
