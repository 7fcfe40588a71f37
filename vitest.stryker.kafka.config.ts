import { strykerVitest } from "./vitest.stryker.shared.js";

/**
 * Tests that cover the Kafka source's commit bookkeeping without a broker
 * (stryker.kafka.config.json): the offset ledger, lag and end of input of a partition, the next
 * offset to fetch, and the per-partition watermarks.
 */
export default strykerVitest([
  "test/connectors/kafka/offset-ledger.test.ts",
  "test/connectors/kafka/next-fetch-offset.test.ts",
  "test/connectors/kafka/partition-state.test.ts",
  "test/connectors/kafka/partition-watermarks.test.ts",
]);
