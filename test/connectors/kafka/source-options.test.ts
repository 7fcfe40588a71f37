import { describe, expect, it } from "vitest";
import { kafkaSource } from "../../../src/connectors/kafka/index.js";
import { resolveSourceOptions } from "../../../src/connectors/kafka/source-options.js";
import { ConfigError } from "../../../src/errors.js";

const base = { brokers: ["127.0.0.1:9092"], groupId: "g", topics: "t" };

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("no ConfigError");
}

describe("kafkaSource options", () => {
  it("defaults", () => {
    const o = resolveSourceOptions(base);
    expect(o).toMatchObject({
      value: "json",
      startFrom: "committed",
      bounded: false,
      outOfOrdernessMs: 0,
      idleTimeoutMs: 5000,
      maxWaitTimeMs: 500,
    });
    expect(o.maxBufferedRecords).toBeUndefined(); // 4 * batchSize once open
    expect(kafkaSource(base).name).toBe("kafka");
    expect(kafkaSource({ ...base, name: "orders" }).name).toBe("orders");
  });

  it("a misspelt option is rejected with the closest name", () => {
    const e = configError(() => kafkaSource({ ...base, groupID: "x" } as never));
    expect(e.message).toContain('unknown option "groupID" (did you mean "groupId"?)');
    expect(configError(() => kafkaSource({ ...base, maxBufferdRecords: 5 } as never)).message).toContain(
      '"maxBufferedRecords"',
    );
  });

  it("groupId, topics and brokers are required", () => {
    expect(configError(() => kafkaSource({ ...base, groupId: "" })).option).toBe(
      "kafkaSource(options).groupId",
    );
    expect(configError(() => kafkaSource({ ...base, topics: [] })).option).toBe(
      "kafkaSource(options).topics",
    );
    expect(configError(() => kafkaSource({ ...base, brokers: [] })).option).toBe(
      "kafkaSource(options).brokers",
    );
    expect(kafkaSource({ ...base, topics: /orders-.*/ })).toBeDefined();
    expect(kafkaSource({ ...base, topics: ["a", "b"] })).toBeDefined();
  });

  it("value, startFrom and numbers are checked", () => {
    expect(configError(() => kafkaSource({ ...base, value: "avro" as never })).message).toMatch(
      /value must be one of 'json', 'string', 'buffer', got "avro"/,
    );
    expect(configError(() => kafkaSource({ ...base, startFrom: "beginning" as never })).option).toBe(
      "kafkaSource(options).startFrom",
    );
    expect(configError(() => kafkaSource({ ...base, startFrom: { timestamp: -1 } })).option).toBe(
      "kafkaSource(options).startFrom.timestamp",
    );
    expect(
      configError(() => kafkaSource({ ...base, startFrom: { timestmp: 5 } as never })).message,
    ).toContain('did you mean "timestamp"');
    expect(configError(() => kafkaSource({ ...base, maxBufferedRecords: 0 })).option).toBe(
      "kafkaSource(options).maxBufferedRecords",
    );
    expect(configError(() => kafkaSource({ ...base, idleTimeoutMs: -5 })).option).toBe(
      "kafkaSource(options).idleTimeoutMs",
    );
    expect(configError(() => kafkaSource({ ...base, bounded: "yes" as never })).option).toBe(
      "kafkaSource(options).bounded",
    );
    expect(configError(() => kafkaSource({ ...base, eventTime: 5 as never })).option).toBe(
      "kafkaSource(options).eventTime",
    );
    expect(kafkaSource({ ...base, startFrom: { timestamp: 0 }, idleTimeoutMs: 0 })).toBeDefined();
  });

  it("exactlyOnce must be a coordinator", () => {
    expect(configError(() => kafkaSource({ ...base, exactlyOnce: {} as never })).message).toContain(
      "kafkaExactlyOnce(...)",
    );
  });
});
