import { describe, expect, inject, it } from "vitest";
import { KafkaError, kafkaExactlyOnce, kafkaSink } from "../../../src/connectors/kafka/index.js";
import { ConfigError, Env } from "../../../src/index.js";
import { createTopic, groupOffsets, readTopic, uniqueTopic } from "./sink-kit.js";

const brokers = inject("kafkaBrokers");

function messages(from: number, to: number) {
  return Array.from({ length: to - from }, (_, i) => ({
    key: `k${(from + i) % 5}`,
    value: String(from + i),
  }));
}

describe("kafkaExactlyOnce", () => {
  it("commit puts the messages and the consumed offsets in one transaction: read_committed sees the messages only after it", async () => {
    const out = uniqueTopic("eos-out");
    const input = uniqueTopic("eos-in");
    await createTopic(brokers, out, 2);
    await createTopic(brokers, input, 2);
    const eos = kafkaExactlyOnce({
      brokers,
      transactionalId: uniqueTopic("tx-commit"),
      commitIntervalMs: 60_000,
    });
    await eos.connect();
    try {
      await eos.send([{ topic: out, messages: messages(0, 100) }]);
      await eos.send([{ topic: out, messages: messages(100, 250) }]);
      // open transaction: a read_committed reader sees nothing, a read_uncommitted one sees all
      expect(await readTopic(brokers, out, 0, { settleMs: 1500 })).toEqual([]);
      expect(await readTopic(brokers, out, 250, { isolation: "read_uncommitted", settleMs: 0 })).toHaveLength(
        250,
      );
      const group = uniqueTopic("g");
      await eos.commit(group, [
        {
          topic: input,
          partitions: [
            { partition: 0, offset: "17" },
            { partition: 1, offset: "42" },
          ],
        },
      ]);
      const got = await readTopic(brokers, out, 250);
      expect(got.map((m) => Number(m.value)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 250 }, (_, i) => i),
      );
      const offsets = await groupOffsets(brokers, group, input);
      expect(Object.fromEntries(offsets)).toEqual({ 0: "17", 1: "42" });
    } finally {
      await eos.disconnect();
    }
  });

  it("abort: the transaction's messages are never seen by read_committed readers", async () => {
    const out = uniqueTopic("eos-abort");
    await createTopic(brokers, out, 1);
    const eos = kafkaExactlyOnce({ brokers, transactionalId: uniqueTopic("tx-abort") });
    await eos.connect();
    try {
      await eos.send([{ topic: out, messages: messages(0, 50) }]);
      await eos.abort();
      await eos.send([{ topic: out, messages: messages(50, 60) }]);
      await eos.commit("g-abort", []);
      const got = await readTopic(brokers, out, 10);
      expect(got.map((m) => Number(m.value)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 10 }, (_, i) => 50 + i),
      );
      expect(await readTopic(brokers, out, 60, { isolation: "read_uncommitted", settleMs: 0 })).toHaveLength(
        60,
      );
    } finally {
      await eos.disconnect();
    }
  });

  it("a second producer with the same transactionalId fences the first: its commit fails retriably and its messages are aborted", async () => {
    const out = uniqueTopic("eos-fence");
    await createTopic(brokers, out, 1);
    const id = uniqueTopic("tx-fence");
    const zombie = kafkaExactlyOnce({ brokers, transactionalId: id, retry: { retries: 1 } });
    const successor = kafkaExactlyOnce({ brokers, transactionalId: id });
    await zombie.connect();
    try {
      await zombie.send([{ topic: out, messages: messages(0, 20) }]);
      await successor.connect(); // fences the zombie and aborts its open transaction
      const err = await zombie.commit("g-fence", []).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).retriable).toBe(true);
      expect((err as KafkaError).message).toMatch(/transaction aborted/);
      await successor.send([{ topic: out, messages: messages(100, 110) }]);
      await successor.commit("g-fence", []);
      // the zombie stays failed: a later send fails too, nothing more is written by it
      await expect(zombie.send([{ topic: out, messages: messages(200, 201) }])).rejects.toBeInstanceOf(
        KafkaError,
      );
      const got = await readTopic(brokers, out, 10);
      expect(got.map((m) => Number(m.value)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 10 }, (_, i) => 100 + i),
      );
    } finally {
      await zombie.disconnect();
      await successor.disconnect();
    }
  });

  it("due() counts sink batches (commitEveryBatches) and the interval", async () => {
    const out = uniqueTopic("eos-due");
    await createTopic(brokers, out, 1);
    const eos = kafkaExactlyOnce({
      brokers,
      transactionalId: uniqueTopic("tx-due"),
      commitIntervalMs: 60_000,
      commitEveryBatches: 2,
    });
    await eos.connect();
    try {
      expect(eos.due()).toBe(false);
      await eos.send([{ topic: out, messages: messages(0, 1) }]);
      expect(eos.due()).toBe(false);
      await eos.send([{ topic: out, messages: messages(1, 2) }]);
      expect(eos.due()).toBe(true);
      await eos.commit("g-due", []);
      expect(eos.due()).toBe(false);
    } finally {
      await eos.disconnect();
    }
    const short = kafkaExactlyOnce({
      brokers,
      transactionalId: uniqueTopic("tx-due2"),
      commitIntervalMs: 200,
    });
    await short.connect();
    try {
      expect(short.due()).toBe(false);
      await new Promise((r) => setTimeout(r, 250));
      expect(short.due()).toBe(true);
    } finally {
      await short.disconnect();
    }
  });

  it("kafkaSink with exactlyOnce writes into the open transaction; the last disconnect aborts what no source committed", async () => {
    const out = uniqueTopic("eos-sink");
    await createTopic(brokers, out, 3);
    const eos = kafkaExactlyOnce({
      brokers,
      transactionalId: uniqueTopic("tx-sink"),
      commitIntervalMs: 60_000,
    });
    await eos.connect(); // the test plays the source: it holds a reference and commits
    const input = Array.from({ length: 3000 }, (_, i) => ({ id: i }));
    await new Env({ batchSize: 256 })
      .from(input)
      .to(
        kafkaSink<{ id: number }>({ brokers, topic: out, key: (r) => String(r.id % 10), exactlyOnce: eos }),
      );
    expect(await readTopic(brokers, out, 0, { settleMs: 1500 })).toEqual([]);
    await eos.commit("g-sink", []);
    const got = await readTopic(brokers, out, input.length);
    expect(got.map((m) => JSON.parse(m.value!).id as number).sort((a, b) => a - b)).toEqual(
      input.map((r) => r.id),
    );

    // a job whose transaction nobody commits: the sink's cleanup drops the last reference
    const lost = uniqueTopic("eos-sink-abort");
    await createTopic(brokers, lost, 1);
    await eos.disconnect();
    await new Env().from([1, 2, 3]).to(kafkaSink<number>({ brokers, topic: lost, exactlyOnce: eos }));
    expect(await readTopic(brokers, lost, 0, { settleMs: 1500 })).toEqual([]);
    expect(await readTopic(brokers, lost, 3, { isolation: "read_uncommitted", settleMs: 0 })).toHaveLength(3);
  });

  it("rejects bad options with a ConfigError", () => {
    expect(() => kafkaExactlyOnce({ brokers, transactionalId: "" })).toThrow(ConfigError);
    expect(() =>
      kafkaExactlyOnce({ brokers, transactionalId: "x", commitIntervalMS: 5 } as unknown as Parameters<
        typeof kafkaExactlyOnce
      >[0]),
    ).toThrow(/did you mean "commitIntervalMs"/);
  });
});
