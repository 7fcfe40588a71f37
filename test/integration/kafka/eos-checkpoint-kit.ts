/**
 * Helpers of the exactly-once-with-checkpoints tests: a keyed tumbling-window job Kafka -> Kafka
 * (count and sum per key per second of event time), its input, and the plain-loop reference of
 * its output.
 */
import {
  type KafkaExactlyOnce,
  type KafkaRecord,
  kafkaSink,
  kafkaSource,
} from "../../../src/connectors/kafka/index.js";
import { count, type Env, type Pipeline, sum, tumbling } from "../../../src/index.js";
import { createTopic, testKafka, uniqueTopic } from "./sink-kit.js";

/** One input event. */
export interface Ev {
  key: string;
  ts: number;
  v: number;
}

/** One window result as written to the output topic. */
export interface WindowOut {
  key: string;
  start: number;
  n: number;
  sum: number;
}

/** Event-time origin of the input. */
const T0 = 1_700_000_000_000;

/** `n` events, keys `k0..k19`, 5 ms of event time apart (200 a second), in time order. */
export function events(n: number): Ev[] {
  return Array.from({ length: n }, (_, i) => ({ key: `k${(i * 7) % 20}`, ts: T0 + i * 5, v: i % 13 }));
}

/**
 * The topics of one windowed-job test named `name`: a 1-partition input holding `evs`, an empty
 * 2-partition output, and a consumer group id of its own.
 */
export async function jobTopics(
  brokers: string[],
  name: string,
  evs: Ev[],
): Promise<{ input: string; output: string; groupId: string }> {
  const input = await seedEvents(brokers, `${name}-in`, evs);
  const output = uniqueTopic(`${name}-out`);
  await createTopic(brokers, output, 2);
  return { input, output, groupId: uniqueTopic(name) };
}

/**
 * Produces `evs` to a new one-partition topic (one partition: the events stay in time order,
 * so the windows fire while the job runs; withTimestamps gives each record its time).
 */
export async function seedEvents(brokers: string[], prefix: string, evs: Ev[]): Promise<string> {
  const topic = uniqueTopic(prefix);
  await createTopic(brokers, topic, 1);
  const producer = testKafka(brokers).producer();
  await producer.connect();
  try {
    for (let i = 0; i < evs.length; i += 5000) {
      await producer.send({
        topic,
        acks: -1,
        messages: evs.slice(i, i + 5000).map((e) => ({ key: e.key, value: JSON.stringify(e) })),
      });
    }
  } finally {
    await producer.disconnect();
  }
  return topic;
}

/** The windows a correct job writes for `evs` (a plain loop), as sorted JSON lines. */
export function reference(evs: Ev[]): string[] {
  const acc = new Map<string, WindowOut>();
  for (const e of evs) {
    const start = e.ts - (e.ts % 1000);
    const id = `${e.key}@${start}`;
    let w = acc.get(id);
    if (w === undefined) {
      w = { key: e.key, start, n: 0, sum: 0 };
      acc.set(id, w);
    }
    w.n++;
    w.sum += e.v;
  }
  return [...acc.values()].map((w) => JSON.stringify(w)).sort();
}

/** Output messages (values) as sorted canonical JSON lines. */
export function lines(values: (string | null)[]): string[] {
  return values
    .map((v) => {
      const w = JSON.parse(v!) as WindowOut;
      return JSON.stringify({ key: w.key, start: w.start, n: w.n, sum: w.sum });
    })
    .sort();
}

export interface WindowJobOptions {
  brokers: string[];
  input: string;
  output: string;
  groupId: string;
  eos: KafkaExactlyOnce;
  /** Resolves (the source's map awaits it) before each record: pacing for the tests. */
  pace?: (i: number) => Promise<void> | undefined;
}

/**
 * Kafka (bounded, read_committed, offsets in the transaction) -> withTimestamps -> keyBy ->
 * tumbling 1 s -> count + sum -> Kafka (transactional). The same code gives the same operator
 * ids (the source and the sink are named).
 */
export function windowJob(env: Env, o: WindowJobOptions): Pipeline {
  let i = 0;
  const pace = o.pace;
  const source = env.from(
    kafkaSource<Ev>({
      brokers: o.brokers,
      topics: o.input,
      groupId: o.groupId,
      startFrom: "earliest",
      bounded: true,
      exactlyOnce: o.eos,
      maxWaitTimeMs: 100,
      // the source's watermark follows the events' time too (not the broker's timestamps)
      eventTime: (r) => r.value.ts,
      retry: { retries: 30, initialRetryTimeMs: 200, maxRetryTimeMs: 3000 },
    }),
    { name: "events" },
  );
  const paced =
    pace === undefined
      ? source.map((r: KafkaRecord<Ev>) => r.value)
      : source.map(async (r: KafkaRecord<Ev>) => {
          await pace(i++);
          return r.value;
        });
  return paced
    .withTimestamps((e) => e.ts)
    .keyBy((e) => e.key)
    .window(tumbling(1000))
    .agg({ n: count(), sum: sum((e: Ev) => e.v) })
    .map((w) => ({ key: w.key, start: w.window.start, n: w.n, sum: w.sum }))
    .to(
      kafkaSink<WindowOut>({
        brokers: o.brokers,
        topic: o.output,
        key: (w) => w.key,
        exactlyOnce: o.eos,
        retry: { retries: 30, initialRetryTimeMs: 200, maxRetryTimeMs: 3000 },
      }),
      { name: "windows-out" },
    );
}
