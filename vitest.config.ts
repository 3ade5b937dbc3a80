import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    include: [
      'apps/*/src/**/*.test.ts',
      'apps/console/src/**/*.test.tsx',
      'packages/*/src/**/*.test.ts',
      'test/**/*.test.ts',
      'deploy/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
