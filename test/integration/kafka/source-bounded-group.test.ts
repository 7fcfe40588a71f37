import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKafka } from "../../../src/connectors/kafka/client.js";
import { type KafkaRecord, kafkaSource } from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { KafkaFixture, RecordingSink, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

type V = { i: number };

/**
 * A bounded run that joins a group where another member still holds partitions (a previous
 * run's member whose leave did not reach the broker, under load) must not end after its own
 * share: it ends when every partition seen at start is finished (regression: a rerun read
 * nothing from one partition, `Math.min()` of its offsets was Infinity).
 */
describe("kafkaSource bounded in a group with another member", () => {
  it("does not end until the partitions held by the other member are read or committed to their end", async () => {
    const topic = await fx.topic("src-bgroup", 2);
    const n = 2000;
    await fx.produce(
      topic,
      Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }), partition: i % 2 })),
    );
    const groupId = unique("g-bgroup");
    // the other member: joins, takes its share, reads and commits nothing
    const other = createKafka({ brokers }).consumer({ groupId, maxWaitTimeInMs: 100 });
    await other.connect();
    await other.subscribe({ topics: [topic], fromBeginning: true });
    let otherJoined!: () => void;
    const joined = new Promise<void>((r) => (otherJoined = r));
    other.on(other.events.GROUP_JOIN, () => otherJoined());
    // reads its share and commits nothing (stays responsive: it rejoins when the source joins)
    await other.run({ autoCommit: false, eachBatch: async () => {} });
    await joined;
    const sink = new RecordingSink<KafkaRecord<V>>();
    const env = new Env({ batchSize: 100 });
    env.from(kafkaSource<V>({ brokers, groupId, topics: topic, bounded: true, maxWaitTimeMs: 100 })).to(sink);
    let ended = false;
    const run = env.run().finally(() => {
      ended = true;
    });
    // the source gets one partition and reads it to its end; the other stays with the member
    const deadline = Date.now() + 60_000;
    while (sink.records.length < n / 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(sink.records.length).toBe(n / 2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(ended).toBe(false); // the other partition is neither read nor committed
    // the member leaves: the rebalance hands its partition over, the run reads it and ends
    void other.disconnect().catch(() => {});
    await run;
    expect(new Set(sink.records.map((r) => r.value.i)).size).toBe(n);
    expect(await fx.committed(groupId, topic)).toEqual(
      new Map([
        [0, n / 2],
        [1, n / 2],
      ]),
    );
  });
});
