import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'layers/models/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Model sessions are large; two cores are shared between test files.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
