/**
 * The records a Kafka source holds stay within `maxBufferedRecords` plus one fetch response, and
 * the default fetch size is derived from that bound, whatever the number of partitions.
 * Regression: with kafkajs' 10 MiB `maxBytes`, one fetch of a 16-partition topic brought up to
 * 16 × `maxBytesPerPartition` (4 MiB: ~15,000 records of this test) while the partitions were
 * being paused, 40 times a buffer bound of 400.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kafkaSource } from "../../../src/connectors/kafka/index.js";
import { drainThroughSlowSink, KafkaFixture, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

type V = { i: number; pad: string };

describe("kafkaSource: fetch size bounded by the buffer", () => {
  it("16 partitions, slow sink, default maxBytes: the source never holds more than the bound plus ~one bound's worth", async () => {
    const partitions = 16;
    const topic = await fx.topic("src-fetch-bound", partitions);
    const n = 40_000; // ~2,500 records of ~270 bytes per partition: > 256 KiB each
    const pad = "p".repeat(230);
    await fx.produce(
      topic,
      Array.from({ length: n }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ i, pad }),
        partition: i % partitions,
      })),
    );
    const maxBufferedRecords = 400; // default maxBytes: 400 × 256 B = 100 KiB, the 64 KiB floor is below
    const source = kafkaSource<V>({
      brokers,
      groupId: unique("g-fetch-bound"),
      topics: topic,
      bounded: true,
      maxBufferedRecords,
      maxWaitTimeMs: 100,
    });
    const { records, maxHeld, pausedSeen } = await drainThroughSlowSink(source);
    expect(new Set(records.map((r) => r.value.i)).size).toBe(n);
    expect(records).toHaveLength(n);
    expect(pausedSeen).toBe(true);
    // the bound plus one response of at most 100 KiB (~380 of these records) and the record
    // batches the broker does not split (kafkajs produced ~60 records per partition and batch)
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(maxBufferedRecords + 1000);
  });
});
