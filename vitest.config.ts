import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (everything that needs at most embedded services or a local
 * PostgreSQL/Kinesis emulator), `opensearch` (the suite that runs against a real
 * OpenSearch server; `npm run test:opensearch` runs it alone) and `kafka` (the suites that
 * run against a real Apache Kafka broker; `npm run test:kafka`).
 */
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/opensearch/**', 'test/kafka/**', 'node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'opensearch',
          include: ['test/opensearch/**/*.test.ts'],
          // One OpenSearch server for the whole project; see the file for when it is skipped.
          globalSetup: ['test/opensearch/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'kafka',
          include: ['test/kafka/**/*.test.ts'],
          // One broker for the whole project, started by the setup (see the file).
          globalSetup: ['test/kafka/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
