import { describe, expect, it } from "vitest";
import { kafkaSource } from "../../../src/connectors/kafka/index.js";
import { ConnectorError } from "../../../src/errors.js";

const make = () => kafkaSource({ brokers: ["127.0.0.1:9092"], groupId: "g", topics: "t" });

describe("kafkaSource checkpoint positions (no broker needed)", () => {
  it("a source that has read nothing snapshots an empty position", () => {
    expect(make().snapshotPosition()).toEqual({});
  });

  it("restorePosition accepts what snapshotPosition writes and rejects anything else naming the shape", () => {
    const s = make();
    expect(() => s.restorePosition({ "orders:0": 12, "orders.v2:11": 0 })).not.toThrow();
    for (const bad of [
      null,
      5,
      "x",
      [1],
      { orders: 3 },
      { "orders:0": -1 },
      { "orders:0": 1.5 },
      { "o:0": "3" },
    ]) {
      expect(() => s.restorePosition(bad)).toThrow(ConnectorError);
    }
    expect(() => s.restorePosition({ "t:x": 1 })).toThrow(/expected \{ "topic:partition": offset \}/);
  });
});
