/**
 * Exactly-once Kafka -> map -> Kafka in one process, bounded, fresh group from the earliest
 * offsets: every input record is in the committed output exactly once, and the group's
 * committed offsets (written in the transactions) are the ends of the input partitions.
 */
import { describe, expect, inject, it } from "vitest";
import {
  type KafkaRecord,
  kafkaExactlyOnce,
  kafkaSink,
  kafkaSource,
} from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { createTopic, groupOffsets, readTopic, testKafka, uniqueTopic } from "./sink-kit.js";

const brokers = inject("kafkaBrokers");
const N = 20_000;

describe("exactly-once Kafka -> Kafka job", () => {
  it("a bounded job from the earliest offsets: the committed output holds every input once, offsets at the ends", async () => {
    const input = uniqueTopic("eos-e2e-in");
    const output = uniqueTopic("eos-e2e-out");
    await createTopic(brokers, input, 4);
    await createTopic(brokers, output, 4);
    const producer = testKafka(brokers).producer();
    await producer.connect();
    for (let i = 0; i < N; i += 2000) {
      await producer.send({
        topic: input,
        messages: Array.from({ length: 2000 }, (_, j) => ({
          key: `k${(i + j) % 100}`,
          value: JSON.stringify({ id: i + j }),
        })),
      });
    }
    await producer.disconnect();
    const group = uniqueTopic("eos-e2e");
    const eos = kafkaExactlyOnce({ brokers, transactionalId: `${group}-tx`, commitIntervalMs: 1000 });
    const report = await new Env({ batchSize: 1024 })
      .from(
        kafkaSource<{ id: number }>({
          brokers,
          topics: input,
          groupId: group,
          startFrom: "earliest",
          bounded: true,
          exactlyOnce: eos,
        }),
      )
      .map((r: KafkaRecord<{ id: number }>) => ({ id: r.value.id, key: r.key }))
      .to(
        kafkaSink<{ id: number; key: string | null }>({
          brokers,
          topic: output,
          key: (r) => r.key,
          exactlyOnce: eos,
        }),
      );
    expect(report.recordsIn).toBe(N);
    const got = await readTopic(brokers, output, N, { settleMs: 2000, timeoutMs: 30_000 });
    const ids = got.map((m) => (JSON.parse(m.value!) as { id: number }).id);
    expect(new Set(ids).size).toBe(N);
    expect(ids).toHaveLength(N);
    const offsets = await groupOffsets(brokers, group, input);
    expect([...offsets.values()].reduce((s, o) => s + Number(o), 0)).toBe(N);
  });
});
