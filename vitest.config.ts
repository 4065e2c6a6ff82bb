import { defineConfig } from 'vitest/config';

// Three tiers: unit (pure, seconds), integration (real restic/PostgreSQL/MinIO/rest-server/Pushgateway),
// e2e (the standalone runtime end to end). Peers are started by scripts/peers/*.sh before the
// integration and e2e tiers; their addresses reach the tests through STOWAGE_TEST_* env vars.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
