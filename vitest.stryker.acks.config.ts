import { strykerVitest } from "./vitest.stryker.shared.js";

/**
 * Tests that cover the ack/delivery files (stryker.acks.config.json), with the checkpoint
 * alignment and restore tests for the source's barrier injection and final position.
 */
export default strykerVitest([
  "test/runtime/ack-tracker.test.ts",
  "test/runtime/acks.test.ts",
  "test/runtime/ack-after-end.test.ts",
  "test/runtime/source-node.test.ts",
  "test/runtime/source-node-batches.test.ts",
  "test/runtime/source-node-checkpoints.test.ts",
  "test/runtime/checkpoint/alignment.test.ts",
  "test/runtime/checkpoint/restore.test.ts",
  "test/runtime/checkpoint/two-phase-sink.test.ts",
  "test/runtime/source-reject.test.ts",
  "test/runtime/source-watermark.test.ts",
  "test/runtime/sink-node.test.ts",
  "test/runtime/sink-reject.test.ts",
  "test/runtime/backpressure.test.ts",
  "test/env/stop.test.ts",
  "test/env/chain-isolation.test.ts",
  "test/env/failure-isolation.test.ts",
  "test/env/shard.test.ts",
  "test/env/async-iterable.test.ts",
  "test/env/stream.test.ts",
  "test/env/visibility.test.ts",
]);
