import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type KafkaRecord,
  type KafkaSourceOptions,
  kafkaSource,
} from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { KafkaFixture, RecordingSink, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

type V = { i: number };
const T0 = 1_700_000_000_000;

/** A 2-partition topic with messages i = 0..n-1, i on partition i % 2, timestamp T0 + i * 1000. */
async function topicOf(n: number): Promise<string> {
  const topic = await fx.topic("src-start", 2);
  await fx.produce(
    topic,
    Array.from({ length: n }, (_, i) => ({
      value: JSON.stringify({ i }),
      partition: i % 2,
      timestamp: String(T0 + i * 1000),
    })),
  );
  return topic;
}

async function readAll(options: Omit<KafkaSourceOptions<V>, "brokers">): Promise<number[]> {
  const sink = new RecordingSink<KafkaRecord<V>>();
  const env = new Env();
  env.from(kafkaSource<V>({ brokers, maxWaitTimeMs: 100, bounded: true, ...options })).to(sink);
  await env.run();
  return sink.records.map((r) => r.value.i).sort((a, b) => a - b);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe("kafkaSource: where it starts", () => {
  it("committed (default): from the group's committed offsets; earliest for a group without any", async () => {
    const topic = await topicOf(20);
    const groupId = unique("g-committed");
    await fx.admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: "3" },
        { partition: 1, offset: "7" },
      ],
    });
    // partition 0 from offset 3 (i = 6, 8, ...), partition 1 from offset 7 (i = 15, 17, 19)
    expect(await readAll({ groupId, topics: topic })).toEqual([6, 8, 10, 12, 14, 15, 16, 17, 18, 19]);
    expect(await readAll({ groupId: unique("g-fresh"), topics: topic })).toEqual(range(0, 20));
    // a second bounded run of the first group has nothing left
    expect(await readAll({ groupId, topics: topic })).toEqual([]);
  });

  it("earliest ignores committed offsets; timestamp starts at the first message at or after it", async () => {
    const topic = await topicOf(20);
    const groupId = unique("g-earliest");
    await fx.admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: "9" },
        { partition: 1, offset: "9" },
      ],
    });
    expect(await readAll({ groupId, topics: topic, startFrom: "earliest" })).toEqual(range(0, 20));
    expect(
      await readAll({ groupId: unique("g-ts"), topics: topic, startFrom: { timestamp: T0 + 12_500 } }),
    ).toEqual(range(13, 20));
    // a timestamp past every message: nothing
    expect(
      await readAll({ groupId: unique("g-ts2"), topics: topic, startFrom: { timestamp: T0 + 1e9 } }),
    ).toEqual([]);
  });

  it("latest: only messages produced after the start", async () => {
    const topic = await topicOf(10);
    const sink = new RecordingSink<KafkaRecord<V>>();
    const source = kafkaSource<V>({
      brokers,
      groupId: unique("g-latest"),
      topics: topic,
      startFrom: "latest",
      maxWaitTimeMs: 100,
    });
    const env = new Env();
    env.from(source).to(sink);
    const run = env.run();
    while (source.assignment.length < 2) await new Promise((r) => setTimeout(r, 20));
    await fx.produce(
      topic,
      [100, 101, 102, 103].map((i) => ({ value: JSON.stringify({ i }), partition: i % 2 })),
    );
    while (sink.records.length < 4) await new Promise((r) => setTimeout(r, 20));
    await env.stop();
    await run;
    expect(sink.records.map((r) => r.value.i).sort()).toEqual([100, 101, 102, 103]);
  });

  it("bounded: stops at the end offsets seen at start, not at messages produced meanwhile", async () => {
    const topic = await topicOf(40);
    const groupId = unique("g-bounded");
    let produced = false;
    const sink = new RecordingSink<KafkaRecord<V>>(() => false, 20);
    const env = new Env({ batchSize: 5 });
    env
      .from(kafkaSource<V>({ brokers, groupId, topics: topic, bounded: true, maxWaitTimeMs: 100 }))
      .tap(() => {
        if (produced) return;
        produced = true;
        void fx.produce(
          topic,
          [0, 1, 2, 3].map((k) => ({ value: JSON.stringify({ i: 1000 + k }), partition: k % 2 })),
        );
      })
      .to(sink);
    const report = await env.run();
    expect(report.status).toBe("finished");
    expect(sink.records.map((r) => r.value.i).sort((a, b) => a - b)).toEqual(range(0, 40));
    // the next bounded run reads exactly the messages produced meanwhile
    expect(await readAll({ groupId, topics: topic })).toEqual([1000, 1001, 1002, 1003]);
  });
});
