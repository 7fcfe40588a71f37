import { describe, expect, it } from "vitest";
import {
  count,
  Env,
  max,
  mean,
  min,
  Sink,
  StateAggregator,
  StateError,
  sum,
  tumbling,
} from "../../../src/index.js";
import { aggPlan } from "../../../src/runtime/windows/agg-plan.js";
import { aggregatorSpec } from "../../../src/states/aggregator-spec.js";

interface Ev {
  k: string;
  ts: number;
  v: number;
}

/** Keeps every result object it was handed (the objects themselves, not copies). */
class KeepSink<T> extends Sink<T> {
  readonly got: T[] = [];
  produce(elems: T[]): void {
    for (const e of elems) this.got.push(e);
  }
}

const events = (list: [string, number, number][]): Ev[] => list.map(([k, ts, v]) => ({ k, ts, v }));

describe("window results of built-in aggregators built in place (the last firing of a window)", () => {
  it("are plain objects of exactly { key, window, ...fields }, in that order", async () => {
    const env = new Env({ batchSize: 2 });
    const sink = new KeepSink<Record<string, unknown>>();
    env
      .from(
        events([
          ["a", 100, 1],
          ["b", 200, 5],
          ["a", 900, 2],
          ["a", 1500, 7],
        ]),
      )
      .withTimestamps((e) => e.ts)
      .keyBy((e) => e.k)
      .window(tumbling(1000))
      .agg({ s: sum((e: Ev) => e.v), n: count(), lo: min((e: Ev) => e.v), hi: max((e: Ev) => e.v) })
      .to(sink);
    await env.run();
    expect(sink.got).toEqual([
      { key: "a", window: { start: 0, end: 1000 }, s: 3, n: 2, lo: 1, hi: 2 },
      { key: "b", window: { start: 0, end: 1000 }, s: 5, n: 1, lo: 5, hi: 5 },
      { key: "a", window: { start: 1000, end: 2000 }, s: 7, n: 1, lo: 7, hi: 7 },
    ]);
    for (const r of sink.got) {
      expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
      expect(Object.keys(r)).toEqual(["key", "window", "s", "n", "lo", "hi"]);
    }
  });

  it("a result already emitted never changes when a late record (within allowed lateness) fires its window again", async () => {
    const env = new Env({ batchSize: 1 });
    const sink = new KeepSink<{ key: string; s: number; n: number }>();
    env
      .from(
        events([
          ["a", 100, 1],
          ["a", 1200, 2], // watermark 1199: [0, 1000) fires, kept until 1999 (lateness 1000)
          ["a", 300, 10], // late within lateness: fires [0, 1000) again, updated
          ["a", 5000, 4], // watermark 4999: [1000, 2000) fires and both windows are purged
        ]),
      )
      .withTimestamps((e) => e.ts)
      .keyBy((e) => e.k)
      .window(tumbling(1000))
      .allowedLateness(1000)
      .agg({ s: sum((e: Ev) => e.v), n: count() })
      .to(sink);
    await env.run();
    // every object as it was when emitted: the first firing of [0, 1000) is not updated by
    // the late record, whose own result is a new object
    expect(sink.got.map((r) => ({ ...r }))).toEqual([
      { key: "a", window: { start: 0, end: 1000 }, s: 1, n: 1 },
      { key: "a", window: { start: 0, end: 1000 }, s: 11, n: 2 },
      { key: "a", window: { start: 1000, end: 2000 }, s: 2, n: 1 },
      { key: "a", window: { start: 5000, end: 6000 }, s: 4, n: 1 },
    ]);
    expect(sink.got[0]).not.toBe(sink.got[1]);
  });

  it("fields that cannot be built in place (mean, a field named like the result's own) still give the copied shape", async () => {
    const env = new Env();
    const out = env
      .from(
        events([
          ["a", 100, 1],
          ["a", 200, 4],
        ]),
      )
      .withTimestamps((e) => e.ts)
      .keyBy((e) => e.k)
      .window(tumbling(1000))
      .agg({ avg: mean((e: Ev) => e.v), n: count() })
      .toArray();
    await env.run();
    const rows = await out;
    expect(rows).toEqual([{ key: "a", window: { start: 0, end: 1000 }, avg: 2.5, n: 2 }]);
    expect(Object.keys(rows[0])).toEqual(["key", "window", "avg", "n"]);
  });

  it("a checkpoint holds the accumulators only, and restores to a state that goes on folding and builds its result", () => {
    const plan = aggPlan(aggregatorSpec({ s: sum((e: Ev) => e.v), n: count() }));
    expect(plan.lastWindowResult).not.toBeNull();
    const st = plan.newState();
    plan.collect(st, { k: "a", ts: 1, v: 3 });
    plan.collect(st, { k: "a", ts: 2, v: 4 });
    const snap = plan.snapshotState(st);
    expect(snap).toEqual({ s: 7, n: 2 });
    expect(Object.keys(snap as object)).toEqual(["s", "n"]);
    const back = plan.restoreState(structuredClone(snap), "w");
    plan.collect(back, { k: "a", ts: 3, v: 5 });
    const window = { start: 0, end: 1000 };
    expect(plan.lastWindowResult!("a", window, back)).toEqual({ key: "a", window, s: 12, n: 3 });
  });
});

describe("restoring aggregator state of another shape", () => {
  class Last extends StateAggregator<Ev, number> {
    v = 0;
    collect(e: Ev): void {
      this.v = e.v;
    }
    yield(): number {
      return this.v;
    }
  }

  it("a snapshot with the wrong number of aggregator states is a StateError naming the node and the aggregators", () => {
    const plan = aggPlan(aggregatorSpec({ a: Last, b: Last }));
    const st = plan.newState();
    plan.collect(st, { k: "a", ts: 1, v: 3 });
    const snap = plan.snapshotState(st) as unknown[];
    expect(snap).toHaveLength(2);
    const err = (() => {
      try {
        plan.restoreState([snap[0]], "w1");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toBe(
      'node "w1": cannot restore its state: expected one snapshot per aggregator (Last, Last), got an array of 1',
    );
    const back = plan.restoreState(structuredClone(snap), "w1");
    const window = { start: 0, end: 1 };
    expect(plan.windowResult("k", window, back)).toEqual({ key: "k", window, a: 3, b: 3 });
  });
});
