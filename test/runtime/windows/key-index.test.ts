import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, Env, list, sliding, sum, tumbling } from "../../../src/index.js";
import { aggPlan } from "../../../src/runtime/windows/agg-plan.js";
import { KeyIndex } from "../../../src/runtime/windows/key-index.js";
import type { WindowContext } from "../../../src/runtime/windows/strategy.js";
import { TimeWindows } from "../../../src/runtime/windows/time-windows.js";
import { aggregatorSpec } from "../../../src/states/aggregator-spec.js";
import { referenceTimeWindows } from "../../../src/testing/index.js";
import { replaySettings } from "../../../src/testing/replay.js";

describe("KeyIndex (one slot per key, shared by a node's windows)", () => {
  it("finds keys as a Map does (SameValueZero): -0 is 0, NaN is NaN, 1 is not '1', objects by identity", () => {
    const ix = new KeyIndex<object>();
    const o = { id: 1 };
    const keys: unknown[] = [
      0,
      -0,
      1,
      65_535,
      65_536,
      -1,
      1.5,
      Number.NaN,
      "1",
      o,
      { id: 1 },
      undefined,
      null,
    ];
    const slots = keys.map((k) => ix.slot(k));
    expect(slots[1]).toBe(slots[0]); // -0 and 0
    expect(Object.is(slots[1].key, 0)).toBe(true); // kept as +0, as a Map keeps it
    expect(ix.slot(Number.NaN)).toBe(slots[7]);
    expect(ix.slot(1)).toBe(slots[2]);
    expect(ix.slot("1")).toBe(slots[8]);
    expect(ix.slot(o)).toBe(slots[9]);
    expect(new Set(slots).size).toBe(keys.length - 1); // all distinct but -0/0
    for (let i = 0; i < keys.length; i++) if (i !== 1) expect(Object.is(slots[i].key, keys[i])).toBe(true);
  });

  it("sweep evicts the Map's keys with no open window and keeps the others", () => {
    const ix = new KeyIndex<object>();
    const open = {};
    for (let i = 0; i < 100; i++) ix.slot(`k${i}`).bucket = i % 10 === 0 ? open : null;
    const small = ix.slot(7);
    expect(ix.mapped).toBe(100);
    ix.sweep();
    expect(ix.mapped).toBe(10);
    expect(ix.slot("k10").bucket).toBe(open); // kept, same slot
    expect(ix.slot("k11").bucket).toBeNull(); // evicted: a fresh slot
    expect(ix.mapped).toBe(11);
    expect(ix.slot(7)).toBe(small); // small integer keys stay (at most 65,536 of them)
  });
});

/** A WindowContext that collects results as `[key, start, state copy]`. */
/** Folds `recs` (key `k`, event time `t`) into `w` as one batch without ack tokens. */
function addRecords(w: TimeWindows, recs: readonly { k: unknown; t: number }[]): void {
  w.addBatch(
    (r) => (r as { k: unknown }).k,
    recs as unknown[],
    recs.map((r) => r.t),
    0,
    recs.length,
    null,
  );
}

function collectingContext(): WindowContext & { results: [unknown, number, unknown][]; wm: number } {
  const ctx = {
    results: [] as [unknown, number, unknown][],
    wm: Number.NEGATIVE_INFINITY,
    get watermark() {
      return ctx.wm;
    },
    lateness: 0,
    eachRecord: false,
    fire(key: unknown, window: { start: number }, state: unknown) {
      ctx.results.push([key, window.start, { ...(state as object) }]);
    },
    fireWindow(
      slots: readonly { key: unknown }[],
      states: readonly unknown[],
      n: number,
      window: { start: number },
    ) {
      for (let i = 0; i < n; i++)
        ctx.results.push([slots[i].key, window.start, { ...(states[i] as object) }]);
    },
    ackWith() {},
    late() {},
    unassigned() {},
  };
  return ctx;
}

