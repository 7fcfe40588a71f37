import type { Message } from "kafkajs";
import { describeError, previewRecord } from "../../errors.js";
import { KafkaError } from "./errors.js";
import type { KafkaValueEncoding } from "./sink-options.js";

/** What the sink needs to turn one record into a message. @internal */
export interface EncodeSpec<T> {
  topic: string | ((record: T) => string);
  key?: ((record: T) => string | Buffer | null) | undefined;
  partition?: ((record: T) => number) | undefined;
  headers?: ((record: T) => Record<string, string>) | undefined;
  value: KafkaValueEncoding<T>;
}

/** One encoded record: its topic and the kafkajs message. @internal */
export interface Encoded {
  topic: string;
  message: Message;
}

/**
 * Builds the per-record encoder of a sink: `(record) => { topic, message }`. It throws a
 * non-retriable {@link KafkaError} naming the topic (when known), the part that failed (topic,
 * key, partition, headers, value) and a preview of the record, for `Sink.reject`.
 * @internal
 */
export function createEncoder<T>(spec: EncodeSpec<T>): (record: T) => Encoded {
  const topicOf = spec.topic;
  const keyOf = spec.key;
  const partitionOf = spec.partition;
  const headersOf = spec.headers;
  const encodeValue = valueEncoder(spec.value);
  return (record: T): Encoded => {
    let topic: string;
    if (typeof topicOf === "string") topic = topicOf;
    else {
      const t = call("topic", topicOf, record, undefined);
      if (typeof t !== "string" || t === "") {
        throw bad("topic", `must be a non-empty string, got ${previewRecord(t)}`, record, undefined);
      }
      topic = t;
    }
    const message: Message = { value: null };
    const v = call("value", encodeValue, record, topic);
    message.value = v;
    if (keyOf !== undefined) {
      const k = call("key", keyOf, record, topic);
      if (k !== null && k !== undefined) {
        if (typeof k !== "string" && !Buffer.isBuffer(k)) {
          throw bad(
            "key",
            `must be a string, a Buffer or null, got ${previewRecord(k)} (convert it: String(...))`,
            record,
            topic,
          );
        }
        message.key = k;
      }
    }
    if (partitionOf !== undefined) {
      const p = call("partition", partitionOf, record, topic);
      if (typeof p !== "number" || !Number.isInteger(p) || p < 0) {
        throw bad("partition", `must be an integer >= 0, got ${previewRecord(p)}`, record, topic);
      }
      message.partition = p;
    }
    if (headersOf !== undefined) {
      const h = call("headers", headersOf, record, topic);
      if (h !== undefined && h !== null) {
        if (typeof h !== "object" || Array.isArray(h)) {
          throw bad("headers", `must be an object of strings, got ${previewRecord(h)}`, record, topic);
        }
        for (const [name, hv] of Object.entries(h)) {
          if (typeof hv !== "string" && !Buffer.isBuffer(hv)) {
            throw bad(
              "headers",
              `header "${name}" must be a string, got ${previewRecord(hv)}`,
              record,
              topic,
            );
          }
        }
        message.headers = h;
      }
    }
    return { topic, message };
  };
}

/** The value encoder of an encoding option. @internal */
export function valueEncoder<T>(encoding: KafkaValueEncoding<T>): (record: T) => Buffer | string | null {
  if (typeof encoding === "function") {
    return (record) => {
      const v = encoding(record) as unknown;
      if (v === null || typeof v === "string" || Buffer.isBuffer(v)) return v;
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      throw new TypeError(
        `the value function must return a Buffer, a string or null, got ${previewRecord(v)}`,
      );
    };
  }
  switch (encoding) {
    case "json":
      return (record) => {
        const s = JSON.stringify(record) as string | undefined;
        if (s === undefined) {
          throw new TypeError(`JSON cannot represent ${typeof record} (value "json" needs a JSON value)`);
        }
        return s;
      };
    case "string":
      return (record) => {
        if (typeof record !== "string") {
          throw new TypeError(
            `value "string" needs string records, got ${typeof record}; use value "json" or a function`,
          );
        }
        return record;
      };
    case "buffer":
      return (record) => {
        if (Buffer.isBuffer(record)) return record;
        if (record instanceof Uint8Array)
          return Buffer.from(record.buffer, record.byteOffset, record.byteLength);
        throw new TypeError(
          `value "buffer" needs Buffer or Uint8Array records, got ${typeof record}; use value "json" or a function`,
        );
      };
  }
}

function call<T, R>(part: string, fn: (record: T) => R, record: T, topic: string | undefined): R {
  try {
    return fn(record);
  } catch (err) {
    if (err instanceof KafkaError) throw err;
    throw bad(part, describeError(err), record, topic, err);
  }
}

function bad(part: string, why: string, record: T0, topic: string | undefined, cause?: unknown): KafkaError {
  const where = topic === undefined ? "" : ` for topic "${topic}"`;
  return new KafkaError(
    `kafka sink: cannot encode the ${part} of record ${previewRecord(record)}${where}: ${why}; the record goes to the fault policy (dead letter / skip)`,
    {
      retriable: false,
      ...(topic === undefined ? {} : { topic }),
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

type T0 = unknown;
