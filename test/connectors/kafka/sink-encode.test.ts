import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEncoder, valueEncoder } from "../../../src/connectors/kafka/encode.js";
import { KafkaError } from "../../../src/connectors/kafka/errors.js";
import { kafkaSink } from "../../../src/connectors/kafka/kafka-sink.js";
import { ConfigError } from "../../../src/index.js";

const brokers = ["127.0.0.1:9"];

describe("kafkaSink options", () => {
  it("rejects a misspelt option with a suggestion, and wrong values naming the option", () => {
    expect(() => kafkaSink({ brokers, topic: "t", keys: () => "k" } as never)).toThrow(
      /unknown option "keys" \(did you mean "key"\?\)/,
    );
    expect(() => kafkaSink({ brokers, topic: "t", compresion: "gzip" } as never)).toThrow(
      /did you mean "compression"/,
    );
    expect(() => kafkaSink({ brokers: [], topic: "t" })).toThrow(
      /kafkaSink\(options\)\.brokers must be a non-empty array/,
    );
    expect(() => kafkaSink({ brokers, topic: "" })).toThrow(/topic must not be empty/);
    expect(() => kafkaSink({ brokers, topic: 3 } as never)).toThrow(
      /topic must be a topic name or a function/,
    );
    expect(() => kafkaSink({ brokers, topic: "t", value: "avro" } as never)).toThrow(
      /value must be one of 'json', 'string', 'buffer'/,
    );
    expect(() => kafkaSink({ brokers, topic: "t", compression: "zstd" } as never)).toThrow(ConfigError);
    expect(() => kafkaSink({ brokers, topic: "t", key: "id" } as never)).toThrow(/key must be a function/);
    expect(() => kafkaSink({ brokers, topic: "t", maxAttempts: 0 })).toThrow(
      /maxAttempts must be an integer in \[1, 100\]/,
    );
    expect(() => kafkaSink({ brokers, topic: "t", exactlyOnce: {} } as never)).toThrow(
      /exactlyOnce must be the object/,
    );
    expect(kafkaSink({ brokers, topic: "t", name: "orders-out" }).name).toBe("orders-out");
  });
});

describe("kafka sink encoding", () => {
  it("json: any JSON value round-trips through the message value", () => {
    const encode = valueEncoder<unknown>("json");
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const s = encode(v) as string;
        expect(JSON.parse(s)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it("json refuses what JSON cannot represent; string and buffer refuse other types", () => {
    expect(() => valueEncoder<unknown>("json")(undefined)).toThrow(/JSON cannot represent undefined/);
    expect(() => valueEncoder<unknown>("json")({ n: 1n })).toThrow(/BigInt/);
    expect(() => valueEncoder<unknown>("string")(5)).toThrow(/needs string records, got number/);
    expect(() => valueEncoder<unknown>("buffer")("x")).toThrow(
      /needs Buffer or Uint8Array records, got string/,
    );
    const u8 = new Uint8Array([1, 2, 3]).subarray(1);
    expect([...(valueEncoder<unknown>("buffer")(u8) as Buffer)]).toEqual([2, 3]);
    expect(valueEncoder<unknown>(() => null)(1)).toBeNull();
    expect(() => valueEncoder<unknown>(() => 5 as never)(1)).toThrow(
      /must return a Buffer, a string or null/,
    );
  });

  it("builds topic, key, partition and headers from the functions; a bad part is a non-retriable KafkaError naming it and the topic", () => {
    interface R {
      id: number;
      k: unknown;
    }
    const encode = createEncoder<R>({
      topic: (r) => (r.id < 0 ? "" : `t${r.id % 2}`),
      key: (r) => r.k as string,
      partition: (r) => (r.id === 99 ? 1.5 : r.id % 3),
      headers: (r) => ({ id: String(r.id) }),
      value: "json",
    });
    expect(encode({ id: 4, k: "a" })).toEqual({
      topic: "t0",
      message: { value: '{"id":4,"k":"a"}', key: "a", partition: 1, headers: { id: "4" } },
    });
    expect(encode({ id: 5, k: null }).message.key).toBeUndefined();
    const failures: Array<[R, RegExp]> = [
      [{ id: -1, k: "a" }, /cannot encode the topic .*must be a non-empty string/],
      [
        { id: 3, k: 12 },
        /cannot encode the key .* for topic "t1": must be a string, a Buffer or null, got 12/,
      ],
      [{ id: 99, k: "a" }, /cannot encode the partition .*must be an integer >= 0, got 1.5/],
    ];
    for (const [record, message] of failures) {
      let err: unknown;
      try {
        encode(record);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).message).toMatch(message);
      expect((err as KafkaError).retriable).toBe(false);
    }
    const throwing = createEncoder<number>({
      topic: "t",
      key: () => {
        throw new RangeError("no key here");
      },
      value: "json",
    });
    expect(() => throwing(1)).toThrow(/cannot encode the key of record 1 for topic "t": no key here/);
  });
});
