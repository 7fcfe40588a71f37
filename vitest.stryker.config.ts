import { defineConfig } from "vitest/config";

/**
 * The tests Stryker runs against mutants of the runtime's delivery paths (acks, fault policies,
 * sources, sinks): unit and property tests of the runtime, env and operators. Child-process
 * tests and the 4M-record memory test are left out (too slow per mutant).
 */
export default defineConfig({
  test: {
    include: [
      "test/runtime/ack-tracker.test.ts",
      "test/runtime/fault-handler.test.ts",
      "test/runtime/source-node.test.ts",
      "test/runtime/sink-node.test.ts",
      "test/runtime/source-reject.test.ts",
      "test/runtime/ack-after-end.test.ts",
      "test/runtime/acks.test.ts",
      "test/runtime/sink-reject.test.ts",
      "test/runtime/backpressure.test.ts",
      "test/operators/*.test.ts",
      "test/env/chain-isolation.test.ts",
      "test/env/failure-isolation.test.ts",
      "test/env/stop.test.ts",
      "test/env/visibility.test.ts",
      "test/env/stream.test.ts",
      "test/env/async-iterable.test.ts",
      "test/env/shard.test.ts",
      "test/env/strict-options.test.ts",
      "test/testing/kit.test.ts",
      "test/connectors/file/*.test.ts",
      "test/property/stateless.property.test.ts",
    ],
    testTimeout: 30_000,
    pool: "forks",
  },
});
