import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Count,
  count,
  countWindow,
  Env,
  globalWindow,
  list,
  Max,
  Mean,
  Min,
  max,
  mean,
  min,
  Sum,
  session,
  sliding,
  sum,
  tumbling,
} from "../../src/index.js";
import {
  referenceSessions as kitSessions,
  referenceCountWindows,
  referenceTimeWindows,
} from "../../src/testing/index.js";
import { disorderedEvents, type WindowEvent } from "./window-events.js";

type Rec = WindowEvent;
interface Res {
  key: unknown;
  start: number;
  end: number;
  ids: number[];
}

/** Results never depend on batching: every property runs at these batch sizes. */
const settings = fc.record({
  batchSize: fc.constantFrom(1, 7, 1024),
  highWaterMark: fc.integer({ min: 1, max: 4 }),
});
/** Keys a..c, timestamps mostly increasing with bounded disorder, some far behind (late). */
const events = disorderedEvents({ maxLength: 80, start: -2000 });

const norm = (rs: Res[]) =>
  rs
    .map((r) => ({ ...r, ids: [...r.ids].sort((a, b) => a - b) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The kit's reference models, mapped to ids. */
function referenceTime(recs: Rec[], size: number, slide: number, ooo: number, lateness: number) {
  const r = referenceTimeWindows(recs, {
    key: (x) => x.k,
    ts: (x) => x.t,
    size,
    slide,
    maxOutOfOrderness: ooo,
    allowedLateness: lateness,
  });
  return {
    results: r.results.map((w) => ({
      key: w.key,
      start: w.start,
      end: w.end,
      ids: w.records.map((x) => x.id),
    })),
    late: r.late.map((x) => x.id),
    unassigned: r.unassigned.length,
  };
}

function referenceSessions(recs: Rec[], gap: number): Res[] {
  return kitSessions(recs, { key: (x) => x.k, ts: (x) => x.t, gap }).map((w) => ({
    key: w.key,
    start: w.start,
    end: w.end,
    ids: w.records.map((x) => x.id),
  }));
}

const toRes = (r: { key: unknown; window: { start: number; end: number }; ids: number[] }): Res => ({
  key: r.key,
  start: r.window.start,
  end: r.window.end,
  ids: r.ids,
});

describe("windows equal a plain-loop reference (property)", () => {
  it("tumbling and sliding, with disorder, lateness and late records, any batchSize/highWaterMark", async () => {
    await fc.assert(
      fc.asyncProperty(
        events,
        fc.constantFrom([1000, 1000], [1000, 500], [900, 300], [500, 1000], [300, 700]),
        fc.integer({ min: 0, max: 12 }).map((x) => x * 50),
        fc.integer({ min: 0, max: 16 }).map((x) => x * 50),
        settings,
        async (recs, [size, slide], ooo, lateness, s) => {
          const env = new Env(s);
          const assigner = size === slide ? tumbling(size) : sliding(size, slide);
          const w = env
            .from(recs)
            .withTimestamps((r) => r.t, { maxOutOfOrderness: ooo })
            .keyBy((r) => r.k)
            .window(assigner)
            .allowedLateness(lateness);
          const out = w.agg({ ids: list((r: Rec) => r.id) }).toArray();
          const late = w.lateRecords().toArray();
          const report = await env.run();
          const ref = referenceTime(recs, size, slide, ooo, lateness);
          expect(norm((await out).map(toRes))).toEqual(norm(ref.results));
          expect((await late).map((r) => r.id).sort((a, b) => a - b)).toEqual(ref.late.sort((a, b) => a - b));
          // slide > size: records in the gaps are unassigned, never late
          expect(report.unassigned).toBe(ref.unassigned);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("session windows (nothing late): per key, gaps split sessions", async () => {
    await fc.assert(
      fc.asyncProperty(events, fc.integer({ min: 1, max: 700 }), settings, async (recs, gap, s) => {
        const out = await new Env(s)
          .from(recs)
          .withTimestamps((r) => r.t, { maxOutOfOrderness: 1_000_000 })
          .keyBy((r) => r.k)
          .window(session(gap))
          .agg({ ids: list((r: Rec) => r.id) })
          .toArray();
        expect(norm(out.map(toRes))).toEqual(norm(referenceSessions(recs, gap)));
      }),
      { numRuns: 120 },
    );
  });

  it("count windows chunk each key's records in arrival order; the global window holds all", async () => {
    await fc.assert(
      fc.asyncProperty(events, fc.integer({ min: 1, max: 7 }), settings, async (recs, n, s) => {
        const counts = await new Env(s)
          .from(recs)
          .keyBy((r) => r.k)
          .window(countWindow(n))
          .agg({ ids: list((r: Rec) => r.id) })
          .toArray();
        const ref: Res[] = referenceCountWindows(recs, { key: (r) => r.k, size: n }).map((w) => ({
          key: w.key,
          start: w.start,
          end: w.end,
          ids: w.records.map((r) => r.id),
        }));
        expect(norm(counts.map(toRes))).toEqual(norm(ref));
        const global = await new Env(s)
          .from(recs)
          .keyBy((r) => r.k)
          .window(globalWindow())
          .agg({ ids: list((r: Rec) => r.id) })
          .toArray();
        expect(global.map((g) => [g.key, g.ids.length]).sort()).toEqual(
          [...new Set(recs.map((r) => r.k))].map((k) => [k, recs.filter((r) => r.k === k).length]).sort(),
        );
      }),
      { numRuns: 80 },
    );
  });

  it("window state stays bounded on a long input: only open windows are held", async () => {
    const env = new Env({ batchSize: 64 });
    let peak = 0;
    const N = 20_000;
    const recs = Array.from({ length: N }, (_, i) => ({ id: i, k: `k${i % 50}`, t: i * 10 }));
    const out = env
      .from(recs)
      .withTimestamps((r) => r.t, { maxOutOfOrderness: 100 })
      .keyBy((r) => r.k)
      .window(tumbling(1000))
      .agg({ ids: list((r: Rec) => r.id) })
      .tap(() => {
        const node = (
          env as unknown as { runs: { job: { nodes: { kind: string; stateCount?: number }[] } }[] }
        ).runs[0].job.nodes.find((n) => n.kind === "window")!;
        peak = Math.max(peak, node.stateCount ?? 0);
      })
      .toArray();
    const res = await out;
    expect(res).toHaveLength(((N * 10) / 1000) * 50);
    // 50 keys x (the open window + the one the watermark has not passed yet)
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(50 * 3);
  });
});

describe("fused accumulators (property)", () => {
  // subclasses are not fused: the same spec through the generic path is the reference
  class GSum<I> extends Sum<I> {}
  class GCount<I> extends Count<I> {}
  class GMean<I> extends Mean<I> {}
  class GMin<I> extends Min<I> {}
  class GMax<I> extends Max<I> {}

  it("a spec of sum/count/mean/min/max gives the same results fused as through the generic path", async () => {
    await fc.assert(
      fc.asyncProperty(events, fc.constantFrom("tumbling", "session"), settings, async (recs, kind, s) => {
        const run = (fused: boolean) => {
          const spec = fused
            ? {
                s: sum((r: Rec) => r.id),
                n: count<Rec>(),
                m: mean((r: Rec) => r.t),
                lo: min((r: Rec) => r.t),
                hi: max((r: Rec) => r.id),
              }
            : {
                s: new GSum((r: Rec) => r.id),
                n: new GCount<Rec>(),
                m: new GMean((r: Rec) => r.t),
                lo: new GMin((r: Rec) => r.t),
                hi: new GMax((r: Rec) => r.id),
              };
          return new Env(s)
            .from(recs)
            .withTimestamps((r) => r.t, { maxOutOfOrderness: 300 })
            .keyBy((r) => r.k)
            .window(kind === "tumbling" ? tumbling(700) : session(250))
            .allowedLateness(200)
            .agg(spec)
            .toArray();
        };
        const [a, b] = await Promise.all([run(true), run(false)]);
        expect(a).toEqual(b);
      }),
      { numRuns: 100 },
    );
  });
});
