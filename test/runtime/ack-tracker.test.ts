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

describe("AckTracker edge cases", () => {
  it("an out-of-order release while an ack is in flight does not lose the position waiting to be acked", async () => {
    const calls: number[] = [];
    const resolvers: (() => void)[] = [];
    const t = new AckTracker(
      (p) =>
        new Promise<void>((r) => {
          calls.push(p);
          resolvers.push(r);
        }),
    );
    const [a, b, c, d] = [t.next(1), t.next(1), t.next(1), t.next(1)];
    a.release(); // ack(1) in flight
    b.release(); // 2 is wanted next
    d.release(); // done, but behind c: changes nothing yet
    // the ack calls follow each resolution within a few microtasks (no timers involved)
    const callsReach = async (n: number) => {
      for (let i = 0; calls.length < n; i++) {
        if (i > 100) throw new Error(`ack calls stuck at ${JSON.stringify(calls)}, expected ${n}`);
        await Promise.resolve();
      }
    };
    resolvers[0]();
    await callsReach(2);
    expect(calls).toEqual([1, 2]);
    c.release();
    resolvers[1]();
    await callsReach(3);
    resolvers[2]();
    await t.drained();
    expect(calls).toEqual([1, 2, 4]);
  });

  it("complete is false while the last ack is in flight, and after a failed ack", async () => {
    let resolve!: () => void;
    const t = new AckTracker(() => new Promise<void>((r) => (resolve = r)));
    const a = t.next(2);
    a.release();
    expect(t.complete).toBe(false);
    resolve();
    await t.flush();
    expect(t.complete).toBe(true);
    const failing = new AckTracker(() => {
      throw new Error("no");
    });
    failing.next(1).release();
    expect(failing.complete).toBe(false);
    expect(failing.ackedPosition).toBe(0);
  });

  it("drained() waits for the prefix, and can be awaited again after more batches", async () => {
    const t = new AckTracker(() => {});
    const [a, b] = [t.next(1), t.next(1)];
    let resolved = false;
    const first = t.drained().then(() => {
      resolved = true;
    });
    b.release();
    await Promise.resolve();
    await Promise.resolve();
    expect(resolved).toBe(false);
    a.release();
    await first;
    expect(resolved).toBe(true);
    const c = t.next(3);
    const second = t.drained();
    c.release();
    await second;
    expect(t.ackedPosition).toBe(5);
  });

  it("a first batch of no records, once released, completes the tracker: drained() resolves without an ack call", async () => {
    const calls: number[] = [];
    const t = new AckTracker((p) => {
      calls.push(p);
    });
    const empty = t.next(0);
    let drained = false;
    void t.drained().then(() => {
      drained = true;
    });
    await new Promise<void>((r) => setImmediate(r));
    expect(drained).toBe(false);
    empty.release();
    await new Promise<void>((r) => setImmediate(r));
    expect(drained).toBe(true);
    expect(t.complete).toBe(true);
    expect(calls).toEqual([]);
  });

  it("flush() resolves when no ack failed", async () => {
    const t = new AckTracker(async () => {});
    t.next(1).release();
    await expect(t.flush()).resolves.toBeUndefined();
  });
});
