import { defineConfig } from "vitest/config";

/**
 * Tests that cover the Elasticsearch offset store (stryker.connectors-es.config.json): it is
 * only reachable through a real Elasticsearch, which the global setup starts (port
 * `MASS_TEST_ES_PORT`) and stops, or takes as it is from `MASS_TEST_ES_URL`.
 */
export default defineConfig({
  test: {
    include: ["test/integration/elasticsearch/elasticsearch-offset-store.test.ts"],
    globalSetup: ["test/integration/setup/elasticsearch.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
