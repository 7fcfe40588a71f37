import { ConfigError } from "../../errors.js";
import { checkFunction, checkInt, checkKeys, checkOneOf, show } from "../../util/validate.js";
import { checkConnection, connectionKeys, type KafkaConnectionOptions } from "./client.js";
import type { KafkaExactlyOnce } from "./exactly-once.js";

/**
 * How a record becomes a message value:
 * - `"json"` (default): `JSON.stringify(record)`, UTF-8; a record JSON cannot represent
 *   (`undefined`, a function, a BigInt, a cycle) is refused;
 * - `"string"`: the record itself, which must be a string (UTF-8);
 * - `"buffer"`: the record itself, which must be a Buffer or Uint8Array (bytes as they are);
 * - a function of the record returning a Buffer or a string, or `null` for a tombstone
 *   (a deletion marker of a compacted topic).
 * A record that cannot be encoded goes through the sink's fault policy (`Sink.reject`).
 */
export type KafkaValueEncoding<T> = "json" | "string" | "buffer" | ((record: T) => Buffer | string | null);

/** Options of {@link kafkaSink} (see docs/connectors.md, "Kafka sink"). */
export interface KafkaSinkOptions<T> extends KafkaConnectionOptions {
  /** Target topic, or a function of the record giving it (a non-empty string). Required. */
  topic: string | ((record: T) => string);
  /**
   * Message key (a string, UTF-8, or a Buffer; `null` for none). Default: no key. With the
   * default partitioner, records of one key go to one partition (murmur2 of the key, as the
   * Java client), so their order is kept.
   */
  key?: (record: T) => string | Buffer | null;
  /**
   * Target partition (an integer in `[0, partitions)` of the record's topic). Default: the
   * producer's partitioner (murmur2 of the key; keyless messages spread over the partitions).
   * A number outside the topic's partitions sends the record to the fault policy.
   */
  partition?: (record: T) => number;
  /** Message headers (string values, UTF-8). Default: none. */
  headers?: (record: T) => Record<string, string>;
  /** Value encoding (see {@link KafkaValueEncoding}). Default `"json"`. */
  value?: KafkaValueEncoding<T>;
  /** Compression of the produced record batches. Default `"none"`. */
  compression?: "none" | "gzip";
  /**
   * Write inside the transactions of this {@link KafkaExactlyOnce} (the same object given to
   * the kafkaSource of the job): exactly-once Kafka to Kafka. Without it the sink is an
   * idempotent at-least-once producer.
   */
  exactlyOnce?: KafkaExactlyOnce;
  /**
   * Attempts of one batch's produce (Mass's own retry, on top of kafkajs' `retry`) when the
   * broker answers with a retriable error (leader moved, broker down, timeout), with backoff
   * doubling from `retry.initialRetryTimeMs` (default 300 ms) up to `retry.maxRetryTimeMs`.
   * Past it `produce` fails with a retriable {@link KafkaError}, handled by the sink's fault
   * policy. Default 3. Not used with `exactlyOnce` (a failed transaction aborts instead).
   */
  maxAttempts?: number;
  /** Display name. Default `"kafka"`. */
  name?: string;
}

const SINK_KEYS = [
  ...connectionKeys,
  "topic",
  "key",
  "partition",
  "headers",
  "value",
  "compression",
  "exactlyOnce",
  "maxAttempts",
  "name",
] as const;

/** Validated sink options with defaults. @internal */
export interface ResolvedKafkaSinkOptions<T> extends KafkaSinkOptions<T> {
  value: KafkaValueEncoding<T>;
  compression: "none" | "gzip";
  maxAttempts: number;
  initialRetryTimeMs: number;
  maxRetryTimeMs: number;
}

/**
 * Validates {@link KafkaSinkOptions}.
 * @throws ConfigError naming the option (a misspelt key gets a suggestion).
 * @internal
 */
export function resolveKafkaSinkOptions<T>(options: KafkaSinkOptions<T>): ResolvedKafkaSinkOptions<T> {
  const path = "kafkaSink(options)";
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(`${path}: options must be an object with brokers and topic, got ${show(options)}`, {
      option: path,
    });
  }
  checkKeys(path, options, SINK_KEYS);
  checkConnection(path, options);
  const topic = options.topic as unknown;
  if (typeof topic === "string") {
    if (topic.trim() === "")
      throw new ConfigError(`${path}.topic must not be empty`, { option: `${path}.topic` });
  } else if (typeof topic !== "function") {
    throw new ConfigError(
      `${path}.topic must be a topic name or a function of the record, got ${show(topic)}`,
      {
        option: `${path}.topic`,
      },
    );
  }
  for (const k of ["key", "partition", "headers"] as const) {
    if (options[k] !== undefined) checkFunction(`${path}.${k}`, options[k]);
  }
  const value = options.value ?? "json";
  if (typeof value !== "function") checkOneOf(`${path}.value`, value, ["json", "string", "buffer"] as const);
  const compression = checkOneOf(`${path}.compression`, options.compression ?? "none", [
    "none",
    "gzip",
  ] as const);
  const maxAttempts = checkInt(`${path}.maxAttempts`, options.maxAttempts ?? 3, 1, 100);
  const eos = options.exactlyOnce as unknown;
  if (
    eos !== undefined &&
    (typeof eos !== "object" || eos === null || typeof (eos as { send?: unknown }).send !== "function")
  ) {
    throw new ConfigError(
      `${path}.exactlyOnce must be the object kafkaExactlyOnce(...) returns, got ${show(eos)}`,
      {
        option: `${path}.exactlyOnce`,
      },
    );
  }
  return {
    ...options,
    value,
    compression,
    maxAttempts,
    initialRetryTimeMs: options.retry?.initialRetryTimeMs ?? 300,
    maxRetryTimeMs: options.retry?.maxRetryTimeMs ?? 30_000,
  };
}
