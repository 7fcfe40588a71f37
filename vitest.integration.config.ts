import { defineConfig } from "vitest/config";

/**
 * Integration tests against real servers (test/integration/): each global setup starts its
 * server unless `MASS_TEST_SERVICES` (a comma list) leaves it out, provides its address, and
 * stops what it started. `npx vitest run -c vitest.integration.config.ts`.
 */
export default defineConfig({
  test: {
    include: ["test/integration/**/*.test.ts"],
    globalSetup: ["test/integration/setup/mariadb.ts", "test/integration/setup/elasticsearch.ts"],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: "forks",
    fileParallelism: false,
  },
});
