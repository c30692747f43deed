import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Live kernel tests spawn real processes and worker threads; forks keep each file's
    // koffi state and signal handlers apart from the others.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
