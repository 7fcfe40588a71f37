import { strykerVitest } from "./vitest.stryker.shared.js";

/** Tests that cover the scheduler's task store files (stryker.store.config.json). */
export default strykerVitest([
  "test/scheduler/store.test.ts",
  "test/scheduler/file-store.test.ts",
  "test/scheduler/persistence.test.ts",
  "test/scheduler/scheduling.test.ts",
  "test/scheduler/lifecycle.test.ts",
  "test/scheduler/stop.test.ts",
  "test/scheduler/options.test.ts",
  "test/scheduler/scheduler.property.test.ts",
  "test/scheduler/crash.test.ts",
]);
