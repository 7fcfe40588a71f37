import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KafkaError, type KafkaRecord, kafkaSource } from "../../../src/connectors/kafka/index.js";
import { Env, RunError } from "../../../src/index.js";
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

describe("kafkaSource: topics, formats, errors, stop, lag", () => {
  it("subscribes to the topics a RegExp matches; string and buffer values", async () => {
    const prefix = unique("src-re");
    const a = `${prefix}-a`;
    const b = `${prefix}-b`;
    await fx.admin.createTopics({ topics: [{ topic: a }, { topic: b }], waitForLeaders: true });
    await fx.produce(a, [{ key: null, value: "from a" }]);
    await fx.produce(b, [{ key: "kb", value: Buffer.from([1, 2, 3]) }]);
    const re = new RegExp(`^${prefix}-`);
    const env = new Env();
    const strings = env
      .from(
        kafkaSource<string>({ brokers, groupId: unique("g-re"), topics: re, value: "string", bounded: true }),
      )
      .toArray();
    const got = await strings;
    expect(got.map((r) => [r.topic, r.key, r.value]).sort()).toEqual([
      [a, null, "from a"],
      [b, "kb", "\u0001\u0002\u0003"],
    ]);
    const env2 = new Env();
    const bufs = await env2
      .from(
        kafkaSource<Buffer>({
          brokers,
          groupId: unique("g-buf"),
          topics: [b],
          value: "buffer",
          bounded: true,
        }),
      )
      .toArray();
    expect(bufs.map((r) => [...r.value])).toEqual([[1, 2, 3]]);
  });

  it("a broker that is not there: a retriable KafkaError naming the brokers", async () => {
    const down = ["127.0.0.1:1"];
    const env = new Env();
    env
      .from(
        kafkaSource({
          brokers: down,
          groupId: "g",
          topics: "t",
          connectionTimeoutMs: 300,
          retry: { retries: 0 },
        }),
      )
      .to(new RecordingSink());
    const err = (await env.run().catch((e: unknown) => e)) as RunError;
    expect(err).toBeInstanceOf(RunError);
    const cause = err.errors[0].cause as KafkaError;
    expect(cause).toBeInstanceOf(KafkaError);
    expect(cause.retriable).toBe(true);
    expect(cause.message).toContain("127.0.0.1:1");
  });

  it("a topic that does not exist: a KafkaError naming it, not retriable", async () => {
    const env = new Env();
    const missing = unique("no-such-topic");
    env.from(kafkaSource({ brokers, groupId: "g", topics: missing })).to(new RecordingSink());
    const err = (await env.run().catch((e: unknown) => e)) as RunError;
    const cause = err.errors[0].cause as KafkaError;
    expect(cause).toBeInstanceOf(KafkaError);
    expect(cause.retriable).toBe(false);
    expect(cause.message).toContain(`topic "${missing}" does not exist`);
  });

  it("env.stop() on an idle topic ends the run promptly and commits what was acknowledged", async () => {
    const topic = await fx.topic("src-idle", 2);
    await fx.produce(topic, [
      { value: '{"i":1}', partition: 0 },
      { value: '{"i":2}', partition: 1 },
    ]);
    const groupId = unique("g-idle");
    const sink = new RecordingSink<KafkaRecord<{ i: number }>>();
    const env = new Env();
    env.from(kafkaSource<{ i: number }>({ brokers, groupId, topics: topic, maxWaitTimeMs: 100 })).to(sink);
    const run = env.run();
    while (sink.records.length < 2) await new Promise((r) => setTimeout(r, 20));
    // the topic is idle now: the source waits in consume()
    await new Promise((r) => setTimeout(r, 300));
    const stopped = env.stop();
    const report = await run;
    await stopped;
    expect(report.status).toBe("stopped");
    expect(await fx.committed(groupId, topic)).toEqual(
      new Map([
        [0, 1],
        [1, 1],
      ]),
    );
    // lag per partition in the report: everything acknowledged, nothing behind
    const parts = report.nodes.find((n) => n.kind === "source")!.partitions!;
    expect(parts.map((p) => [p.partition, p.lag, p.acked, p.committed]).sort()).toEqual([
      [0, 0, 1, 1],
      [1, 0, 1, 1],
    ]);
  });

  it("reports the lag of partitions it is behind on (metrics() and the run report)", async () => {
    const topic = await fx.topic("src-lag", 1);
    await fx.produce(
      topic,
      Array.from({ length: 5000 }, (_, i) => ({ value: JSON.stringify({ i }) })),
    );
    const source = kafkaSource({ brokers, groupId: unique("g-lag"), topics: topic, maxWaitTimeMs: 100 });
    const env = new Env({ batchSize: 100, highWaterMark: 1 });
    let maxLag = 0;
    const sink = new RecordingSink<unknown>(() => false, 10);
    env.from(source).to(sink);
    const run = env.run();
    while (sink.records.length < 1000) {
      for (const p of source.metrics().partitions) maxLag = Math.max(maxLag, p.lag);
      await new Promise((r) => setTimeout(r, 10));
    }
    await env.stop();
    await run;
    // high watermark 5000, acknowledged well below it while the sink was slow
    expect(maxLag).toBeGreaterThan(2000);
    expect(maxLag).toBeLessThanOrEqual(5000);
  });
});
