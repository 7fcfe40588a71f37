import { strykerVitest } from "./vitest.stryker.shared.js";

/**
 * Tests that cover the window runtime files (stryker.windows.config.json), their checkpoints
 * (snapshot and restore) included. The window properties run hundreds of pipelines each: 30 s
 * per test.
 */
export default strykerVitest(
  [
    "test/runtime/windows/*.test.ts",
    "test/states/windows/*.test.ts",
    "test/env/windows.test.ts",
    "test/env/triggers.test.ts",
    "test/property/windows.property.test.ts",
    "test/testing/kit.test.ts",
    "test/property/checkpoint-windows.test.ts",
    "test/runtime/checkpoint-state.test.ts",
    "test/runtime/checkpoint/windowed-e2e.test.ts",
  ],
  30_000,
);
