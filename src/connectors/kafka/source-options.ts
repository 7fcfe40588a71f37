import { ConfigError } from "../../errors.js";
import { checkFunction, checkInt, checkKeys, checkOneOf, show } from "../../util/validate.js";
import { checkConnection, connectionKeys, type KafkaConnectionOptions } from "./client.js";
import type { KafkaRecord, KafkaValueFormat } from "./decode.js";
import type { KafkaExactlyOnce } from "./exactly-once.js";

/**
 * What the source uses of an exactly-once coordinator ({@link KafkaExactlyOnce}, built by
 * `kafkaExactlyOnce(...)`): it drains and commits its offsets inside the open transaction when
 * `due()`; `connect`/`disconnect` are ref-counted with the sink's.
 */
export type KafkaExactlyOnceHook = Pick<
  KafkaExactlyOnce,
  "due" | "commit" | "abort" | "connect" | "disconnect"
> &
  /** With checkpoints; a hook without it gets `commit(groupId, offsets)` at each completed checkpoint. */
  Partial<Pick<KafkaExactlyOnce, "sendCheckpointOffsets">>;

/** Where a consumer group starts reading a partition it has no committed offset for, or always. */
export type KafkaStartFrom = "committed" | "earliest" | "latest" | { timestamp: number };

/**
 * Options of {@link kafkaSource} (see docs/connectors.md, "Kafka source").
 * @typeParam T - the decoded value type.
 */
export interface KafkaSourceOptions<T = unknown> extends KafkaConnectionOptions {
  /** Consumer group id. Required. Offsets are committed for this group. */
  groupId: string;
  /** Topic name(s), or a RegExp matched against the topics that exist at start. Required. */
  topics: string | string[] | RegExp;
  /** How values are decoded. Default `"json"`. An undecodable value goes through the fault policy. */
  value?: KafkaValueFormat<T>;
  /**
   * Where to start: `"committed"` (default: the group's committed offsets, earliest for a
   * partition without one), `"earliest"`, `"latest"` or `{ timestamp }` (epoch ms: the first
   * message at or after it). Anything but `"committed"` applies to each partition the first time
   * this source is assigned it; after a rebalance, partitions resume from committed offsets.
   */
  startFrom?: KafkaStartFrom;
  /**
   * `true`: read up to the end offsets seen at start, then end (`consume()` returns `null`) once
   * every assigned partition got there. Default `false` (read forever, until `env.stop()`).
   */
  bounded?: boolean;
  /**
   * Records fetched but not yet handed to Mass, in records. At this bound the source pauses its
   * partitions (the client stops fetching them) until the buffer is half empty. Default
   * `4 * batchSize`. One fetch response in flight may add up to `maxBytes` beyond it.
   */
  maxBufferedRecords?: number;
  /** Event time of a record, epoch ms. Default the message timestamp. */
  eventTime?: (r: KafkaRecord<T>) => number;
  /** Per-partition watermark = greatest event time - `outOfOrdernessMs` - 1. Default 0. */
  outOfOrdernessMs?: number;
  /**
   * A partition that handed out nothing for this long (and holds nothing buffered) is idle: left
   * out of the source's watermark (the minimum over partitions). Default 5000; 0 = never idle.
   */
  idleTimeoutMs?: number;
  /**
   * Exactly-once Kafka to Kafka: the coordinator `kafkaExactlyOnce(...)` shared with the
   * `kafkaSink`; offsets go into its transaction instead of being committed here.
   */
  exactlyOnce?: KafkaExactlyOnce | KafkaExactlyOnceHook;
  /** Consumer session timeout, ms (a member silent this long is removed from the group). Default 30000 (kafkajs). */
  sessionTimeoutMs?: number;
  /** Heartbeat interval, ms; also how soon a rebalance is noticed. Default 3000 (kafkajs). */
  heartbeatIntervalMs?: number;
  /**
   * Longest wait of a fetch for data, ms; also bounds the wait of `disconnect`, and how long
   * kafkajs idles when every partition is paused for backpressure (so it is short). Default 100.
   */
  maxWaitTimeMs?: number;
  /** Most bytes one fetch response may carry (kafkajs `maxBytes`). Default 10 MiB. */
  maxBytes?: number;
  /**
   * Most bytes one fetch may bring per partition (kafkajs `maxBytesPerPartition`). Default
   * 256 KiB (kafkajs' 1 MiB would bring ~5,000 records of 200 bytes per partition per fetch, far
   * past `maxBufferedRecords`).
   */
  maxBytesPerPartition?: number;
  /** Display name of the source. Default `"kafka"`. */
  name?: string;
}

/** The source's own option names (beside the connection's). @internal */
export const sourceKeys = [
  "groupId",
  "topics",
  "value",
  "startFrom",
  "bounded",
  "maxBufferedRecords",
  "eventTime",
  "outOfOrdernessMs",
  "idleTimeoutMs",
  "exactlyOnce",
  "sessionTimeoutMs",
  "heartbeatIntervalMs",
  "maxWaitTimeMs",
  "maxBytes",
  "maxBytesPerPartition",
  "name",
] as const;

