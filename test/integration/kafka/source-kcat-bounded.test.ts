import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type KafkaRecord,
  kafkaExactlyOnce,
  kafkaSink,
  kafkaSource,
} from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { KafkaFixture, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

/**
 * librdkafka (kcat) writes large, compressed record batches (gzip here: kafkajs has no lz4); a fetch with a small
 * maxBytesPerPartition then returns partial batches, which kafkajs delivers as empty batches
 * whose `lastOffset()` is the high watermark - 1. A bounded source must still hand out every
 * record up to the end offsets seen at start (regression: one partition stopped at 1,656 of ~5,000).
 */
describe("kafkaSource bounded over kcat's large record batches", () => {
  const n = 20_000;
  let topic: string;
  /** Per partition: the high watermark after producing. */
  let ends: Map<number, number>;

  beforeAll(async () => {
    topic = await fx.topic("src-kcat-bounded", 4);
    const pad = "x".repeat(200);
    const lines = Array.from({ length: n }, (_, i) => `k${i % 97}:{"i":${i},"pad":"${pad}"}`).join("\n");
    const produced = spawnSync(
      "kcat",
      [
        "-P",
        "-b",
        brokers.join(","),
        "-t",
        topic,
        "-K:",
        "-X",
        "acks=all",
        "-X",
        "linger.ms=200",
        "-X",
        "batch.num.messages=100000",
        "-X",
        "batch.size=1000000",
        "-X",
        "compression.codec=gzip",
      ],
      { input: `${lines}\n`, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    expect(produced.status, produced.stderr).toBe(0);
    const offsets = await fx.admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
    expect([...ends.values()].reduce((s, v) => s + v, 0)).toBe(n);
  }, 120_000);

  function checkAll(got: readonly { i: number; partition: number; offset: number }[]): void {
    expect(got).toHaveLength(n);
    expect(new Set(got.map((r) => r.i)).size).toBe(n);
    for (const [partition, end] of ends) {
      const offs = got.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offs.length, `partition ${partition}`).toBe(end);
      expect(Math.max(...offs), `partition ${partition}`).toBe(end - 1);
    }
  }

  it("at-least-once: every record of every partition, then ends", async () => {
    const got = await new Env({ batchSize: 512 })
      .from(
        kafkaSource<{ i: number }>({
          brokers,
          groupId: unique("g-kcat-b"),
          topics: topic,
          bounded: true,
          maxBytesPerPartition: 16 * 1024,
          maxBytes: 40_000,
          maxBufferedRecords: 600,
        }),
      )
      .map((r: KafkaRecord<{ i: number }>) => ({
        i: r.value.i,
        partition: r.partition,
        offset: Number(r.offset),
      }))
      .toArray();
    checkAll(got);
  });

  it("exactlyOnce: every record of every partition goes through the transaction, then ends", async () => {
    const output = await fx.topic("src-kcat-bounded-out", 1);
    const group = unique("g-kcat-eos");
    const eos = kafkaExactlyOnce({ brokers, transactionalId: `${group}-tx`, commitIntervalMs: 500 });
    const got: { i: number; partition: number; offset: number }[] = [];
    const report = await new Env({ batchSize: 512 })
      .from(
        kafkaSource<{ i: number }>({
          brokers,
          groupId: group,
          topics: topic,
          bounded: true,
          maxBytesPerPartition: 16 * 1024,
          maxBytes: 40_000,
          maxBufferedRecords: 600,
          exactlyOnce: eos,
        }),
      )
      .map((r: KafkaRecord<{ i: number }>) => {
        const x = { i: r.value.i, partition: r.partition, offset: Number(r.offset) };
        got.push(x);
        return x;
      })
      .to(kafkaSink<{ i: number }>({ brokers, topic: output, exactlyOnce: eos }));
    expect(report.recordsIn).toBe(n);
    checkAll(got);
    // the transaction's offsets become visible once the broker wrote its commit markers (async)
    let committed = await fx.committed(group, topic);
    for (let t = 0; t < 100 && [...ends].some(([q, e]) => committed.get(q) !== e); t++) {
      await new Promise((r) => setTimeout(r, 100));
      committed = await fx.committed(group, topic);
    }
    for (const [partition, end] of ends) expect(committed.get(partition), `partition ${partition}`).toBe(end);
  });
});
