import { describe, expect, it } from "vitest";
import { count, StateError, tumbling } from "../../../src/index.js";
import { aggPlan } from "../../../src/runtime/windows/agg-plan.js";
import { CountWindows } from "../../../src/runtime/windows/count-windows.js";
import { SessionWindows, type SessionWindowsState } from "../../../src/runtime/windows/session-windows.js";
import type { WindowContext } from "../../../src/runtime/windows/strategy.js";
import { TimeWindows, type TimeWindowsState } from "../../../src/runtime/windows/time-windows.js";
import { aggregatorSpec } from "../../../src/states/aggregator-spec.js";

/**
 * The window strategies' own checkpoints: restore() of a state of the wrong shape fails with a
 * StateError saying what was expected (never a TypeError, never a silently wrong state), and a
 * restored state goes on as the one it was taken from.
 */

const plan = () => aggPlan(aggregatorSpec({ n: count() }));

function context(lateness = 0) {
  const fired: string[] = [];
  const ctx: WindowContext & { wm: number } = {
    wm: Number.NEGATIVE_INFINITY,
    get watermark() {
      return ctx.wm;
    },
    lateness,
    eachRecord: false,
    fire(key, window, state) {
      fired.push(`${String(key)} [${window.start}, ${window.end}) ${(state as { n: number }).n}`);
    },
    fireWindow(slots, states, n, window) {
      for (let i = 0; i < n; i++) ctx.fire(slots[i].key, window, states[i], window.end - 1);
    },
    ackWith() {},
    late() {},
    unassigned() {},
  };
  return { ctx, fired };
}

/** restore(bad) throws a StateError naming the node "w" and matching `what`. */
function refuses(restore: (s: unknown, node: string) => void, bad: unknown, what: RegExp): void {
  let err: unknown;
  try {
    restore(bad, "w");
  } catch (e) {
    err = e;
  }
  expect(err, JSON.stringify(bad)).toBeInstanceOf(StateError);
  expect((err as StateError).message, JSON.stringify(bad)).toMatch(what);
  expect((err as StateError).message).toContain('node "w"');
}

describe("count windows restore", () => {
  const valid = () => {
    const w = new CountWindows(3, plan(), context().ctx);
    w.add("a", {}, 5, null);
    return w.snapshot();
  };

  it("refuses a state of the wrong shape, saying what it expected", () => {
    const fresh = () => {
      const w = new CountWindows(3, plan(), context().ctx);
      return (s: unknown, node: string) => w.restore(s, node);
    };
    const outer = /\{ keys: \[\[key, \{ n, seq, maxTs, acc \}\], \.\.\.\] \} of count windows/;
    for (const bad of [null, 7, {}, { keys: 1 }]) refuses(fresh(), bad, outer);
    const acc = valid().keys[0][1].acc;
    const inner = /a count window \{ n, seq, maxTs, acc \}/;
    for (const c of [null, 7, { n: "1", seq: 0, maxTs: 0, acc }, { n: 1, seq: "0", maxTs: 0, acc }])
      refuses(fresh(), { keys: [["a", c]] }, inner);
  });

  it("a restored window goes on counting to its size, and its state is counted", () => {
    const { ctx, fired } = context();
    const w = new CountWindows(3, plan(), ctx);
    w.restore(valid(), "w");
    expect(w.stateCount()).toBe(1);
    w.add("a", {}, 6, null);
    w.add("b", {}, 7, null);
    expect(w.stateCount()).toBe(2);
    w.add("a", {}, 8, null);
    expect(fired).toEqual(["a [0, 3) 3"]);
  });
});

