import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KafkaRecord, kafkaSource } from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { KafkaFixture, RecordingSink, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

describe("kafkaSource: records", () => {
  it("reads every record once with its key, headers, partition and offset; commits the end offsets", async () => {
    const topic = await fx.topic("src-basic", 3);
    const n = 3000;
    await fx.produce(
      topic,
      Array.from({ length: n }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ i }),
        headers: { h: `v${i}` },
        partition: i % 3,
        timestamp: String(1_700_000_000_000 + i),
      })),
    );
    const groupId = unique("g-basic");
    const sink = new RecordingSink<KafkaRecord<{ i: number }>>();
    const env = new Env({ batchSize: 256 });
    const source = kafkaSource<{ i: number }>({
      brokers,
      groupId,
      topics: topic,
      bounded: true,
      maxWaitTimeMs: 100,
    });
    env.from(source).to(sink);
    await env.run();
    const got = sink.records;
    expect(got).toHaveLength(n);
    const byI = new Map(got.map((r) => [r.value.i, r]));
    expect(byI.size).toBe(n);
    for (let i = 0; i < n; i++) {
      const r = byI.get(i)!;
      expect(r.key).toBe(`k${i}`);
      expect(r.headers).toEqual({ h: `v${i}` });
      expect(r.partition).toBe(i % 3);
      expect(r.offset).toBe(String(Math.floor(i / 3)));
      expect(r.timestamp).toBe(1_700_000_000_000 + i);
      expect(r.topic).toBe(topic);
    }
    const committed = await fx.committed(groupId, topic);
    expect([...committed.entries()].sort()).toEqual([
      [0, 1000],
      [1, 1000],
      [2, 1000],
    ]);
  });
});
