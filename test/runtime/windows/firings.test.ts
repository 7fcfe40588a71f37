import { describe, expect, it } from "vitest";
import {
  countWindow,
  earlyEvery,
  globalWindow,
  list,
  onEveryRecord,
  type Stream,
  session,
  sliding,
  tumbling,
  type WindowAssigner,
} from "../../../src/index.js";
import { TestHarness } from "../../../src/testing/index.js";

/**
 * Details of window firings that the result-level properties do not see: the event time a result
 * carries downstream, what the per-record and early triggers emit, and the harness state size.
 */

interface Ev {
  k: string;
  id: number;
}

type Res = { key: unknown; window: { start: number; end: number }; ids: number[] };

/**
 * The event time of each first-level result, read downstream: a second window of 1 ms (huge
 * allowed lateness, so nothing is dropped) puts each result in `[ts, ts + 1)`. Returns the
 * sorted distinct `"key [start, end) ids @ ts"` of every first-level result seen.
 */
function stamped<R extends Res>(results: Stream<R>) {
  return results
    .window(tumbling(1))
    .allowedLateness(1_000_000_000)
    .agg({
      of: list((r: R) => `${String(r.key)} [${r.window.start}, ${r.window.end}) ${r.ids.join(",")}`),
    });
}

function timesOf(h: TestHarness, name: string): string[] {
  const out = new Set<string>();
  for (const r of h.received<{ of: string[]; window: { start: number } }>(name))
    for (const x of r.of) out.add(`${x} @ ${r.window.start}`);
  return [...out].sort();
}

function harness(
  assigner: WindowAssigner,
  opts: { lateness?: number; each?: boolean; earlyMs?: number; stamp?: boolean } = {},
) {
  const h = new TestHarness();
  const input = h.input<Ev>("in");
  let w = input
    .keyBy((e) => e.k)
    .window(assigner)
    .allowedLateness(opts.lateness ?? 0);
  if (opts.each === true) w = w.trigger(onEveryRecord());
  if (opts.earlyMs !== undefined) w = w.trigger(earlyEvery(opts.earlyMs));
  const results = w.agg({ ids: list((e: Ev) => e.id) });
  h.output("results", results);
  // the second window holds states too: left out where the test reads the state size
  if (opts.stamp !== false) h.output("stamped", stamped(results));
  h.output("late", w.lateRecords());
  return h;
}

/** `"key [start, end) ids"` of each result, ids sorted. */
const brief = (rs: Res[]) =>
  rs.map(
    (r) =>
      `${String(r.key)} [${r.window.start}, ${r.window.end}) ${[...r.ids].sort((x, y) => x - y).join(",")}`,
  );

describe("the event time of window results (end - 1; count windows: their latest record's)", () => {
  it("time windows: fired by the watermark, re-fired by a late record, per record and early", async () => {
    const h = harness(tumbling(1000), { lateness: 500 });
    h.start();
    await h.push("in", { k: "a", id: 0 }, 10);
    await h.watermark("in", 1200); // fires [0, 1000)
    await h.push("in", { k: "a", id: 1 }, 20); // late within lateness: re-fires at once
    await h.finish();
    expect(timesOf(h, "stamped")).toEqual(["a [0, 1000) 0 @ 999", "a [0, 1000) 0,1 @ 999"]);

    const each = harness(sliding(1000, 500), { each: true });
    each.start();
    await each.push("in", { k: "a", id: 0 }, 600);
    await each.finish();
    expect(timesOf(each, "stamped")).toEqual(["a [0, 1000) 0 @ 999", "a [500, 1500) 0 @ 1499"]);
    // each window's result after the record, then the final ones
    expect(brief(each.received<Res>("results"))).toEqual([
      "a [500, 1500) 0",
      "a [0, 1000) 0",
      "a [0, 1000) 0",
      "a [500, 1500) 0",
    ]);

    const early = harness(tumbling(1000), { earlyMs: 100 });
    early.start();
    await early.push("in", { k: "a", id: 0 }, 10);
    await early.advanceTime(100);
    expect(brief(early.received<Res>("results"))).toEqual(["a [0, 1000) 0"]);
    await early.finish();
    expect(timesOf(early, "stamped")).toEqual(["a [0, 1000) 0 @ 999"]);
  });

  it("session windows: fired by the watermark, per record and early", async () => {
    const h = harness(session(100));
    h.start();
    await h.push("in", { k: "a", id: 0 }, 10);
    await h.push("in", { k: "a", id: 1 }, 50);
    await h.watermark("in", 149); // fires [10, 150)
    expect(brief(h.received<Res>("results"))).toEqual(["a [10, 150) 0,1"]);
    await h.finish();
    expect(timesOf(h, "stamped")).toEqual(["a [10, 150) 0,1 @ 149"]);

    const each = harness(session(100), { each: true });
    each.start();
    await each.push("in", { k: "a", id: 0 }, 10);
    await each.finish();
    expect(timesOf(each, "stamped")).toEqual(["a [10, 110) 0 @ 109"]);

    const early = harness(session(100), { earlyMs: 100 });
    early.start();
    await early.push("in", { k: "a", id: 0 }, 10);
    await early.advanceTime(100);
    expect(brief(early.received<Res>("results"))).toEqual(["a [10, 110) 0"]);
    await early.finish();
    expect(timesOf(early, "stamped")).toEqual(["a [10, 110) 0 @ 109"]);
  });

  it("count windows: the latest timestamp among the window's records, whatever their order", async () => {
    const h = harness(countWindow(3));
    h.start();
    await h.push("in", { k: "a", id: 0 }, 5);
    await h.push("in", { k: "a", id: 1 }, 1500);
    await h.push("in", { k: "a", id: 2 }, 10); // fires [0, 3) at 1500
    await h.push("in", { k: "a", id: 3 }, 40);
    await h.push("in", { k: "a", id: 4 }, 30);
    await h.finish(); // [3, 5) fires at the end, at 40
    expect(timesOf(h, "stamped")).toEqual(["a [0, 3) 0,1,2 @ 1500", "a [3, 5) 3,4 @ 40"]);
  });
});

