import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // The projects differ in maxWorkers, so vitest runs them as ordered groups: unit first.
          sequence: { groupOrder: 0 },
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          // Real engine, registry and browser: slow, and they share one dockerd. Each file uses names
          // unique to its run, so two run at once (most of their time is waiting on containers).
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
