import { defineConfig } from "vitest/config";

/**
 * The vitest settings every Stryker file set shares (`npm run mutation`, docs/testing.md,
 * "Mutation testing"): forks and the fast-check replay setup, with `include` limited to the
 * tests that cover that set's files, so one mutant runs in seconds. A test that hangs on a
 * mutant (a promise that never settles) fails after 5 s here, before Stryker's own timeout
 * (8 s and more), which would restart the test runner: much slower on a loaded machine.
 */
export function strykerVitest(include: string[], testTimeout = 5_000) {
  return defineConfig({
    test: {
      include,
      testTimeout,
      pool: "forks",
      setupFiles: ["test/setup/fast-check.ts"],
    },
  });
}
