import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  KafkaError,
  type KafkaRecord,
  kafkaSource,
  type UndecodableMessage,
} from "../../../src/connectors/kafka/index.js";
import { Env, type MemoryDeadLetters, RunError } from "../../../src/index.js";
import { drainThroughSlowSink, KafkaFixture, RecordingSink, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

type V = { i: number };
const numbered = (n: number, partitions: number) =>
  Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    value: JSON.stringify({ i }),
    partition: i % partitions,
  }));

describe("kafkaSource: delivery", () => {
  it("commits only acknowledged offsets: a failing sink's record is never committed past, a rerun loses nothing", async () => {
    const topic = await fx.topic("src-ack", 2);
    const n = 4000;
    await fx.produce(topic, numbered(n, 2));
    const groupId = unique("g-ack");
    const poison = 2501; // partition 1, offset 1250
    const failing = new RecordingSink<KafkaRecord<V>>((r) => r.value.i === poison);
    const env1 = new Env({ batchSize: 100 });
    env1.from(kafkaSource<V>({ brokers, groupId, topics: topic, maxWaitTimeMs: 100 })).to(failing);
    await expect(env1.run()).rejects.toBeInstanceOf(RunError);
    const committed = await fx.committed(groupId, topic);
    // the record that failed (partition 1, offset 1250) was never acknowledged
    expect(committed.get(1)!).toBeLessThanOrEqual(1250);
    expect(failing.records.some((r) => r.value.i === poison)).toBe(false);
    // something was committed before the failure (commits follow acks while the job runs)
    expect(Math.max(...committed.values())).toBeGreaterThan(0);

    const good = new RecordingSink<KafkaRecord<V>>();
    const env2 = new Env({ batchSize: 100 });
    env2
      .from(kafkaSource<V>({ brokers, groupId, topics: topic, bounded: true, maxWaitTimeMs: 100 }))
      .to(good);
    await env2.run();
    // the rerun starts exactly at the committed offsets (a partition committed to its end has nothing left)
    for (const p of [0, 1]) {
      const offsets = good.records.filter((r) => r.partition === p).map((r) => Number(r.offset));
      if (offsets.length === 0) expect(committed.get(p)).toBe(2000);
      else expect(Math.min(...offsets)).toBe(Math.max(0, committed.get(p)!));
    }
    const seen = new Set([...failing.records, ...good.records].map((r) => r.value.i));
    expect(seen.size).toBe(n); // nothing lost (duplicates allowed: at-least-once)
    expect(await fx.committed(groupId, topic)).toEqual(
      new Map([
        [0, 2000],
        [1, 2000],
      ]),
    );
  });

  it("dead-letters an undecodable message with its coordinates and goes on; its offset is committed", async () => {
    const topic = await fx.topic("src-poison", 1);
    const msgs = numbered(100, 1).map((m) => ({ ...m, partition: 0 }));
    msgs.splice(40, 0, { key: "bad", value: "{not json", partition: 0 });
    await fx.produce(topic, msgs);
    const groupId = unique("g-poison");
    const sink = new RecordingSink<KafkaRecord<V>>();
    const env = new Env({ batchSize: 16 });
    env
      .from(kafkaSource<V>({ brokers, groupId, topics: topic, bounded: true, maxWaitTimeMs: 100 }), {
        onError: "dead-letter",
      })
      .to(sink);
    const report = await env.run();
    expect(sink.records.map((r) => r.value.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const letters = (env.deadLetters as MemoryDeadLetters).letters;
    expect(letters).toHaveLength(1);
    const rec = letters[0].record as UndecodableMessage;
    expect(rec).toMatchObject({ topic, partition: 0, offset: "40", key: "bad", value: "{not json" });
    expect(letters[0].error).toBeInstanceOf(KafkaError);
    expect(letters[0].error.message).toContain(`topic "${topic}", partition 0, offset 40`);
    expect(report.nodes.find((n) => n.kind === "source")!.deadLettered).toBe(1);
    expect((await fx.committed(groupId, topic)).get(0)).toBe(101);
  });

  it("a poison message as the last one of the topic is committed too once dead-lettered", async () => {
    const topic = await fx.topic("src-poison-last", 1);
    await fx.produce(topic, [...numbered(10, 1), { key: "bad", value: "]", partition: 0 }]);
    const groupId = unique("g-poison-last");
    const sink = new RecordingSink<KafkaRecord<V>>();
    const env = new Env({ batchSize: 10 });
    env
      .from(kafkaSource<V>({ brokers, groupId, topics: topic, bounded: true, maxWaitTimeMs: 100 }), {
        onError: "skip",
      })
      .to(sink);
    await env.run();
    expect(sink.records).toHaveLength(10);
    expect((await fx.committed(groupId, topic)).get(0)).toBe(11);
  });

  it("under the default 'fail' policy an undecodable message fails the job with a KafkaError naming it", async () => {
    const topic = await fx.topic("src-poison-fail", 1);
    await fx.produce(topic, [
      { key: "a", value: "{}" },
      { key: "b", value: "{x" },
    ]);
    const env = new Env();
    env
      .from(
        kafkaSource({ brokers, groupId: unique("g-pf"), topics: topic, bounded: true, maxWaitTimeMs: 100 }),
      )
      .to(new RecordingSink());
    const err = await env.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunError);
    const cause = (err as RunError).errors[0].cause as KafkaError;
    expect((err as RunError).errors[0].node).toContain("kafka");
    expect(cause).toBeInstanceOf(KafkaError);
    expect([cause.topic, cause.partition, cause.offset]).toEqual([topic, 0, "1"]);
  });

  it("a slow sink pauses the partitions: records held by the source stay within the bound", async () => {
    const topic = await fx.topic("src-slow", 4);
    const n = 20_000;
    await fx.produce(topic, numbered(n, 4));
    const maxBufferedRecords = 400;
    const source = kafkaSource<V>({
      brokers,
      groupId: unique("g-slow"),
      topics: topic,
      bounded: true,
      maxBufferedRecords,
      maxBytes: 16_384, // one fetch response: a few hundred of these records
      maxWaitTimeMs: 100,
    });
    const { records, maxHeld, pausedSeen } = await drainThroughSlowSink(source);
    expect(new Set(records.map((r) => r.value.i)).size).toBe(n);
    expect(records).toHaveLength(n);
    expect(pausedSeen).toBe(true);
    // the bound plus at most one fetch response (16 KiB of ~40-byte records) in flight
    expect(maxHeld).toBeLessThanOrEqual(maxBufferedRecords + 500);
    expect(maxHeld).toBeGreaterThan(0);
  });
});
