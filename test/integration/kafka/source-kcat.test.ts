import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kafkaSource } from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { KafkaFixture, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

describe("kafkaSource with an independent client (Debian's kcat)", () => {
  it("kcat produces keyed messages and headers, Mass consumes the same messages and keys", async () => {
    const topic = await fx.topic("src-kcat", 3);
    const n = 500;
    const lines = Array.from({ length: n }, (_, i) => `key-${i}\t{"i":${i},"text":"héllo ${i}"}`).join("\n");
    const produced = spawnSync(
      "kcat",
      ["-P", "-b", brokers.join(","), "-t", topic, "-K", "\t", "-H", "source=kcat", "-X", "acks=all"],
      { input: `${lines}\n`, encoding: "utf8" },
    );
    expect(produced.status, produced.stderr).toBe(0);
    const env = new Env();
    const got = await env
      .from(
        kafkaSource<{ i: number; text: string }>({
          brokers,
          groupId: unique("g-kcat"),
          topics: topic,
          bounded: true,
        }),
      )
      .toArray();
    expect(got).toHaveLength(n);
    const byKey = new Map(got.map((r) => [r.key, r]));
    for (let i = 0; i < n; i++) {
      const r = byKey.get(`key-${i}`);
      expect(r?.value).toEqual({ i, text: `héllo ${i}` });
      expect(r?.headers).toEqual({ source: "kcat" });
    }
    // kcat's partitioner (librdkafka's consistent_random: crc32 of the key) spread them out;
    // within a partition, offsets are consecutive from 0 in production order
    const partitions = new Set(got.map((r) => r.partition));
    expect(partitions.size).toBeGreaterThan(1);
    for (const p of partitions) {
      const mine = got.filter((r) => r.partition === p);
      expect(mine.map((r) => Number(r.offset))).toEqual(mine.map((_, k) => k));
      const is = mine.map((r) => r.value.i);
      expect(is).toEqual([...is].sort((a, b) => a - b));
    }
  });
});
