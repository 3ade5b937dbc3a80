import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is static files the API serves at `/` (apps/api/src/routes/console/static.ts):
// index.html plus hashed assets under /assets, no inline script (the pages run under a strict CSP).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  resolve: {
    // The contract's schema modules are browser-safe; the package's Node-only entry is not needed.
    conditions: ['browser', 'import'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      // TanStack Query marks its hooks "use client" (for React Server Components); meaningless here.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
