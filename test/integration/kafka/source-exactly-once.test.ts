import type { TopicOffsets } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type KafkaExactlyOnceHook,
  type KafkaRecord,
  kafkaExactlyOnce,
  kafkaSink,
  kafkaSource,
} from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { KafkaFixture, RecordingSink, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

/** Stands in for kafkaExactlyOnce(...): records what the source asks of it (no transaction). */
class RecordingCoordinator implements KafkaExactlyOnceHook {
  commits: { groupId: string; offsets: TopicOffsets[]; written: number }[] = [];
  connects = 0;
  disconnects = 0;
  aborts = 0;
  private calls = 0;
  constructor(private readonly written: () => number) {}
  due(): boolean {
    return ++this.calls % 3 === 0;
  }
  async commit(groupId: string, offsets: TopicOffsets[]): Promise<void> {
    this.commits.push({ groupId, offsets, written: this.written() });
  }
  async abort(): Promise<void> {
    this.aborts++;
  }
  async connect(): Promise<void> {
    this.connects++;
  }
  async disconnect(): Promise<void> {
    this.disconnects++;
  }
}

describe("kafkaSource: the exactlyOnce hook", () => {
  it("drains before each transaction commit and hands it the offsets instead of committing them itself", async () => {
    const topic = await fx.topic("src-eos", 2);
    await fx.produce(
      topic,
      Array.from({ length: 1000 }, (_, i) => ({ value: JSON.stringify({ i }), partition: i % 2 })),
    );
    const groupId = unique("g-eos");
    const sink = new RecordingSink<KafkaRecord<{ i: number }>>(() => false, 3);
    const eos = new RecordingCoordinator(() => sink.records.length);
    const env = new Env({ batchSize: 50 });
    env
      .from(
        kafkaSource<{ i: number }>({
          brokers,
          groupId,
          topics: topic,
          bounded: true,
          exactlyOnce: eos,
          maxWaitTimeMs: 100,
        }),
      )
      .to(sink);
    await env.run();
    expect(sink.records).toHaveLength(1000);
    expect(eos.commits.length).toBeGreaterThan(2);
    const latest = new Map<number, number>();
    for (const c of eos.commits) {
      expect(c.groupId).toBe(groupId);
      expect(c.offsets.map((t) => t.topic)).toEqual([topic]);
      // a commit carries the partitions that advanced since the last one
      for (const p of c.offsets[0].partitions) {
        expect(Number(p.offset)).toBeGreaterThan(latest.get(p.partition) ?? 0);
        latest.set(p.partition, Number(p.offset));
      }
      // at every commit, the offsets cover exactly what the sink had written: nothing handed out
      // was still in flight (each partition's offset counts its records, read from offset 0)
      expect([...latest.values()].reduce((a, b) => a + b, 0)).toBe(c.written);
    }
    expect(Object.fromEntries(latest)).toEqual({ 0: 500, 1: 500 });
    // the source committed nothing through the group itself
    expect([...(await fx.committed(groupId, topic)).values()]).toEqual([-1, -1]);
    expect([eos.connects, eos.disconnects, eos.aborts]).toEqual([1, 1, 0]);
  });
});

describe("kafkaSource + kafkaSink with kafkaExactlyOnce (Kafka to Kafka)", () => {
  it("the committed output holds every input exactly once and the group's offsets come with the transactions", async () => {
    const input = await fx.topic("src-eos-in", 3);
    const output = await fx.topic("src-eos-out", 2);
    const n = 3000;
    await fx.produce(
      input,
      Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }), partition: i % 3 })),
    );
    const groupId = unique("g-eos-e2e");
    const eos = kafkaExactlyOnce({ brokers, transactionalId: unique("tx-src"), commitIntervalMs: 100 });
    const env = new Env({ batchSize: 200 });
    env
      .from(
        kafkaSource<{ i: number }>({
          brokers,
          groupId,
          topics: input,
          bounded: true,
          exactlyOnce: eos,
          maxWaitTimeMs: 100,
        }),
      )
      .map((r) => ({ i: r.value.i, doubled: r.value.i * 2 }))
      .to(
        kafkaSink<{ i: number; doubled: number }>({
          brokers,
          topic: output,
          key: (r) => `k${r.i}`,
          exactlyOnce: eos,
        }),
      );
    await env.run();
    // read_committed (the source's isolation): only committed transactions
    const got = await new Env()
      .from(
        kafkaSource<{ i: number; doubled: number }>({
          brokers,
          groupId: unique("g-eos-read"),
          topics: output,
          bounded: true,
        }),
      )
      .toArray();
    expect(got).toHaveLength(n);
    expect(new Set(got.map((r) => r.value.i)).size).toBe(n);
    expect(got.every((r) => r.value.doubled === r.value.i * 2 && r.key === `k${r.value.i}`)).toBe(true);
    expect(await fx.committed(groupId, input)).toEqual(
      new Map([
        [0, 1000],
        [1, 1000],
        [2, 1000],
      ]),
    );
  });
});
