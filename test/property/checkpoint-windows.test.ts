import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  count,
  countWindow,
  globalWindow,
  list,
  max,
  mean,
  min,
  percentile,
  session,
  sliding,
  sum,
  tumbling,
} from "../../src/index.js";
import { referenceTimeWindows } from "../../src/testing/index.js";
import { batchSizes, type Ev, eventsWithSplit, keyed, runSplit } from "./checkpoint-kit.js";

const entries = (evs: Ev[]) => evs.map((e) => [e, e.t] as const);

describe("window checkpoints: snapshot, v8 round trip, restore = no interruption (property)", () => {
  it("tumbling and sliding windows with disorder, allowed lateness and late records (fused and list aggregators)", async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsWithSplit(),
        fc.constantFrom([1000, 1000], [1000, 500], [900, 300], [500, 1000]),
        fc.integer({ min: 0, max: 8 }).map((x) => x * 50),
        fc.integer({ min: 0, max: 12 }).map((x) => x * 50),
        batchSizes,
        async ([evs, at], [size, slide], ooo, lateness, batchSize) => {
          const { whole, split } = await runSplit(
            (h, input) => {
              const windowed = () =>
                input<Ev>("in")
                  .withTimestamps((r) => r.t, { maxOutOfOrderness: ooo })
                  .keyBy((r) => r.k)
                  .window(size === slide ? tumbling(size) : sliding(size, slide))
                  .allowedLateness(lateness);
              const w = windowed();
              h.output(
                "out",
                w.agg({
                  n: count(),
                  s: sum((r: Ev) => r.v),
                  lo: min((r: Ev) => r.v),
                  hi: max((r: Ev) => r.v),
                  avg: mean((r: Ev) => r.v),
                }),
              );
              // (one agg per windowed stream: lateRecords() of a stream with two aggs gets each late record twice)
              const w2 = windowed();
              h.output("ids", w2.agg(list((r: Ev) => r.id)));
              h.output("late", w2.lateRecords());
            },
            { in: entries(evs) },
            { in: at },
            batchSize,
            ["out", "ids", "late"],
          );
          expect(keyed(split)).toEqual(keyed(whole));
          // the uninterrupted run itself is right (so equality above is not two equal wrongs)
          const ref = referenceTimeWindows(evs, {
            key: (r) => r.k,
            ts: (r) => r.t,
            size,
            slide,
            maxOutOfOrderness: ooo,
            allowedLateness: lateness,
          });
          expect(whole.ids.length).toBe(ref.results.length);
          expect(whole.late.length).toBe(ref.late.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("session windows with allowed lateness (merging sessions, re-firing, timers)", async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsWithSplit(),
        fc.integer({ min: 1, max: 8 }).map((x) => x * 100),
        fc.integer({ min: 0, max: 8 }).map((x) => x * 50),
        fc.integer({ min: 0, max: 12 }).map((x) => x * 50),
        batchSizes,
        async ([evs, at], gap, ooo, lateness, batchSize) => {
          const { whole, split } = await runSplit(
            (h, input) => {
              const w = input<Ev>("in")
                .withTimestamps((r) => r.t, { maxOutOfOrderness: ooo })
                .keyBy((r) => r.k)
                .window(session(gap))
                .allowedLateness(lateness);
              h.output("out", w.agg({ ids: list((r: Ev) => r.id), s: sum((r: Ev) => r.v) }));
              h.output("late", w.lateRecords());
            },
            { in: entries(evs) },
            { in: at },
            batchSize,
            ["out", "late"],
          );
          expect(keyed(split)).toEqual(keyed(whole));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("count windows and the global window (fused and generic aggregators)", async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsWithSplit(),
        fc.integer({ min: 1, max: 6 }),
        batchSizes,
        async ([evs, at], size, batchSize) => {
          const { whole, split } = await runSplit(
            (h, input) => {
              const k = input<Ev>("in").keyBy((r) => r.k);
              h.output("out", k.window(countWindow(size)).agg({ n: count(), s: sum((r: Ev) => r.v) }));
              h.output(
                "all",
                k
                  .window(globalWindow())
                  .agg({ ids: list((r: Ev) => r.id), p50: percentile(50, (r: Ev) => r.v) }),
              );
            },
            { in: entries(evs) },
            { in: at },
            batchSize,
            ["out", "all"],
          );
          expect(keyed(split)).toEqual(keyed(whole));
          expect(whole.out.reduce((n: number, r) => n + (r as { n: number }).n, 0)).toBe(evs.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
