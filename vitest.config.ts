import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.{ts,js,mjs}"],
    exclude: ["test/integration/**"],
    testTimeout: 30_000,
    pool: "forks",
    // FC_SEED / FC_PATH / FC_NUM_RUNS replay a failing fast-check property (docs/testing.md)
    setupFiles: ["test/setup/fast-check.ts"],
  },
});
