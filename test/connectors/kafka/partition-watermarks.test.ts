import { describe, expect, it } from "vitest";
import { PartitionState } from "../../../src/connectors/kafka/partition-state.js";
import { PartitionWatermarks } from "../../../src/connectors/kafka/partition-watermarks.js";

function part(i: number, maxTs: number, lastActive = 0, buffered = 0): PartitionState {
  const p = new PartitionState("t", i);
  p.maxTs = maxTs;
  p.lastActive = lastActive;
  p.buffered = buffered;
  return p;
}

describe("PartitionWatermarks: minimum over active partitions, with idleness (as Flink's KafkaSource)", () => {
  it("is the minimum of maxTs - outOfOrderness - 1 over the partitions", () => {
    const w = new PartitionWatermarks(100, 5000);
    expect(w.compute([part(0, 10_000), part(1, 4_000), part(2, 7_000)], 1000)).toBe(4_000 - 100 - 1);
  });

  it("has none while an active partition has handed out nothing yet", () => {
    const w = new PartitionWatermarks(0, 5000);
    expect(w.compute([part(0, 10_000), part(1, Number.NEGATIVE_INFINITY, 0)], 1000)).toBeUndefined();
    expect(w.compute([], 1000)).toBeUndefined();
  });

  it("leaves out a partition silent for idleTimeoutMs (nothing buffered), so the others drive it", () => {
    const w = new PartitionWatermarks(0, 5000);
    const silent = part(1, 2_000, 0);
    const busy = part(0, 50_000, 9_000);
    expect(w.compute([busy, silent], 4_999)).toBe(1_999);
    expect(w.isIdle(silent, 5_000)).toBe(true);
    expect(w.compute([busy, silent], 5_000)).toBe(49_999);
    // a never-seen partition goes idle too
    const fresh = part(2, Number.NEGATIVE_INFINITY, 1_000);
    expect(w.compute([busy, fresh], 6_000)).toBe(49_999);
  });

  it("does not count a partition holding buffered records as idle (paused by backpressure)", () => {
    const w = new PartitionWatermarks(0, 5000);
    const paused = part(1, 2_000, 0, 100);
    expect(w.isIdle(paused, 60_000)).toBe(false);
    expect(w.compute([part(0, 50_000, 59_000), paused], 60_000)).toBe(1_999);
  });

  it("never goes back; when every partition is idle, the most advanced one sets it", () => {
    const w = new PartitionWatermarks(0, 1000);
    const a = part(0, 10_000, 0);
    const b = part(1, 4_000, 0);
    expect(w.compute([a, b], 500)).toBe(3_999);
    expect(w.compute([a, b], 5_000)).toBe(9_999); // all idle: nothing pending anywhere
    const late = part(2, 3_000, 5_000);
    expect(w.compute([a, b, late], 5_100)).toBe(9_999); // a partition behind does not pull it back
    expect(w.compute([part(0, Number.NEGATIVE_INFINITY, 0)], 9_000)).toBe(9_999);
  });

  it("idleTimeoutMs 0: never idle", () => {
    const w = new PartitionWatermarks(0, 0);
    expect(w.isIdle(part(0, 1, 0), 1e12)).toBe(false);
    expect(w.compute([part(0, 1_000, 0), part(1, 500, 0)], 1e12)).toBe(499);
  });

  it("bounded: a partition read to its end (restored at its end offset, or empty) holds nothing back", () => {
    const w = new PartitionWatermarks(0, 0); // never idle: only the end can release it
    const busy = part(0, 50_000, 0);
    const done = part(1, Number.NEGATIVE_INFINITY, 0); // handed out nothing in this run
    done.end = 120;
    done.position = 120;
    expect(w.compute([busy, done], 1)).toBe(49_999);
    // not at its end yet: it still holds the watermark back
    const w2 = new PartitionWatermarks(0, 0);
    const behind = part(1, Number.NEGATIVE_INFINITY, 0);
    behind.end = 120;
    behind.position = 100;
    expect(w2.compute([busy, behind], 1)).toBeUndefined();
  });
});
