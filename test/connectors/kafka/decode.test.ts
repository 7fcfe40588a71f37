import { describe, expect, it } from "vitest";
import {
  decodeHeaders,
  decodeMessage,
  type RawMessage,
  undecodable,
  valueDecoder,
} from "../../../src/connectors/kafka/decode.js";
import { KafkaError } from "../../../src/connectors/kafka/errors.js";

const msg = (value: Buffer | null, extra: Partial<RawMessage> = {}): RawMessage => ({
  key: Buffer.from("k1"),
  value,
  timestamp: "1700000000123",
  offset: "42",
  headers: { a: Buffer.from("x"), b: "y", c: [Buffer.from("first"), Buffer.from("last")], d: undefined },
  ...extra,
});

describe("Kafka source decoding", () => {
  it("json (default): parses UTF-8 JSON; a tombstone is null", () => {
    const d = valueDecoder<unknown>("json");
    const r = decodeMessage("t", 3, msg(Buffer.from('{"a":[1,"é"]}')), d, ["b:1"]);
    expect(r).toEqual({
      key: "k1",
      value: { a: [1, "é"] },
      topic: "t",
      partition: 3,
      offset: "42",
      timestamp: 1_700_000_000_123,
      headers: { a: "x", b: "y", c: "last" },
    });
    expect(decodeMessage("t", 0, msg(null, { key: null }), d, []).value).toBeNull();
    expect(decodeMessage("t", 0, msg(null, { key: null }), d, []).key).toBeNull();
  });

  it("string and buffer", () => {
    const bytes = Buffer.from([0x68, 0x69]);
    expect(decodeMessage("t", 0, msg(bytes), valueDecoder("string"), []).value).toBe("hi");
    expect(decodeMessage("t", 0, msg(bytes), valueDecoder("buffer"), []).value).toBe(bytes);
    expect(decodeMessage("t", 0, msg(null), valueDecoder("string"), []).value).toBeNull();
  });

  it("a function gets the raw value and the message's coordinates", () => {
    const seen: unknown[] = [];
    const d = valueDecoder((v, m) => {
      seen.push(m);
      return v!.length;
    });
    expect(decodeMessage("orders", 2, msg(Buffer.from("abcd")), d, []).value).toBe(4);
    expect(seen).toEqual([
      {
        topic: "orders",
        partition: 2,
        offset: "42",
        key: "k1",
        timestamp: 1_700_000_000_123,
        headers: { a: "x", b: "y", c: "last" },
      },
    ]);
  });

  it("an undecodable value throws a KafkaError naming topic, partition and offset, not retriable", () => {
    const err = (() => {
      try {
        decodeMessage("orders", 1, msg(Buffer.from("{nope")), valueDecoder("json"), ["127.0.0.1:9092"]);
      } catch (e) {
        return e;
      }
    })() as KafkaError;
    expect(err).toBeInstanceOf(KafkaError);
    expect(err.retriable).toBe(false);
    expect([err.topic, err.partition, err.offset]).toEqual(["orders", 1, "42"]);
    expect(err.message).toMatch(/topic "orders", partition 1, offset 42/);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it("the dead letter of an undecodable message keeps its coordinates and raw bytes", () => {
    const bad = Buffer.from([0xff, 0xfe, 0x41]);
    const u = undecodable("orders", 1, msg(bad));
    expect(u).toMatchObject({
      topic: "orders",
      partition: 1,
      offset: "42",
      key: "k1",
      timestamp: 1_700_000_000_123,
    });
    expect(Buffer.from(u.valueBase64!, "base64")).toEqual(bad);
    expect(undecodable("t", 0, msg(Buffer.from("{x"))).valueBase64).toBeUndefined();
    expect(undecodable("t", 0, msg(Buffer.from("{x"))).value).toBe("{x");
  });

  it("headers: absent -> {}", () => {
    expect(decodeHeaders(undefined)).toEqual({});
  });
});
