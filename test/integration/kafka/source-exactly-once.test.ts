import type { TopicOffsets } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type KafkaExactlyOnceHook,
  type KafkaRecord,
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
