import { defineConfig } from "vitest/config";

/**
 * The vitest settings every Stryker file set shares (`npm run mutation`, docs/testing.md,
 * "Mutation testing"): forks, the unit timeout and the fast-check replay setup, with `include`
 * limited to the tests that cover that set's files, so one mutant runs in seconds.
 */
export function strykerVitest(include: string[]) {
  return defineConfig({
    test: {
      include,
      testTimeout: 30_000,
      pool: "forks",
      setupFiles: ["test/setup/fast-check.ts"],
    },
  });
}