describe("session windows restore", () => {
  const valid = (lateness = 0): SessionWindowsState => {
    const w = new SessionWindows(100, plan(), context(lateness).ctx);
    w.add("a", {}, 0, null);
    w.add("a", {}, 500, null);
    return w.snapshot();
  };

  it("refuses a state of the wrong shape, saying what it expected", () => {
    const fresh = () => {
      const w = new SessionWindows(100, plan(), context().ctx);
      return (s: unknown, node: string) => w.restore(s, node);
    };
    const outer = /\{ keys: \[\[key, sessions\], \.\.\.\], timers: \[\.\.\.\] \} of session windows/;
    for (const bad of [null, 7, { keys: 1, timers: [] }, { keys: [], timers: 1 }])
      refuses(fresh(), bad, outer);
    refuses(fresh(), { keys: [["a", 1]], timers: [] }, /the sessions of key a as an array/);
    const s = valid();
    const acc = s.keys[0][1][0].acc;
    const session = /a session \{ start, end, pending, acc \}/;
    for (const x of [null, 7, { start: "0", end: 100, acc }, { start: 0, end: "100", acc }])
      refuses(fresh(), { keys: [["a", [x]]], timers: [] }, session);
    const timer = /a session timer \{ at, key, session, end, cleanup \}/;
    for (const t of [
      null,
      7,
      { at: "99", key: "a", session: 0, end: 100 },
      { at: 99, key: "a", session: "0", end: 100 },
    ])
      refuses(fresh(), { keys: s.keys, timers: [t] }, timer);
  });

  it("restored sessions are counted, fire on their timers and are purged on their purge timers", () => {
    const { ctx, fired } = context(100);
    const w = new SessionWindows(100, plan(), ctx);
    w.restore(valid(100), "w");
    expect(w.stateCount()).toBe(2);
    ctx.wm = 99;
    w.advance(ctx.wm); // [0, 100) fires; purged at 199
    expect(fired).toEqual(["a [0, 100) 1"]);
    expect(w.stateCount()).toBe(2);
    // a purge timer taken in a checkpoint is restored as one
    const again = new SessionWindows(100, plan(), context(100).ctx);
    again.restore(w.snapshot(), "w");
    again.advance(199);
    expect(again.stateCount()).toBe(1);
    ctx.wm = 199;
    w.advance(ctx.wm);
    expect(w.stateCount()).toBe(1);
  });

  it("a timer of a session merged away is written as stale (session -1) and skipped after restore", () => {
    const { ctx } = context();
    const w = new SessionWindows(100, plan(), ctx);
    w.add("a", {}, 0, null);
    w.add("a", {}, 150, null);
    w.add("a", {}, 90, null); // bridges [0, 100) and [150, 250): one session [0, 250)
    const s = w.snapshot();
    expect(s.keys).toHaveLength(1);
    expect(s.keys[0][1].map((x) => [x.start, x.end])).toEqual([[0, 250]]);
    // [0, 100)'s timer (stale: its session ends at 250 now), [150, 250)'s (merged away), [0, 250)'s
    expect(s.timers.map((t) => [t.end, t.session]).sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual([
      [100, 0],
      [250, -1],
      [250, 0],
    ]);
    const { ctx: ctx2, fired } = context();
    const r = new SessionWindows(100, plan(), ctx2);
    r.restore(s, "w");
    ctx2.wm = 249;
    r.advance(ctx2.wm);
    expect(fired).toEqual(["a [0, 250) 3"]);
    expect(r.stateCount()).toBe(0);
  });
});

describe("time windows restore", () => {
  const fresh = () => {
    const w = new TimeWindows(tumbling(1000), plan(), context().ctx);
    return (s: unknown, node: string) => w.restore(s, node);
  };
  const valid = (): TimeWindowsState => {
    const w = new TimeWindows(tumbling(1000), plan(), context().ctx);
    w.add("a", {}, 5, null);
    return w.snapshot();
  };

  it("refuses a state of the wrong shape, saying what it expected", () => {
    for (const bad of [null, 7, { buckets: 1 }])
      refuses(fresh(), bad, /\{ buckets: \[\.\.\.\] \} of time windows/);
    const st = valid().buckets[0].states;
    const bucket = /windows \{ start, end, fired, states: \[\[key, state\], \.\.\.\] \} of size 1000 ms/;
    for (const b of [
      null,
      7,
      { start: null, end: 1000, fired: false, states: st }, // null + 1000 is 1000
      { start: 0, end: 999, fired: false, states: st },
      { start: 0, end: 1000, fired: false, states: 1 },
    ])
      refuses(fresh(), { buckets: [b] }, bucket);
  });

  it("a key listed twice in a window keeps one state, the last; the key's later records go into it", () => {
    const st = valid().buckets[0].states[0][1];
    const { ctx, fired } = context();
    const w = new TimeWindows(tumbling(1000), plan(), ctx);
    w.restore(
      {
        buckets: [
          {
            start: 0,
            end: 1000,
            fired: false,
            states: [
              ["a", { ...(st as object), n: 5 }],
              ["a", st],
            ],
          },
        ],
      },
      "w",
    );
    w.addBatch(null, [{}], [10], 0, 1, null);
    w.add("a", {}, 20, null);
    w.addBatch((r) => (r as { k: string }).k, [{ k: "a" }], [30], 0, 1, null);
    w.fireAll();
    expect(fired.sort()).toEqual(["a [0, 1000) 3", "undefined [0, 1000) 1"]);
  });

  it("a key restored in two windows, the later one listed first: its in-order records go to the later window's state", () => {
    const st = valid().buckets[0].states[0][1];
    const { ctx, fired } = context();
    const w = new TimeWindows(tumbling(1000), plan(), ctx);
    w.restore(
      {
        buckets: [
          { start: 1000, end: 2000, fired: false, states: [["a", st]] },
          { start: 0, end: 1000, fired: false, states: [["a", st]] },
        ],
      },
      "w",
    );
    w.addBatch((r) => (r as { k: string }).k, [{ k: "a" }], [1500], 0, 1, null);
    w.fireAll();
    expect(fired).toEqual(["a [0, 1000) 1", "a [1000, 2000) 2"]);
  });
});
