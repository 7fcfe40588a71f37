import { describeError } from "../../errors.js";
import { KafkaError } from "./errors.js";

/**
 * What a value decoder function receives besides the value: where the message came from.
 * Offsets are kafkajs' decimal strings (Kafka offsets are 64-bit).
 */
export interface KafkaMessageMeta {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The message key as UTF-8, or `null` for a message without a key. */
  readonly key: string | null;
  /** The message timestamp (create or log-append time, as the topic says), epoch ms. */
  readonly timestamp: number;
  /** Headers as UTF-8 strings (a repeated header: its last value). */
  readonly headers: Record<string, string>;
}

/**
 * A record of {@link kafkaSource}: one Kafka message with its coordinates. `offset` is the
 * message's offset as a decimal string (kafkajs' form; Kafka offsets are 64-bit).
 * @typeParam T - the decoded value.
 */
export interface KafkaRecord<T = unknown> {
  /** The key as UTF-8, or `null`. */
  key: string | null;
  /** The value decoded as the source's `value` option says (`null` for a tombstone with `json`, `string` or `buffer`). */
  value: T;
  topic: string;
  partition: number;
  offset: string;
  /** Message timestamp, epoch ms. */
  timestamp: number;
  /** Headers as UTF-8 strings (a repeated header: its last value). */
  headers: Record<string, string>;
}

/**
 * How message values are decoded: `"json"` (default; UTF-8 JSON, a tombstone is `null`),
 * `"string"` (UTF-8), `"buffer"` (the bytes as they came), or a function of the raw value and
 * the message's coordinates.
 */
export type KafkaValueFormat<T> =
  | "json"
  | "string"
  | "buffer"
  | ((value: Buffer | null, message: KafkaMessageMeta) => T);

/** The part of a kafkajs message the source reads. @internal */
export interface RawMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  offset: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** Headers as strings: Buffers as UTF-8, a repeated header's last value. @internal */
export function decodeHeaders(h: RawMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (h === undefined) return out;
  for (const k in h) {
    let v = h[k];
    if (Array.isArray(v)) v = v[v.length - 1];
    if (v === undefined) continue;
    out[k] = typeof v === "string" ? v : v.toString("utf8");
  }
  return out;
}

/** Turns raw message values into `T`; throws on an undecodable value. @internal */
export type ValueDecoder<T> = (value: Buffer | null, meta: KafkaMessageMeta) => T;

/**
 * The decoder of a `value` option.
 * @throws Error (from `JSON.parse` or the user's function) when a value cannot be decoded; the
 *   source wraps it with {@link decodeMessage}.
 * @internal
 */
export function valueDecoder<T>(format: KafkaValueFormat<T>): ValueDecoder<T> {
  switch (format) {
    case "json":
      return (v) => (v === null ? null : JSON.parse(v.toString("utf8"))) as T;
    case "string":
      return (v) => (v === null ? null : v.toString("utf8")) as T;
    case "buffer":
      return (v) => v as T;
    default:
      return format;
  }
}

/**
 * Builds the {@link KafkaRecord} of a message.
 * @throws KafkaError (not retriable) naming topic, partition and offset when the value cannot
 *   be decoded, with the decoder's error as `cause`.
 * @internal
 */
export function decodeMessage<T>(
  topic: string,
  partition: number,
  m: RawMessage,
  decode: ValueDecoder<T>,
  brokers: readonly string[],
): KafkaRecord<T> {
  const key = m.key === null || m.key === undefined ? null : m.key.toString("utf8");
  const headers = decodeHeaders(m.headers);
  const timestamp = Number(m.timestamp);
  let value: T;
  try {
    value = decode(m.value, { topic, partition, offset: m.offset, key, timestamp, headers });
  } catch (err) {
    throw new KafkaError(
      `kafka: cannot decode the value of the message at topic "${topic}", partition ${partition}, offset ${m.offset}: ${describeError(err)}; fix the producer or choose another \`value\` format (json, string, buffer or a function)`,
      { cause: err, topic, partition, offset: m.offset, brokers, type: "DecodeError" },
    );
  }
  return { key, value, topic, partition, offset: m.offset, timestamp, headers };
}

/**
 * What goes to the fault policy (and the dead letters) for a message that cannot be decoded:
 * its coordinates and its raw bytes as UTF-8 (`valueBase64` too when they are not valid UTF-8),
 * so it can be inspected and replayed.
 */
export interface UndecodableMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  timestamp: number;
  headers: Record<string, string>;
  /** The raw value as UTF-8 text (`null` for a tombstone). */
  value: string | null;
  /** The raw value in base64 when it is not valid UTF-8. */
  valueBase64?: string;
}

/** The dead letter record of an undecodable message. @internal */
export function undecodable(topic: string, partition: number, m: RawMessage): UndecodableMessage {
  const text = m.value === null ? null : m.value.toString("utf8");
  const out: UndecodableMessage = {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null || m.key === undefined ? null : m.key.toString("utf8"),
    timestamp: Number(m.timestamp),
    headers: decodeHeaders(m.headers),
    value: text,
  };
  if (m.value !== null && !Buffer.from(text!, "utf8").equals(m.value))
    out.valueBase64 = m.value.toString("base64");
  return out;
}
