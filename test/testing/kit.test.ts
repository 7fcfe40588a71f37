import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, earlyEvery, list, mean, StateAggregator, sum, tumbling } from "../../src/index.js";
import {
  checkAggregatorLaws,
  eventStream,
  referenceTimeWindows,
  TestHarness,
} from "../../src/testing/index.js";

interface Click {
  user: string;
}

describe("TestHarness (virtual time)", () => {
  it("drives a windowed job by hand: records with event time, watermarks, outputs, state size", async () => {
    const h = new TestHarness();
    const clicks = h.input<Click>("clicks");
    h.output(
      "counts",
      clicks
        .keyBy((c) => c.user)
        .window(tumbling(1000))
        .agg({ n: count() }),
    );
    h.start();
    await h.push("clicks", { user: "a" }, 10);
    await h.push("clicks", { user: "b" }, 20);
    await h.push("clicks", { user: "a" }, 1500);
    expect(h.received("counts")).toEqual([]);
    expect(h.stateSize()).toBe(3);
    await h.watermark("clicks", 999);
    expect(h.received("counts")).toEqual([
      { key: "a", window: { start: 0, end: 1000 }, n: 1 },
      { key: "b", window: { start: 0, end: 1000 }, n: 1 },
    ]);
    expect(h.stateSize()).toBe(1);
    const report = await h.finish();
    expect(h.received("counts")).toHaveLength(3);
    expect(report.recordsIn).toBe(3);
  });

  it("advances processing time by hand: early firings without real timers", async () => {
    const h = new TestHarness();
    const clicks = h.input<Click>("clicks");
    h.output("early", clicks.window(tumbling(60_000)).trigger(earlyEvery(10_000)).agg({ n: count() }));
    h.start();
    await h.push("clicks", { user: "a" }, 1);
    await h.push("clicks", { user: "b" }, 2);
    expect(h.received("early")).toEqual([]);
    await h.advanceTime(10_000);
    expect(h.received<{ n: number }>("early").map((r) => r.n)).toEqual([2]);
    await h.push("clicks", { user: "c" }, 3);
    await h.advanceTime(10_000);
    expect(h.received<{ n: number }>("early").map((r) => r.n)).toEqual([2, 3]);
    await h.finish();
    expect(h.received<{ n: number }>("early").map((r) => r.n)).toEqual([2, 3, 3]);
  });

  it("with arbitraries and a reference model, a window property fits in a few lines", async () => {
    await fc.assert(
      fc.asyncProperty(eventStream({ keys: 2, maxLength: 30, grid: 50 }), async (events) => {
        const h = new TestHarness();
        const input = h.input<(typeof events)[0]>("events");
        h.output(
          "out",
          input
            .keyBy((e) => e.key)
            .window(tumbling(500))
            .agg({ ids: list((e: (typeof events)[0]) => e.id) }),
        );
        for (const e of events) await h.push("events", e, e.ts);
        await h.finish();
        const ref = referenceTimeWindows(events, {
          key: (e) => e.key,
          ts: (e) => e.ts,
          size: 500,
          maxOutOfOrderness: Number.POSITIVE_INFINITY,
        });
        const norm = (xs: { key: unknown; start: number; ids: number[] }[]) =>
          xs.map((x) => `${String(x.key)}@${x.start}:${x.ids.join(",")}`).sort();
        expect(
          norm(
            h
              .received<{ key: string; window: { start: number }; ids: number[] }>("out")
              .map((r) => ({ key: r.key, start: r.window.start, ids: r.ids })),
          ),
        ).toEqual(
          norm(ref.results.map((w) => ({ key: w.key, start: w.start, ids: w.records.map((r) => r.id) }))),
        );
      }),
      { numRuns: 25 },
    );
  });
});

