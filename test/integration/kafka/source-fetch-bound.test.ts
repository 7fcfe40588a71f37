/**
 * The records a Kafka source holds stay within `maxBufferedRecords` plus one fetch response, and
 * the default fetch size is derived from that bound, whatever the number of partitions.
 * Regression: with kafkajs' 10 MiB `maxBytes`, one fetch of a 16-partition topic brought up to
 * 16 × `maxBytesPerPartition` (4 MiB: ~15,000 records of this test) while the partitions were
 * being paused, 40 times a buffer bound of 400.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KafkaRecord, kafkaSource } from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { KafkaFixture, RecordingSink, unique } from "./source-helpers.js";

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
    let maxHeld = 0;
    let pausedSeen = false;
    const timer = setInterval(() => {
      maxHeld = Math.max(maxHeld, source.bufferedRecords);
      pausedSeen ||= source.paused;
    }, 5);
    const sink = new RecordingSink<KafkaRecord<V>>(() => false, 5);
    const env = new Env({ batchSize: 100, highWaterMark: 2 });
    try {
      env.from(source).to(sink);
      await env.run();
    } finally {
      clearInterval(timer);
    }
    expect(new Set(sink.records.map((r) => r.value.i)).size).toBe(n);
    expect(sink.records).toHaveLength(n);
    expect(pausedSeen).toBe(true);
    // the bound plus one response of at most 100 KiB (~380 of these records) and the record
    // batches the broker does not split (kafkajs produced ~60 records per partition and batch)
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(maxBufferedRecords + 1000);
  });
});
