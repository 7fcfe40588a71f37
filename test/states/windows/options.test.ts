import { describe, expect, it } from "vitest";
import {
  ConfigError,
  count,
  countWindow,
  distinct,
  Env,
  earlyEvery,
  first,
  list,
  max,
  mean,
  percentile,
  type RunReport,
  sliding,
  stddev,
  sum,
  topN,
  tumbling,
  variance,
  type WindowAssigner,
  type WindowTrigger,
} from "../../../src/index.js";

// what a JavaScript caller or a job described as data may pass
const bad = <T = never>(x: unknown) => x as T;

describe("strict options of windows, triggers, aggregators and joins", () => {
  it("unknown option keys are ConfigErrors naming the key and the closest valid one", () => {
    expect(() => tumbling(1000, bad({ ofset: 5 }))).toThrow(ConfigError);
    expect(() => tumbling(1000, bad({ ofset: 5 }))).toThrow(
      'tumbling(size, options): unknown option "ofset" (did you mean "offset"?)',
    );
    expect(() => sliding(1000, 500, bad({ offest: 5 }))).toThrow(
      'sliding(size, slide, options): unknown option "offest" (did you mean "offset"?)',
    );
    expect(() => percentile(50, undefined, bad({ exactlimit: 10 }))).toThrow(
      'percentile(p, sel, options): unknown option "exactlimit" (did you mean "exactLimit"?)',
    );
    expect(() => percentile(50, undefined, { exactLimit: -1 })).toThrow(/exactLimit must be an integer >= 0/);
    expect(() => variance(undefined, bad({ populaton: true }))).toThrow(/did you mean "population"/);
    expect(() => stddev(undefined, bad({ population: "yes" }))).toThrow(/population must be a boolean/);
  });

  it("selectors that are not functions are ConfigErrors at the factory, not TypeErrors at run time", () => {
    for (const make of [sum, mean, max, list, distinct, first] as ((s: unknown) => unknown)[]) {
      expect(() => make("price")).toThrow(ConfigError);
    }
    expect(() => sum(bad("price"))).toThrow('sum(sel) must be a function, got "price"');
    expect(() => topN(3, bad(42))).toThrow("topN(n, sel) must be a function, got 42");
    expect(() => percentile(50, bad("x"))).toThrow(ConfigError);
  });

  it('window("tumbling") is rejected when the graph is built, naming what is expected', () => {
    const env = new Env();
    const s = env.from([{ k: 1, t: 0 }]);
    expect(() => s.window(bad<WindowAssigner>("tumbling"))).toThrow(ConfigError);
    expect(() => s.window(bad<WindowAssigner>("tumbling"))).toThrow(
      /window\(assigner\): expected a window assigner — tumbling\(sizeMs\), .* got "tumbling"/,
    );
    expect(() => s.keyBy((r) => r.k).window(bad<WindowAssigner>(undefined))).toThrow(ConfigError);
    expect(() => s.window(bad<WindowAssigner>({ kind: "tumbling", size: 1000, offest: 3 }))).toThrow(
      /unknown option "offest"/,
    );
    expect(() => s.window(bad<WindowAssigner>({ kind: "sliding", size: 1000 }))).toThrow(
      /slide must be a positive integer/,
    );
    const k = s.keyBy((r) => r.k);
    expect(() => k.join(k).window(bad<WindowAssigner>("tumbling"))).toThrow(/join\(\)\.window\(assigner\)/);
    expect(() => k.join(k).window(tumbling(10)).apply(bad("x"))).toThrow(
      "join().apply(fn) must be a function",
    );
  });

  it("assigners and triggers as plain data (jobs described as data) work as the factories'", async () => {
    const env = new Env();
    const recs = [0, 400, 1200, 1300].map((t) => ({ t }));
    const w = env
      .from(recs)
      .withTimestamps((r) => r.t)
      .window(bad<WindowAssigner>({ kind: "tumbling", size: 1000 }))
      .trigger(bad<WindowTrigger>({ kind: "watermark" }))
      .agg({ n: count() })
      .toArray();
    await env.run();
    expect((await w).map((r) => [r.window.start, r.n])).toEqual([
      [0, 2],
      [1000, 2],
    ]);
    expect(() => new Env().from(recs).window(tumbling(10)).trigger(bad<WindowTrigger>("early"))).toThrow(
      /trigger\(trigger\): expected a trigger/,
    );
    expect(() =>
      new Env()
        .from(recs)
        .window(tumbling(10))
        .trigger(bad<WindowTrigger>({ kind: "early", everyMs: 100, every: 5 })),
    ).toThrow(/unknown option "every"/);
    expect(earlyEvery(5)).toEqual({ kind: "early", everyMs: 5 });
    expect(() => countWindow(0)).toThrow(ConfigError);
  });

  it("sliding(size, slide) with slide > size: records between windows are in no window, not late: counted as unassigned", async () => {
    // windows [0, 300), [1000, 1300), [2000, 2300): 500, 999, 1500 fall in gaps
    const recs = [0, 100, 500, 999, 1000, 1299, 1500, 2100].map((t, id) => ({ id, t }));
    const env = new Env({ batchSize: 3 });
    const w = env
      .from(recs)
      .withTimestamps((r) => r.t)
      .window(sliding(300, 1000));
    const out = w.agg({ ids: list((r: { id: number }) => r.id) }).toArray();
    const late = w.lateRecords().toArray();
    const report: RunReport = await env.run();
    expect((await out).map((r) => [r.window.start, r.window.end, r.ids])).toEqual([
      [0, 300, [0, 1]],
      [1000, 1300, [4, 5]],
      [2000, 2300, [7]],
    ]);
    expect(await late).toEqual([]);
    expect(report.unassigned).toBe(3);
    expect(report.lateDropped).toBe(0);
    expect(report.nodes.find((n) => n.kind === "window")?.unassigned).toBe(3);
  });

  it("a window join over sliding windows with gaps counts those records as unassigned, not late", async () => {
    const env = new Env();
    const left = env
      .from([
        { k: 1, t: 100 },
        { k: 1, t: 600 },
      ])
      .withTimestamps((r) => r.t)
      .keyBy((r) => r.k);
    const right = env
      .from([{ k: 1, t: 200 }])
      .withTimestamps((r) => r.t)
      .keyBy((r) => r.k);
    const out = left
      .join(right)
      .window(sliding(300, 1000))
      .apply((l, r) => [l.t, r.t])
      .toArray();
    const report = await env.run();
    expect(await out).toEqual([[100, 200]]);
    expect(report.unassigned).toBe(1);
    expect(report.lateDropped).toBe(0);
  });
});
