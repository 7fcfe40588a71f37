import { describe, expect, it } from "vitest";
import { PartitionState } from "../../../src/connectors/kafka/partition-state.js";

describe("PartitionState: a partition's state before the source knows anything about it", () => {
  it("is named topic:partition, not assigned, never seen (startFrom applies), not paused, offsets unknown", () => {
    const p = new PartitionState("orders.v2", 11);
    expect([p.topic, p.partition, p.id]).toEqual(["orders.v2", 11, "orders.v2:11"]);
    expect([p.assigned, p.seen, p.paused]).toEqual([false, false, false]);
    expect([p.epoch, p.gen, p.buffered]).toEqual([0, 0, 0]);
    expect([p.fetchNext, p.position, p.acked, p.committed, p.highWatermark, p.end]).toEqual([
      -1, -1, -1, -1, -1, -1,
    ]);
    expect(p.maxTs).toBe(Number.NEGATIVE_INFINITY);
  });

  it("a bounded partition at offset 0 with nothing fetched yet has not reached an end of 1", () => {
    // fetchNext unknown (-1) must not count as 'fetched up to the end': offset 0 is unread
    const p = new PartitionState("t", 0);
    p.end = 1;
    p.position = 0;
    expect(p.reachedEnd).toBe(false);
  });
});

describe("PartitionState.lag", () => {
  it("lag: log end minus the last acknowledged, else committed, else next-to-hand-out offset", () => {
    const p = new PartitionState("t", 0);
    expect(p.lag).toBeUndefined(); // never fetched
    p.highWatermark = 100;
    expect(p.lag).toBeUndefined(); // no start known
    p.position = 40;
    expect(p.lag).toBe(60);
    p.committed = 30;
    expect(p.lag).toBe(70);
    p.acked = 55;
    expect(p.lag).toBe(45);
    p.acked = 120; // log end from an older fetch
    expect(p.lag).toBe(0);
  });

  it("is unknown until a fetch told the log end, even when the position is known", () => {
    const p = new PartitionState("t", 0);
    p.position = 40;
    expect(p.lag).toBeUndefined();
  });

  it("an empty partition (log end 0) read from offset 0 has lag 0, not unknown", () => {
    const p = new PartitionState("t", 0);
    p.highWatermark = 0;
    p.position = 0;
    expect(p.lag).toBe(0);
  });

  it("counts from offset 0 when nothing is acknowledged or committed and the position is 0", () => {
    const p = new PartitionState("t", 0);
    p.highWatermark = 5;
    p.position = 0;
    expect(p.lag).toBe(5);
  });

  it("a committed offset 0 is a start: records handed out but not acknowledged still count", () => {
    const p = new PartitionState("t", 0);
    p.highWatermark = 10;
    p.committed = 0;
    p.position = 3; // offsets 0..2 handed out, not acknowledged
    expect(p.lag).toBe(10);
  });
});

describe("PartitionState.reachedEnd (bounded mode)", () => {
  it("reachedEnd: bounded partitions only, once everything before the end was handed out", () => {
    const p = new PartitionState("t", 0);
    p.position = 10;
    expect(p.reachedEnd).toBe(false); // not bounded
    p.end = 10;
    expect(p.reachedEnd).toBe(true);
    p.position = 9;
    p.fetchNext = 10;
    p.buffered = 1; // offset 9 fetched, not handed out yet
    expect(p.reachedEnd).toBe(false);
    // a transaction marker at offset 10 of an end of 11: fetched, no message, nothing buffered
    const q = new PartitionState("t", 1);
    q.end = 11;
    q.position = 10;
    q.fetchNext = 11;
    expect(q.reachedEnd).toBe(true);
    q.buffered = 2;
    expect(q.reachedEnd).toBe(false);
    expect(new PartitionState("t", 2).reachedEnd).toBe(false);
  });

  it("a partition empty at start (end 0) is finished once positioned at offset 0", () => {
    const p = new PartitionState("t", 0);
    p.end = 0;
    expect(p.reachedEnd).toBe(false); // not positioned yet
    p.position = 0;
    expect(p.reachedEnd).toBe(true);
  });

  it("is not reached while the position is unknown, even when a fetch went up to the end", () => {
    const p = new PartitionState("t", 0);
    p.end = 10;
    p.fetchNext = 10;
    expect(p.reachedEnd).toBe(false);
    p.position = 4; // offsets 4..9: fetched, no messages, nothing buffered (markers, compacted)
    expect(p.reachedEnd).toBe(true);
  });

  it("records fetched past the end do not count: only the end seen at start", () => {
    const p = new PartitionState("t", 0);
    p.end = 10;
    p.position = 7;
    p.fetchNext = 25;
    expect(p.reachedEnd).toBe(true); // min(fetchNext, end) = 10
    p.position = 6;
    p.fetchNext = 9;
    expect(p.reachedEnd).toBe(false); // offset 9 not fetched yet
  });
});
