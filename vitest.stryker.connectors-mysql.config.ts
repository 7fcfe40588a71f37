import { defineConfig } from "vitest/config";

/**
 * Tests that cover the MySQL offset store (stryker.connectors-mysql.config.json): it is only
 * reachable through a real MariaDB, which the global setup makes sure is up
 * (scripts/services/mariadb.ts) and provides as `inject("mysql")`.
 */
export default defineConfig({
  test: {
    include: ["test/integration/mysql/mysql-offset-store.test.ts"],
    globalSetup: ["test/integration/setup/mysql.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
