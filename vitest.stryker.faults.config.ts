import { strykerVitest } from "./vitest.stryker.shared.js";

/**
 * Tests that cover the fault-policy files (stryker.faults.config.json): the fault handler, the
 * policy options and the reject paths of sources and sinks. Every pipeline test runs through
 * the fault handler too; they are left out, so that one mutant runs in seconds.
 */
export default strykerVitest([
  "test/runtime/fault-handler.test.ts",
  "test/operators/fault-policy.test.ts",
  "test/operators/fault-policy-options.test.ts",
  "test/runtime/sink-node.test.ts",
  "test/runtime/sink-reject.test.ts",
  "test/runtime/source-reject.test.ts",
]);
