import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KafkaRecord, kafkaSource } from "../../../src/connectors/kafka/index.js";
import { count, Env, tumbling } from "../../../src/index.js";
import { KafkaFixture, unique } from "./source-helpers.js";

const brokers = inject("kafkaBrokers");
const fx = new KafkaFixture(brokers);
beforeAll(() => fx.connect());
afterAll(() => fx.close());

const T0 = 1_700_000_000_000; // a multiple of 1000

/**
 * Partition 0: one message a second of event time from T0 on, produced on and on; partition 1:
 * one message at T0, then silence. Runs an unbounded job with 1 s tumbling windows on the source's
 * watermarks, and returns the windows that fired before the job was stopped.
 */
async function windowsBeforeStop(idleTimeoutMs: number): Promise<number[]> {
  const topic = await fx.topic("src-wm", 2);
  await fx.produce(topic, [
    ...[0, 1, 2, 3, 4, 5].map((s) => ({ value: "{}", partition: 0, timestamp: String(T0 + s * 1000) })),
    { value: "{}", partition: 1, timestamp: String(T0) },
  ]);
  const source = kafkaSource({
    brokers,
    groupId: unique("g-wm"),
    topics: topic,
    idleTimeoutMs,
    maxWaitTimeMs: 100,
  });
  const env = new Env({ batchSize: 16 });
  const fired: number[] = [];
  let read = 0;
  env
    .from(source)
    .tap(() => {
      read++;
    })
    // event time from the message; watermarks from the source (per partition, with idleness)
    .withTimestamps((r: KafkaRecord) => r.timestamp, { maxOutOfOrderness: Number.POSITIVE_INFINITY })
    .window(tumbling(1000))
    .agg({ n: count() })
    .tap((w) => {
      fired.push(w.window.start - T0);
    })
    .toArray();
  const run = env.run();
  let ended: unknown = null;
  run.then(
    () => {
      ended = new Error("the job ended before it read the 7 seeded messages");
    },
    (err: unknown) => {
      ended = err;
    },
  );
  // wait for the event (7 records read), not a time; a run that ends or fails first fails the test
  while (read < 7) {
    if (ended !== null) throw ended;
    await new Promise((r) => setTimeout(r, 20));
  }
  // partition 0 stays active (a message every 100 ms, event time going on from T0 + 6000) while
  // partition 1 stays silent long enough to go idle (idleTimeoutMs 400)
  for (let k = 0; k < 15; k++) {
    await fx.produce(topic, [{ value: "{}", partition: 0, timestamp: String(T0 + 6000 + k * 1000) }]);
    await new Promise((r) => setTimeout(r, 100));
  }
  const before = [...fired];
  await env.stop();
  await run;
  return before.sort((a, b) => a - b);
}

describe("kafkaSource: per-partition watermarks", () => {
  it("a silent partition goes idle and the active one drives the watermark: windows fire while running", async () => {
    // watermark = partition 0's max - 1: the windows of its first records fire
    const fired = await windowsBeforeStop(400);
    expect(fired.slice(0, 5)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it("without idleness the silent partition holds the watermark back (minimum over partitions)", async () => {
    // watermark = partition 1's max (T0) - 1 while partition 0 goes on: no window fires before the end
    expect(await windowsBeforeStop(0)).toEqual([]);
  });
});
