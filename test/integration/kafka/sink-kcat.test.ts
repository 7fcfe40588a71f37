import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { kafkaExactlyOnce, kafkaSink } from "../../../src/connectors/kafka/index.js";
import { Env } from "../../../src/index.js";
import { createTopic, uniqueTopic } from "./sink-kit.js";

const run = promisify(execFile);
const brokers = inject("kafkaBrokers");

/** Debian's kcat, an independent client (librdkafka): every message of `topic` as `key<TAB>value` lines. */
async function kcatRead(topic: string, extra: string[] = []): Promise<string[]> {
  const { stdout } = await run(
    "kcat",
    ["-C", "-b", brokers.join(","), "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n", ...extra],
    { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  return stdout.split("\n").filter((l) => l !== "");
}

describe("kafkaSink read by kcat", () => {
  it("kcat consumes what Mass produced: the same messages and keys", async () => {
    const topic = uniqueTopic("sink-kcat");
    await createTopic(brokers, topic, 4);
    const input = Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `näme ${i}`, tags: [i % 3, "x"] }));
    await new Env({ batchSize: 500 })
      .from(input)
      .to(kafkaSink<(typeof input)[number]>({ brokers, topic, key: (r) => `key-${r.id % 13}` }));
    const lines = await kcatRead(topic);
    const expected = input.map((r) => `key-${r.id % 13}\t${JSON.stringify(r)}`);
    expect(lines.sort()).toEqual(expected.sort());
  });

  it("kcat with isolation.level=read_committed sees a transaction's messages only once committed", async () => {
    const topic = uniqueTopic("sink-kcat-eos");
    await createTopic(brokers, topic, 2);
    const eos = kafkaExactlyOnce({
      brokers,
      transactionalId: uniqueTopic("tx-kcat"),
      commitIntervalMs: 60_000,
    });
    await eos.connect();
    try {
      await new Env().from(["a", "b", "c"]).to(
        kafkaSink<string>({
          brokers,
          topic,
          key: (s) => s.toUpperCase(),
          value: "string",
          exactlyOnce: eos,
        }),
      );
      const committedOnly = ["-X", "isolation.level=read_committed"];
      expect(await kcatRead(topic, committedOnly)).toEqual([]);
      await eos.commit("g-kcat", []);
      expect((await kcatRead(topic, committedOnly)).sort()).toEqual(["A\ta", "B\tb", "C\tc"]);
    } finally {
      await eos.disconnect();
    }
  });
});
