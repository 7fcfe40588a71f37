import { strykerVitest } from "./vitest.stryker.shared.js";

/** Tests that cover the fault-policy files (stryker.faults.config.json). */
export default strykerVitest([
  "test/runtime/fault-handler.test.ts",
  "test/operators/*.test.ts",
  "test/runtime/sink-node.test.ts",
  "test/runtime/sink-reject.test.ts",
  "test/runtime/source-reject.test.ts",
  "test/runtime/acks.test.ts",
  "test/env/stream.test.ts",
  "test/env/visibility.test.ts",
  "test/env/strict-options.test.ts",
  "test/env/failure-isolation.test.ts",
  "test/env/chain-isolation.test.ts",
  "test/property/stateless.property.test.ts",
]);
