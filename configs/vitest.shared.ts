import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Test settings shared by every package: sources are tested directly, not the built output. */
export default defineConfig({
  resolve: {
    alias: {
      '@hamux-ts/core': here('../packages/core/src/index.ts'),
      '@hamux-ts/dynamics': here('../packages/dynamics/src/index.ts'),
      '@hamux-ts/config': here('../packages/config/src/index.ts'),
      // The Node build: the tests run under Node (the browser build is tested in Chromium, packages/browser).
      '@hamux-ts/backends': here('../packages/backends/src/node/index.ts'),
      '@hamux-ts/train': here('../packages/train/src/index.ts'),
      '@hamux-ts/data': here('../packages/data/src/index.ts'),
      '@hamux-ts/kernels': here('../packages/kernels/src/index.ts'),
      '@hamux-ts/plot': here('../packages/plot/src/index.ts'),
      '@hamux-ts/torch': here('../packages/torch/src/index.ts'),
      '@hamux-ts/browser': here('../packages/browser/src/index.ts'),
      '@hamux-ts/test-support': here('../packages/test-support/src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    setupFiles: [here('./vitest.setup.ts')],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