describe("per-record and early triggers", () => {
  it("count windows with onEveryRecord(): each record's partial result once, then the full window once", async () => {
    const h = harness(countWindow(3), { each: true });
    h.start();
    for (let id = 0; id < 4; id++) await h.push("in", { k: "a", id }, id);
    await h.finish();
    expect(brief(h.received<Res>("results"))).toEqual([
      "a [0, 1) 0",
      "a [0, 2) 0,1",
      "a [0, 3) 0,1,2",
      "a [3, 4) 3",
      "a [3, 4) 3",
    ]);
  });

  it("count and global windows with earlyEvery(ms): the open windows' partial results, empty ones left out", async () => {
    const h = harness(countWindow(2), { earlyMs: 100 });
    h.start();
    await h.push("in", { k: "a", id: 0 }, 0);
    await h.push("in", { k: "a", id: 1 }, 1); // [0, 2) fires full; a's next window is empty
    await h.push("in", { k: "b", id: 2 }, 2);
    await h.advanceTime(100);
    expect(brief(h.received<Res>("results"))).toEqual(["a [0, 2) 0,1", "b [0, 1) 2"]);
    await h.push("in", { k: "a", id: 3 }, 3);
    await h.push("in", { k: "a", id: 4 }, 4);
    await h.push("in", { k: "a", id: 5 }, 5);
    await h.advanceTime(100);
    expect(brief(h.received<Res>("results")).slice(2)).toEqual(["a [2, 4) 3,4", "a [4, 5) 5", "b [0, 1) 2"]);
    await h.finish();

    const g = harness(globalWindow(), { earlyMs: 100 });
    g.start();
    await g.push("in", { k: "a", id: 0 }, 0);
    await g.advanceTime(100);
    expect(brief(g.received<Res>("results"))).toEqual(["a [-Infinity, Infinity) 0"]);
    await g.finish();
  });

  it("earlyEvery(ms) leaves out a time window or session that fired already and has nothing new", async () => {
    for (const assigner of [tumbling(1000), session(1000)]) {
      const h = harness(assigner, { lateness: 5000, earlyMs: 100 });
      h.start();
      await h.push("in", { k: "a", id: 0 }, 0);
      await h.push("in", { k: "b", id: 1 }, 1500);
      await h.watermark("in", 1000); // fires a's window, kept for the allowed lateness
      const fired = brief(h.received<Res>("results"));
      expect(fired[0]).toMatch(/^a \[0, 1000\) 0$/);
      await h.advanceTime(100); // early: b's open window only
      expect(brief(h.received<Res>("results")).slice(fired.length)).toEqual([
        assigner.kind === "session" ? "b [1500, 2500) 1" : "b [1000, 2000) 1",
      ]);
      await h.finish();
    }
  });
});

