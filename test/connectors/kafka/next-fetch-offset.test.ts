import { describe, expect, it } from "vitest";
import { nextFetchOffset, PartitionState } from "../../../src/connectors/kafka/partition-state.js";

describe("nextFetchOffset (what a processed kafkajs batch proves was read)", () => {
  it("a batch with records at or after the fetched offset: the offset after its last one", () => {
    expect(nextFetchOffset({ firstOffset: "1200", lastOffset: "1655" })).toBe(1656);
    // control records only (a transaction marker): moves past it
    expect(nextFetchOffset({ firstOffset: "7", lastOffset: "7" })).toBe(8);
  });

  it("a batch delivered empty (kafkajs lastOffset() = high watermark - 1) proves nothing", () => {
    // regression: 1,656 of ~5,000 read, an empty (partial) batch said lastOffset 4,999 and the
    // bounded source counted the partition as finished
    expect(nextFetchOffset({ firstOffset: null, lastOffset: "4999" })).toBeUndefined();
    const p = new PartitionState("t", 0);
    p.end = 5000;
    p.position = 1656;
    p.fetchNext = 1656;
    const next = nextFetchOffset({ firstOffset: null, lastOffset: "4999" });
    if (next !== undefined && next > p.fetchNext) p.fetchNext = next;
    expect(p.reachedEnd).toBe(false);
  });

  it("only records before the fetched offset (kafkajs lastOffset() = the fetched offset) proves nothing", () => {
    expect(nextFetchOffset({ firstOffset: null, lastOffset: "300" })).toBeUndefined();
  });
});

describe("nextFetchOffset: offsets that are not offsets", () => {
  it("a last offset below the first offset of the batch proves nothing", () => {
    expect(nextFetchOffset({ firstOffset: "10", lastOffset: "5" })).toBeUndefined();
  });

  it("a last offset that is not a number proves nothing", () => {
    expect(nextFetchOffset({ firstOffset: "10", lastOffset: "x" })).toBeUndefined();
  });
});
