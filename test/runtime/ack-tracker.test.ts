import { describe, expect, it } from "vitest";
import { AckTracker, releaseAll, retainAll } from "../../src/runtime/ack.js";

describe("AckTracker", () => {
  it("a batch that finishes before an earlier one is not acknowledged until the earlier one is", () => {
    const acks: number[] = [];
    const t = new AckTracker((p) => {
      acks.push(p);
    });
    const a = t.next(3); // records 0..2
    const b = t.next(2); // records 3..4
    const c = t.next(4); // records 5..8
    b.release();
    expect(acks).toEqual([]);
    c.release();
    expect(acks).toEqual([]);
    a.release();
    // one ack for the whole handled prefix, at its end
    expect(acks).toEqual([9]);
    expect(t.ackedPosition).toBe(9);
    expect(t.complete).toBe(true);
  });

  it("acks the longest handled prefix, in order, and never past a batch still held", () => {
    const acks: number[] = [];
    const t = new AckTracker((p) => {
      acks.push(p);
    });
    const tokens = [t.next(1), t.next(1), t.next(1), t.next(1)];
    retainAll([tokens[1]]); // a second envelope holds batch 1
    tokens[0].release();
    expect(acks).toEqual([1]);
    tokens[1].release();
    tokens[2].release();
    expect(acks).toEqual([1]);
    releaseAll([tokens[1]]);
    expect(acks).toEqual([1, 3]);
    expect(t.complete).toBe(false);
    tokens[3].release();
    expect(acks).toEqual([1, 3, 4]);
    expect(t.emittedPosition).toBe(4);
  });

  it("with an async ack, calls wait for the one in flight and then jump to the newest position", async () => {
    const calls: number[] = [];
    const resolvers: (() => void)[] = [];
    const t = new AckTracker(
      (p) =>
        new Promise<void>((r) => {
          calls.push(p);
          resolvers.push(r);
        }),
    );
    const [a, b, c] = [t.next(1), t.next(1), t.next(1)];
    a.release();
    b.release();
    c.release();
    expect(calls).toEqual([1]);
    expect(t.ackedPosition).toBe(0);
    const drained = t.drained();
    resolvers[0]();
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toEqual([1, 3]);
    expect(t.ackedPosition).toBe(1);
    expect(t.complete).toBe(false);
    resolvers[1]();
    await drained;
    expect(t.ackedPosition).toBe(3);
    expect(t.complete).toBe(true);
  });

  it("an ack that throws stops every later ack, and flush() rejects with it", async () => {
    const acks: number[] = [];
    const t = new AckTracker((p) => {
      acks.push(p);
      if (p === 2) throw new Error("commit refused");
    });
    const tokens = [t.next(1), t.next(1), t.next(1)];
    tokens[0].release();
    tokens[1].release();
    tokens[2].release();
    expect(acks).toEqual([1, 2]);
    expect(t.ackedPosition).toBe(1);
    await t.drained();
    await expect(t.flush()).rejects.toThrow(/commit refused/);
  });

  it("a rejected async ack stops later acks too", async () => {
    const acks: number[] = [];
    const t = new AckTracker(async (p) => {
      acks.push(p);
      if (p === 1) throw new Error("broker down");
    });
    const [a, b] = [t.next(1), t.next(1)];
    a.release();
    await t.drained();
    b.release();
    expect(acks).toEqual([1]);
    await expect(t.flush()).rejects.toThrow(/broker down/);
    expect(t.ackedPosition).toBe(0);
  });

  it("drained() resolves at once when nothing was emitted", async () => {
    const t = new AckTracker(() => {});
    await t.drained();
    expect(t.complete).toBe(true);
  });
});