/** Options with defaults filled in (`maxBufferedRecords` stays open until the batch size is known). @internal */
export interface ResolvedSourceOptions<T> extends KafkaSourceOptions<T> {
  value: KafkaValueFormat<T>;
  startFrom: KafkaStartFrom;
  bounded: boolean;
  outOfOrdernessMs: number;
  idleTimeoutMs: number;
  maxWaitTimeMs: number;
  maxBytesPerPartition: number;
}

/**
 * Checks and completes the options of a Kafka source.
 * @throws ConfigError naming the option (and the closest valid name for a misspelt one).
 * @internal
 */
export function resolveSourceOptions<T>(options: KafkaSourceOptions<T>): ResolvedSourceOptions<T> {
  const path = "kafkaSource(options)";
  if (options === null || typeof options !== "object") {
    throw new ConfigError(`${path}: options must be an object, got ${show(options)}`, { option: path });
  }
  checkKeys(path, options, [...connectionKeys, ...sourceKeys]);
  checkConnection(path, options);
  const o = options;
  if (typeof o.groupId !== "string" || o.groupId === "") {
    throw new ConfigError(
      `${path}.groupId must be a non-empty string (the consumer group), got ${show(o.groupId)}`,
      {
        option: `${path}.groupId`,
      },
    );
  }
  const t = o.topics;
  const okTopics =
    t instanceof RegExp ||
    (typeof t === "string" && t !== "") ||
    (Array.isArray(t) && t.length > 0 && t.every((x) => typeof x === "string" && x !== ""));
  if (!okTopics) {
    throw new ConfigError(
      `${path}.topics must be a topic name, a non-empty array of names or a RegExp, got ${show(t)}`,
      { option: `${path}.topics` },
    );
  }
  const value = o.value ?? "json";
  if (typeof value !== "function") checkOneOf(`${path}.value`, value, ["json", "string", "buffer"]);
  const startFrom = o.startFrom ?? "committed";
  if (typeof startFrom === "object" && startFrom !== null) {
    checkKeys(`${path}.startFrom`, startFrom, ["timestamp"]);
    if (
      typeof startFrom.timestamp !== "number" ||
      !Number.isFinite(startFrom.timestamp) ||
      startFrom.timestamp < 0
    ) {
      throw new ConfigError(
        `${path}.startFrom.timestamp must be an epoch time in ms >= 0, got ${show(startFrom.timestamp)}`,
        { option: `${path}.startFrom.timestamp` },
      );
    }
  } else checkOneOf(`${path}.startFrom`, startFrom, ["committed", "earliest", "latest"]);
  if (o.bounded !== undefined && typeof o.bounded !== "boolean") {
    throw new ConfigError(`${path}.bounded must be a boolean, got ${show(o.bounded)}`, {
      option: `${path}.bounded`,
    });
  }
  if (o.maxBufferedRecords !== undefined) checkInt(`${path}.maxBufferedRecords`, o.maxBufferedRecords, 1);
  if (o.eventTime !== undefined) checkFunction(`${path}.eventTime`, o.eventTime);
  for (const k of ["outOfOrdernessMs", "idleTimeoutMs"] as const) {
    if (o[k] !== undefined) checkInt(`${path}.${k}`, o[k], 0);
  }
  for (const k of [
    "sessionTimeoutMs",
    "heartbeatIntervalMs",
    "maxWaitTimeMs",
    "maxBytes",
    "maxBytesPerPartition",
  ] as const) {
    if (o[k] !== undefined) checkInt(`${path}.${k}`, o[k], 1);
  }
  if (o.exactlyOnce !== undefined) {
    const e = o.exactlyOnce as unknown as Record<string, unknown>;
    for (const f of ["due", "commit", "abort", "connect", "disconnect"]) {
      if (e === null || typeof e !== "object" || typeof e[f] !== "function") {
        throw new ConfigError(
          `${path}.exactlyOnce must be what kafkaExactlyOnce(...) returns (it has no ${f}()), got ${show(e)}`,
          { option: `${path}.exactlyOnce` },
        );
      }
    }
  }
  if (o.name !== undefined && (typeof o.name !== "string" || o.name === "")) {
    throw new ConfigError(`${path}.name must be a non-empty string, got ${show(o.name)}`, {
      option: `${path}.name`,
    });
  }
  return {
    ...o,
    value,
    startFrom,
    bounded: o.bounded ?? false,
    outOfOrdernessMs: o.outOfOrdernessMs ?? 0,
    idleTimeoutMs: o.idleTimeoutMs ?? 5_000,
    maxWaitTimeMs: o.maxWaitTimeMs ?? 100,
    maxBytesPerPartition: o.maxBytesPerPartition ?? 262_144,
  };
}
