import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KafkaRecord, kafkaSource } from "../../../src/connectors/kafka/index.js";
import { Env, memoryCheckpointStore } from "../../../src/index.js";
import { KafkaFixture, RecordingSink, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

type V = { i: number };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msgs = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => ({
    value: JSON.stringify({ i: from + k }),
    partition: (from + k) % 2,
  }));

describe("kafkaSource with checkpoints", () => {
  it("commits at checkpoints only; a restore continues exactly after the checkpointed offsets", async () => {
    const topic = await fx.topic("src-ckpt", 2);
    await fx.produce(topic, msgs(0, 1000));
    const store = memoryCheckpointStore();
    const groupId = unique("g-ckpt");

    const sink1 = new RecordingSink<KafkaRecord<V>>();
    const env1 = new Env({ checkpoint: { store, intervalMs: 0 } });
    env1
      .from(kafkaSource<V>({ brokers, groupId, topics: topic, maxWaitTimeMs: 100 }), { name: "orders" })
      .to(sink1);
    const run1 = env1.run();
    while (sink1.records.length < 1000) await sleep(20);
    await sleep(500);
    // everything was acknowledged, but with checkpoints on nothing is committed on ack
    expect([...(await fx.committed(groupId, topic)).values()]).toEqual([-1, -1]);
    await env1.stop({ savepoint: true });
    await run1;
    // the savepoint completed: its offsets were committed to the group
    expect(await fx.committed(groupId, topic)).toEqual(
      new Map([
        [0, 500],
        [1, 500],
      ]),
    );

    await fx.produce(topic, msgs(1000, 1200));
    // another group (no committed offsets: it would start at the earliest) restored from the
    // savepoint reads exactly the messages after it
    const sink2 = new RecordingSink<KafkaRecord<V>>();
    const env2 = new Env({ checkpoint: { store, intervalMs: 0 } });
    env2
      .from(kafkaSource<V>({ brokers, groupId: unique("g-ckpt2"), topics: topic, maxWaitTimeMs: 100 }), {
        name: "orders",
      })
      .to(sink2);
    const savepoints = (await store.list()).filter((c) => c.savepoint);
    expect(savepoints).toHaveLength(1);
    const run2 = env2.run({ restore: { from: savepoints[0].location } });
    while (sink2.records.length < 200) await sleep(20);
    await sleep(500);
    await env2.stop();
    await run2;
    expect(sink2.records.map((r) => r.value.i).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, k) => 1000 + k),
    );
  });
});