describe("TimeWindows over the key index", () => {
  it("stays bounded with ever new keys: keys with no open window are evicted", () => {
    const ctx = collectingContext();
    const w = new TimeWindows(tumbling(1000), aggPlan(aggregatorSpec({ n: count() })), ctx);
    let peak = 0;
    // 200 windows of 500 new keys each: 100,000 distinct keys, ~500-1,000 open states at a time
    for (let win = 0; win < 200; win++) {
      const recs = Array.from({ length: 500 }, (_, i) => ({ k: `u${win}-${i}`, t: win * 1000 + i }));
      addRecords(w, recs);
      ctx.wm = win * 1000 - 1; // the previous window fires and is purged
      w.advance(ctx.wm);
      peak = Math.max(peak, w.indexedKeys());
    }
    w.fireAll();
    expect(ctx.results).toHaveLength(100_000);
    expect(peak).toBeLessThanOrEqual(2 * 1000 + 1024 + 500);
    expect(w.indexedKeys()).toBe(0);
    expect(w.stateCount()).toBe(0);
  });

  it("a burst of keys is evicted as soon as its window is purged, even when few states stay open", () => {
    const ctx = collectingContext();
    const w = new TimeWindows(tumbling(1000), aggPlan(aggregatorSpec({ n: count() })), ctx);
    const add = (recs: { k: string; t: number }[]) => addRecords(w, recs);
    add(Array.from({ length: 3000 }, (_, i) => ({ k: `u${i}`, t: i % 1000 })));
    add([{ k: "late-comer", t: 1500 }]);
    expect(w.indexedKeys()).toBe(3001);
    ctx.wm = 999; // [0, 1000) fires and is purged: one open state is left
    w.advance(ctx.wm);
    expect(w.stateCount()).toBe(1);
    expect(w.indexedKeys()).toBe(1);
    // and when no window is left open at all
    ctx.wm = 1999;
    w.advance(ctx.wm);
    add(Array.from({ length: 3000 }, (_, i) => ({ k: `v${i}`, t: 2000 + (i % 1000) })));
    ctx.wm = 2999;
    w.advance(ctx.wm);
    expect(w.stateCount()).toBe(0);
    expect(w.indexedKeys()).toBe(0);
  });

  it("a key with open sliding windows survives an eviction sweep: its later records join the same states", () => {
    const ctx = collectingContext();
    const w = new TimeWindows(sliding(600, 500), aggPlan(aggregatorSpec({ n: count() })), ctx);
    const add = (recs: { k: string; t: number }[]) => addRecords(w, recs);
    // 3000 keys in [-500, 100) and [0, 600); "k" in [500, 1100) and [1000, 1600)
    add(Array.from({ length: 3000 }, (_, i) => ({ k: `u${i}`, t: 0 })));
    add([{ k: "k", t: 1000 }]);
    ctx.wm = 599; // both windows of the burst fire and are purged: 3001 keys, 2 open states, a sweep
    w.advance(ctx.wm);
    expect(w.indexedKeys()).toBe(1);
    add([{ k: "k", t: 1050 }]);
    w.fireAll();
    expect(
      ctx.results.filter(([k]) => k === "k").map(([, start, st]) => [start, (st as { n: number }).n]),
    ).toEqual([
      [500, 2],
      [1000, 2],
    ]);
  });

  it("a key's state in an earlier window than its latest one is found again (out-of-order input)", () => {
    const ctx = collectingContext();
    const w = new TimeWindows(
      tumbling(1000),
      aggPlan(aggregatorSpec({ s: sum((r: { v: number }) => r.v) })),
      ctx,
    );
    const recs = [
      { k: 1, t: 100, v: 1 },
      { k: 1, t: 1100, v: 10 }, // key 1's latest window is now [1000, 2000)
      { k: 1, t: 200, v: 2 }, // back to [0, 1000): the same state as the first record
      { k: 2, t: 300, v: 5 }, // a new key in the earlier window
      { k: 1, t: 1200, v: 20 },
    ];
    addRecords(w, recs);
    expect(w.stateCount()).toBe(3);
    w.fireAll();
    expect(ctx.results.map(([k, start, st]) => [k, start, (st as { s: number }).s])).toEqual([
      [1, 0, 3],
      [2, 0, 5],
      [1, 1000, 30],
    ]);
  });
});

describe("time windows equal the reference for any kind of key (property)", () => {
  /**
   * Small integers (the array path), -0, big and negative integers, fractions, NaN, strings (the
   * reference groups keys by `String(key)`: no "1" beside 1 here; the unit test above tells them
   * apart).
   */
  const key = fc.constantFrom<unknown>(0, -0, 1, 2, 3, 65_535, 65_536, 1e9, -3, 1.5, Number.NaN, "a", "b");
  const events = fc
    .array(
      fc.record({
        k: key,
        step: fc.integer({ min: 0, max: 8 }).map((x) => x * 50),
        jitter: fc.integer({ min: -18, max: 4 }).map((x) => x * 50),
      }),
      { maxLength: 80 },
    )
    .map((xs) => {
      let base = -2000;
      return xs.map((x, id) => {
        base += x.step;
        return { id, k: x.k, t: base + x.jitter };
      });
    });
  type Res = { key: unknown; start: number; ids: number[] };
  // the reference keeps a key as its first record has it (-0), Mass as a Map does (0)
  const norm = (rs: Res[]) =>
    rs
      .map((r) => ({ ...r, key: Object.is(r.key, -0) ? 0 : r.key, ids: [...r.ids].sort((a, b) => a - b) }))
      .sort((a, b) => a.start - b.start || a.ids[0] - b.ids[0]);

  it("tumbling and sliding, disorder and lateness, batch sizes 1, 7 and 1024", async () => {
    await fc.assert(
      fc.asyncProperty(
        events,
        fc.constantFrom([1000, 1000], [1000, 500], [500, 1000]),
        fc.integer({ min: 0, max: 12 }).map((x) => x * 50),
        fc.integer({ min: 0, max: 16 }).map((x) => x * 50),
        fc.constantFrom(1, 7, 1024),
        async (recs, [size, slide], ooo, lateness, batchSize) => {
          const env = new Env({ batchSize });
          const w = env
            .from(recs)
            .withTimestamps((r) => r.t, { maxOutOfOrderness: ooo })
            .keyBy((r) => r.k)
            .window(size === slide ? tumbling(size) : sliding(size, slide))
            .allowedLateness(lateness);
          const out = w.agg({ ids: list((r: { id: number }) => r.id) }).toArray();
          const late = w.lateRecords().toArray();
          await env.run();
          const ref = referenceTimeWindows(recs, {
            key: (x) => x.k,
            ts: (x) => x.t,
            size,
            slide,
            maxOutOfOrderness: ooo,
            allowedLateness: lateness,
          });
          const got = (await out).map((r) => ({ key: r.key, start: r.window.start, ids: r.ids }));
          expect(got.some((r) => Object.is(r.key, -0))).toBe(false);
          const want = ref.results.map((r) => ({
            key: r.key,
            start: r.start,
            ids: r.records.map((x) => x.id),
          }));
          expect(norm(got)).toEqual(norm(want));
          expect((await late).map((r) => r.id).sort((a, b) => a - b)).toEqual(
            ref.late.map((x) => x.id).sort((a, b) => a - b),
          );
        },
      ),
      { numRuns: replaySettings().numRuns ?? 200, ...replaySettings() },
    );
  });
});