describe("windows with an offset", () => {
  it("tumbling and sliding windows start at offset + k * slide, negative times included", async () => {
    const cases: [WindowAssigner, string[]][] = [
      [tumbling(1000, { offset: 100 }), ["a [-900, 100) 0", "a [100, 1100) 1,2"]], // sorted as strings
      [
        sliding(1000, 500, { offset: 100 }),
        ["a [-400, 600) 0,1", "a [-900, 100) 0", "a [100, 1100) 1,2", "a [600, 1600) 2"],
      ],
    ];
    for (const [assigner, expected] of cases) {
      const h = harness(assigner, { stamp: false });
      h.start();
      await h.push("in", { k: "a", id: 0 }, 50);
      await h.push("in", { k: "a", id: 1 }, 150);
      await h.push("in", { k: "a", id: 2 }, 1000);
      await h.finish();
      expect(brief(h.received<Res>("results")).sort()).toEqual(expected);
    }
  });
});

describe("a record for a window due exactly at the watermark", () => {
  it("with allowed lateness: the window fires at once for each such record (no window held back until the next watermark)", async () => {
    const h = harness(tumbling(1000), { lateness: 500 });
    h.start();
    await h.push("in", { k: "b", id: 0 }, 2000);
    await h.watermark("in", 999); // [0, 1000) is due, and holds nothing yet
    await h.push("in", { k: "a", id: 1 }, 500);
    expect(brief(h.received<Res>("results"))).toEqual(["a [0, 1000) 1"]);
    await h.push("in", { k: "a", id: 2 }, 600);
    expect(brief(h.received<Res>("results"))).toEqual(["a [0, 1000) 1", "a [0, 1000) 1,2"]);
    await h.finish();
    expect(h.received("late")).toEqual([]);
  });
});

describe("session windows: state size through merges and purges", () => {
  it("counts each open session once: merged sessions are one, purged ones none", async () => {
    const h = harness(session(100), { lateness: 50, stamp: false });
    h.start();
    await h.push("in", { k: "a", id: 0 }, 0);
    await h.push("in", { k: "a", id: 1 }, 300);
    await h.push("in", { k: "a", id: 2 }, 600);
    await h.push("in", { k: "b", id: 3 }, 0);
    expect(h.stateSize()).toBe(4);
    await h.push("in", { k: "a", id: 4 }, 150); // [150, 250) touches neither [0, 100) nor [300, 400)
    expect(h.stateSize()).toBe(5);
    await h.push("in", { k: "a", id: 5 }, 100); // [100, 200) touches [0, 100) and [150, 250)
    expect(h.stateSize()).toBe(4);
    await h.push("in", { k: "a", id: 6 }, 250); // [0, 250) + [250, 350) + [300, 400): one session [0, 400)
    expect(h.stateSize()).toBe(3);
    await h.watermark("in", 449); // a's [0, 400) and b's [0, 100) fired and purged (399 + 50, 99 + 50)
    expect(h.stateSize()).toBe(1);
    expect(brief(h.received<Res>("results")).sort()).toEqual(["a [0, 400) 0,1,4,5,6", "b [0, 100) 3"]);
    await h.finish();
    expect(brief(h.received<Res>("results")).sort()).toEqual([
      "a [0, 400) 0,1,4,5,6",
      "a [600, 700) 2",
      "b [0, 100) 3",
    ]);
  });

  it("a fired session is purged when the watermark reaches end - 1 + allowed lateness, not before", async () => {
    const h = harness(session(100), { lateness: 100, stamp: false });
    h.start();
    await h.push("in", { k: "a", id: 0 }, 0);
    await h.watermark("in", 99); // [0, 100) fires; purge at 199
    expect(brief(h.received<Res>("results"))).toEqual(["a [0, 100) 0"]);
    await h.watermark("in", 198);
    expect(h.stateSize()).toBe(1);
    await h.watermark("in", 199);
    expect(h.stateSize()).toBe(0);
    await h.finish();
  });

  it("a late record that extends a fired session past its end fires it at once and moves its purge to the new end", async () => {
    const h = harness(session(100), { lateness: 100, stamp: false });
    h.start();
    await h.push("in", { k: "a", id: 0 }, 0);
    await h.watermark("in", 150); // [0, 100) fires; purge at 199
    await h.push("in", { k: "a", id: 1 }, 20); // [0, 120), due already: fires at once; purge at 219
    expect(brief(h.received<Res>("results"))).toEqual(["a [0, 100) 0", "a [0, 120) 0,1"]);
    await h.watermark("in", 218);
    expect(h.stateSize()).toBe(1);
    await h.watermark("in", 219);
    expect(h.stateSize()).toBe(0);
    await h.push("in", { k: "a", id: 2 }, 10); // [10, 110) is gone: 109 + 100 <= 219
    await h.finish();
    expect(h.received<Ev>("late").map((e) => e.id)).toEqual([2]);
    expect(brief(h.received<Res>("results"))).toEqual(["a [0, 100) 0", "a [0, 120) 0,1"]);
  });
});
