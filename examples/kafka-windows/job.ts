/**
 * The Kafka windows job: JSON click events from one topic -> per user, tumbling event-time
 * windows of 10 s (clicks, total amount, largest amount) -> result records on another topic,
 * keyed by user. Event time is the event's own `ts` field, with 2 s of out-of-orderness allowed:
 * a window is written once the watermark passed its end (at the latest when the bounded input
 * ends).
 */
import { type KafkaRecord, kafkaSink, kafkaSource } from "../../src/connectors/kafka/index.js";
import { count, type Env, max, sum, tumbling } from "../../src/index.js";

/** One input event. */
export interface Click {
  user: string;
  amount: number;
  /** Event time, ms since the epoch. */
  ts: number;
}

/** One output record: a user's window. */
export interface UserWindow {
  user: string;
  windowStart: string;
  windowEnd: string;
  clicks: number;
  total: number;
  largest: number;
}

/** Window size, ms. */
export const WINDOW_MS = 10_000;

/** Builds the job on `env`: `input` topic to `output` topic, reading the whole input (bounded). */
export function buildJob(env: Env, brokers: string[], input: string, output: string, groupId: string): void {
  env
    .from(
      kafkaSource<Click>({
        brokers,
        topics: input,
        groupId,
        startFrom: "earliest",
        bounded: true,
        // the source's watermark (minimum over partitions) follows the events' time too
        eventTime: (r) => r.value.ts,
        outOfOrdernessMs: 2_000,
      }),
    )
    .map((r: KafkaRecord<Click>) => r.value)
    // windows read record time from withTimestamps (the source's own per-partition watermarks
    // do not stamp records): event time = the event's ts, 2 s of out-of-orderness allowed
    .withTimestamps((c) => c.ts, { maxOutOfOrderness: 2_000 })
    .keyBy((c) => c.user)
    .window(tumbling(WINDOW_MS))
    .agg({ clicks: count(), total: sum((c: Click) => c.amount), largest: max((c: Click) => c.amount) })
    .map(
      (w): UserWindow => ({
        user: String(w.key),
        windowStart: new Date(w.window.start).toISOString(),
        windowEnd: new Date(w.window.end).toISOString(),
        clicks: w.clicks as number,
        total: w.total as number,
        largest: w.largest as number,
      }),
    )
    .to(kafkaSink<UserWindow>({ brokers, topic: output, key: (w) => w.user }));
}
