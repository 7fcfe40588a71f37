import { strykerVitest } from "./vitest.stryker.shared.js";

/** Tests that cover the window runtime files (stryker.windows.config.json). */
export default strykerVitest([
  "test/runtime/windows/*.test.ts",
  "test/states/windows/*.test.ts",
  "test/env/windows.test.ts",
  "test/env/triggers.test.ts",
  "test/property/windows.property.test.ts",
  "test/testing/kit.test.ts",
]);