describe("TestHarness watermarks", () => {
  it("watermark() returns once the job has the watermark, also right after another watermark", async () => {
    const h = new TestHarness();
    h.output("counts", h.input<Click>("clicks").window(tumbling(1000)).agg({ n: count() }));
    h.start();
    await h.push("clicks", { user: "a" }, 10);
    for (let wm = 100; wm < 1000; wm += 100) await h.watermark("clicks", wm);
    expect(h.received("counts")).toEqual([]);
    await h.watermark("clicks", 999);
    expect(h.received("counts")).toEqual([{ key: undefined, window: { start: 0, end: 1000 }, n: 1 }]);
    expect(h.stateSize()).toBe(0);
    await h.finish();
  });
});

describe("referenceTimeWindows keys", () => {
  it('compares keys as a Map (and keyBy) does: 1 and "1" apart, -0 with 0, NaN with NaN', async () => {
    const keys: unknown[] = [1, "1", 0, -0, Number.NaN, Number.NaN, 1];
    const events = keys.map((key, id) => ({ key, id, ts: id * 10 }));
    const ref = referenceTimeWindows(events, { key: (e) => e.key, ts: (e) => e.ts, size: 1000 });
    const groups = ref.results.map((w) => w.records.map((r) => r.id));
    expect(groups).toEqual([[0, 6], [1], [2, 3], [4, 5]]);
    // and Mass agrees
    const h = new TestHarness();
    const input = h.input<{ key: unknown; id: number }>("in");
    h.output(
      "out",
      input
        .keyBy((e) => e.key)
        .window(tumbling(1000))
        .agg({ ids: list((e: { id: number }) => e.id) }),
    );
    h.start();
    for (const e of events) await h.push("in", e, e.ts);
    await h.finish();
    const got = h
      .received<{ ids: number[] }>("out")
      .map((r) => r.ids)
      .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    expect(got).toEqual(groups);
  });
});

describe("checkAggregatorLaws", () => {
  it("passes for built-in aggregators against their models", () => {
    checkAggregatorLaws(() => sum<number>(), {
      values: fc.array(fc.integer()),
      model: (xs) => xs.reduce((a, b) => a + b, 0),
    });
    checkAggregatorLaws(() => mean<number>(), {
      values: fc.array(fc.integer({ min: -1000, max: 1000 })),
      model: (xs) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length),
      equals: (a, b) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) < 1e-9,
    });
  });

  it("a user's custom aggregator, property-tested in a few lines (docs/testing.md)", () => {
    /** Longest run of consecutive increasing values. */
    class LongestRise extends StateAggregator<
      number,
      number,
      { best: number; run: number; last: number | null }
    > {
      private s = { best: 0, run: 0, last: null as number | null };
      collect(x: number) {
        this.s.run = this.s.last !== null && x > this.s.last ? this.s.run + 1 : 1;
        this.s.best = Math.max(this.s.best, this.s.run);
        this.s.last = x;
      }
      yield() {
        return this.s.best;
      }
      override snapshot() {
        return { ...this.s };
      }
      override restore(s: { best: number; run: number; last: number | null }) {
        this.s = { ...s };
      }
    }
    checkAggregatorLaws(() => new LongestRise(), {
      values: fc.array(fc.integer({ min: 0, max: 5 })),
      model: (xs) => {
        let best = 0;
        let run = 0;
        xs.forEach((x, i) => {
          run = i > 0 && x > xs[i - 1] ? run + 1 : 1;
          best = Math.max(best, run);
        });
        return best;
      },
    });
  });

  it("catches an aggregator that breaks a law (a clone sharing state with its original)", () => {
    class Leaky extends StateAggregator<number, number[], number[]> {
      items: number[] = [];
      collect(x: number) {
        this.items.push(x);
      }
      yield() {
        return [...this.items];
      }
      override snapshot() {
        return this.items;
      }
      override restore(s: number[]) {
        this.items = s;
      }
      override clone(): this {
        const c = new Leaky();
        c.items = this.items;
        return c as this;
      }
    }
    expect(() =>
      checkAggregatorLaws(() => new Leaky(), { values: fc.array(fc.integer()), model: (xs) => xs }),
    ).toThrow(/clone leaves the original alone/);
  });
});
