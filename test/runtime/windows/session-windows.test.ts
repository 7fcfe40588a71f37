import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, Env, list, type RunReport, Sink, Source, session } from "../../../src/index.js";
import { aggPlan } from "../../../src/runtime/windows/agg-plan.js";
import { SessionWindows } from "../../../src/runtime/windows/session-windows.js";
import type { WindowContext } from "../../../src/runtime/windows/strategy.js";
import { aggregatorSpec } from "../../../src/states/aggregator-spec.js";
import { referenceSessionWindows } from "../../../src/testing/index.js";
import { replaySettings } from "../../../src/testing/replay.js";

/**
 * Flink's WindowOperatorTest session lateness cases (gap 3 s, accumulating EventTimeTrigger),
 * ported as behaviour: the same inputs and watermarks, the same firings and side output.
 */
type Step = readonly ["record", number] | readonly ["watermark", number];

/** Hands out one record per batch; a watermark step goes out after the batch before it. */
class StepSource extends Source<{ k: string; t: number }> {
  private i = 0;
  private wm = Number.NEGATIVE_INFINITY;
  constructor(private readonly steps: Step[]) {
    super();
  }
  override currentWatermark(): number {
    return this.wm;
  }
  consume(): { k: string; t: number }[] | null {
    const out: { k: string; t: number }[] = [];
    if (this.i < this.steps.length && this.steps[this.i][0] === "record") {
      out.push({ k: "key2", t: this.steps[this.i++][1] });
    }
    while (this.i < this.steps.length && this.steps[this.i][0] === "watermark")
      this.wm = this.steps[this.i++][1];
    return out.length === 0 && this.i >= this.steps.length ? null : out;
  }
}

/** Runs `steps` (key "key2") through session(3000) with `lateness`: the firings and late records, in order. */
async function flinkSessions(lateness: number, steps: Step[]) {
  const env = new Env({ batchSize: 1 });
  const w = env
    .from(new StepSource(steps))
    .withTimestamps((r) => r.t, { maxOutOfOrderness: Number.POSITIVE_INFINITY })
    .keyBy((r) => r.k)
    .window(session(3000))
    .allowedLateness(lateness);
  const fired = w
    .agg({ n: count() })
    .map((r) => `${r.key}-${r.n} [${r.window.start}, ${r.window.end})`)
    .toArray();
  const late = w
    .lateRecords()
    .map((r) => r.t)
    .toArray();
  const report = await env.run();
  return { fired: await fired, late: await late, report };
}

// the common prefix of Flink's cases: two sessions merged by 7000, one fired at 11501, one at 14600
const prefix: Step[] = [
  ["record", 1000],
  ["watermark", 1999],
  ["record", 2000],
  ["watermark", 4998],
  ["record", 4500], // not late: its session's maxTimestamp is after the watermark
  ["record", 8500], // a new session
  ["watermark", 7400],
  ["record", 7000], // merges the two sessions
  ["watermark", 11501],
  ["record", 11600],
  ["watermark", 14600],
];
const prefixOut = ["key2-5 [1000, 11500)", "key2-1 [11600, 14600)"];

describe("session windows and lateness (Flink's WindowOperatorTest)", () => {
  it("zero lateness: the record at 10000 is late (side output), 14500 opens a new session", async () => {
    const { fired, late, report } = await flinkSessions(0, [
      ...prefix,
      ["record", 10_000],
      ["record", 14_500],
      ["watermark", 20_000],
    ]);
    expect(fired).toEqual([...prefixOut, "key2-1 [14500, 17500)"]);
    expect(late).toEqual([10_000]);
    expect(report.lateDropped).toBe(0);
  });

  it("zero lateness: two late records are not merged with each other", async () => {
    const { fired, late } = await flinkSessions(0, [
      ...prefix,
      ["record", 10_000],
      ["record", 10_100],
      ["record", 14_500],
      ["watermark", 20_000],
    ]);
    expect(fired).toEqual([...prefixOut, "key2-1 [14500, 17500)"]);
    expect(late).toEqual([10_000, 10_100]);
  });

  it("lateness 10 ms: 10000 merges into the fired [11600, 14600) and fires it at once; 14500 extends it past the watermark and it fires again at 17499", async () => {
    const { fired, late } = await flinkSessions(10, [
      ...prefix,
      ["record", 10_000],
      ["record", 14_500],
      ["watermark", 20_000],
    ]);
    // [10000, 14600) can only come from a firing at once: the next watermark is past its extension
    expect(fired).toEqual([...prefixOut, "key2-2 [10000, 14600)", "key2-3 [10000, 17500)"]);
    expect(late).toEqual([]);
  });

  it("huge lateness (10 s): 10000 bridges both fired sessions (7 records, fired at once); 14500 extends the session, which re-fires [1000, 17500) with all 8", async () => {
    const { fired, late, report } = await flinkSessions(10_000, [
      ...prefix,
      ["record", 10_000],
      ["record", 14_500],
      ["watermark", 20_000],
      ["watermark", 100_000],
    ]);
    expect(fired).toEqual([...prefixOut, "key2-7 [1000, 14600)", "key2-8 [1000, 17500)"]);
    expect(late).toEqual([]);
    expect(report.lateDropped).toBe(0);
  });
});

interface Rec {
  id: number;
  k: string;
  t: number;
}
/** Keys a..c, times on a 50 ms grid, mostly increasing with disorder, some far behind. */
const events = fc
  .array(
    fc.record({
      k: fc.constantFrom("a", "b", "c"),
      step: fc.integer({ min: 0, max: 8 }).map((x) => x * 50),
      jitter: fc.integer({ min: -30, max: 4 }).map((x) => x * 50),
    }),
    { maxLength: 80 },
  )
  .map((xs) => {
    let base = 0;
    return xs.map((x, id) => {
      base += x.step;
      return { id, k: x.k, t: base + x.jitter };
    });
  });
/** Results never depend on batching: the same property for these batch sizes. */
const batchSizes = [1, 7, 1024] as const;

interface Fired {
  key: unknown;
  start: number;
  end: number;
  ids: number[];
}

async function runSessions(
  recs: Rec[],
  o: { gap: number; ooo: number; lateness: number; batchSize: number; listen: boolean },
): Promise<{ fired: Fired[]; late: number[]; report: RunReport }> {
  const env = new Env({ batchSize: o.batchSize });
  const w = env
    .from(recs)
    .withTimestamps((r) => r.t, { maxOutOfOrderness: o.ooo })
    .keyBy((r) => r.k)
    .window(session(o.gap))
    .allowedLateness(o.lateness);
  const out = w.agg({ ids: list((r: Rec) => r.id) }).toArray();
  const late = o.listen ? w.lateRecords().toArray() : Promise.resolve([]);
  const report = await env.run();
  return {
    fired: (await out).map((r) => ({ key: r.key, start: r.window.start, end: r.window.end, ids: r.ids })),
    late: (await late).map((r) => r.id),
    report,
  };
}

/**
 * The last firing of every session: a firing is final when no later firing re-fires the same
 * session, i.e. a later firing of its key that covers its span AND holds all its records (the
 * accumulating trigger re-fires a session with a superset of its records). A later firing that only
 * covers the span is a new session opened after the old one was purged (Flink: cleanup at
 * `maxTimestamp + allowedLateness`), holding none of the old one's records.
 */
function finals(fired: Fired[]): Fired[] {
  return fired.filter(
    (f, i) =>
      !fired
        .slice(i + 1)
        .some(
          (g) =>
            g.key === f.key &&
            g.start <= f.start &&
            g.end >= f.end &&
            f.ids.every((id) => g.ids.includes(id)),
        ),
  );
}
const norm = (fs: Fired[]) =>
  fs
    .map((f) => ({ ...f, ids: [...f.ids].sort((a, b) => a - b) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("session windows and batching", () => {
  it("a record touching a session exactly at watermark + 1 sees that watermark first, whatever the batch size", async () => {
    // a@-150 opens [-150, 250); b@250 moves the watermark to 249 = end - 1: the session fires and,
    // with no lateness, is gone; a@250 then opens a new session instead of joining the old one
    const recs = [
      { id: 0, k: "a", t: -150 },
      { id: 1, k: "b", t: 250 },
      { id: 2, k: "a", t: 250 },
    ];
    for (const batchSize of [1, 1024]) {
      const { fired, late } = await runSessions(recs, {
        gap: 400,
        ooo: 0,
        lateness: 0,
        batchSize,
        listen: true,
      });
      expect(norm(fired)).toEqual(
        norm([
          { key: "a", start: -150, end: 250, ids: [0] },
          { key: "b", start: 250, end: 650, ids: [1] },
          { key: "a", start: 250, end: 650, ids: [2] },
        ]),
      );
      expect(late).toEqual([]);
    }
  });
});

describe("session windows: a purged session reopened over the same span", () => {
  it("b@0 fires and is purged at watermark 249; b@50 and b@0 open [0, 300), a new session: record 0 stays only in the final [0, 250) (FC_SEED=-1563710799)", async () => {
    // gap 250, no out-of-orderness, no lateness. a@250 moves the watermark to 249: b's [0, 250)
    // fires with record 0 and is purged (cleanup = 249 + 0). b@50 opens [50, 300); b@0 opens
    // [0, 250), which merges with it into [0, 300): late is checked after merging (Flink's
    // WindowOperator: 299 + 0 > 249), so it is not late. [0, 300) covers [0, 250) but is another
    // session: record 0 is in exactly one final result, nothing late, nothing dropped.
    const recs = [
      { id: 0, k: "b", t: 0 },
      { id: 1, k: "a", t: 250 },
      { id: 2, k: "b", t: 50 },
      { id: 3, k: "b", t: 0 },
    ];
    const expected = [
      { key: "b", start: 0, end: 250, ids: [0] },
      { key: "a", start: 250, end: 500, ids: [1] },
      { key: "b", start: 0, end: 300, ids: [2, 3] },
    ];
    for (const batchSize of batchSizes) {
      const { fired, late, report } = await runSessions(recs, {
        gap: 250,
        ooo: 0,
        lateness: 0,
        batchSize,
        listen: true,
      });
      expect(norm(fired)).toEqual(norm(expected));
      expect(late).toEqual([]);
      expect(report.lateDropped).toBe(0);
      // both b results are final: neither re-fires the other
      expect(norm(finals(fired))).toEqual(norm(expected));
    }
  });
});

describe("session windows with lateness (property)", () => {
  it("every record ends in exactly one of: a final session result, lateRecords(), the lateDropped count; all firings equal Flink's per-record model; any batch size", async () => {
    await fc.assert(
      fc.asyncProperty(
        events,
        fc.integer({ min: 1, max: 8 }).map((x) => x * 50),
        fc.integer({ min: 0, max: 6 }).map((x) => x * 50),
        fc.constantFrom(0, 50, 200, 600, 10_000),
        fc.constantFrom(...batchSizes),
        async (recs, gap, ooo, lateness, batchSize) => {
          const ref = referenceSessionWindows(recs, {
            key: (r) => r.k,
            ts: (r) => r.t,
            gap,
            maxOutOfOrderness: ooo,
            allowedLateness: lateness,
          });
          const withLate = await runSessions(recs, { gap, ooo, lateness, batchSize, listen: true });
          // every firing, re-firings included, as the per-record model
          expect(norm(withLate.fired)).toEqual(
            norm(
              ref.results.map((w) => ({
                key: w.key,
                start: w.start,
                end: w.end,
                ids: w.records.map((r) => r.id),
              })),
            ),
          );
          expect([...withLate.late].sort((a, b) => a - b)).toEqual(
            ref.late.map((r) => r.id).sort((a, b) => a - b),
          );
          // exactly one place per record
          const inFinal = finals(withLate.fired).flatMap((f) => f.ids);
          expect(new Set(inFinal).size).toBe(inFinal.length);
          expect([...inFinal, ...withLate.late].sort((a, b) => a - b)).toEqual(recs.map((r) => r.id));
          expect(withLate.report.lateDropped).toBe(0);
          // without a listener, the late records are counted instead
          const counted = await runSessions(recs, { gap, ooo, lateness, batchSize, listen: false });
          expect(norm(counted.fired)).toEqual(norm(withLate.fired));
          expect(counted.report.lateDropped).toBe(withLate.late.length);
        },
      ),
      // a local numRuns overrides fast-check's global one: FC_NUM_RUNS raises it explicitly
      { numRuns: replaySettings().numRuns ?? 150 },
    );
  });
});

describe("session windows forget a key whose sessions are all purged", () => {
  it("the checkpoint holds no entry for it, and a new record of it opens a fresh session", () => {
    const fired: string[] = [];
    const ctx: WindowContext & { wm: number } = {
      wm: Number.NEGATIVE_INFINITY,
      get watermark() {
        return ctx.wm;
      },
      lateness: 0,
      eachRecord: false,
      fire(key, window, state) {
        fired.push(`${String(key)} [${window.start}, ${window.end}) ${(state as { n: number }).n}`);
      },
      fireWindow() {},
      ackWith() {},
      late() {},
      unassigned() {},
    };
    const w = new SessionWindows(100, aggPlan(aggregatorSpec({ n: count() })), ctx);
    w.add("a", {}, 0, null);
    w.add("b", {}, 50, null);
    w.add("a", {}, 500, null);
    ctx.wm = 149; // fires and purges a's [0, 100) and b's [50, 150)
    w.advance(ctx.wm);
    expect(fired).toEqual(["a [0, 100) 1", "b [50, 150) 1"]);
    expect(w.stateCount()).toBe(1);
    expect(w.snapshot().keys.map(([k, list]) => [k, list.map((x) => [x.start, x.end])])).toEqual([
      ["a", [[500, 600]]],
    ]);
    w.add("b", {}, 700, null);
    w.fireAll();
    expect(fired.slice(2)).toEqual(["a [500, 600) 1", "b [700, 800) 1"]);
    expect(w.stateCount()).toBe(0);
  });
});

describe("session windows: acknowledgements through a merge", () => {
  it("a late record bridging a fired session (no tokens left) and a pending one (holding tokens): every record acknowledged, after the merged result", async () => {
    class AckedSteps extends StepSource {
      readonly acks: number[] = [];
      override ack(position: number): void {
        this.acks.push(position);
      }
    }
    // [0, 100) fires at 99; [150, 250) is pending; 100 touches both (lateness 1000)
    const src = new AckedSteps([
      ["record", 0],
      ["watermark", 99],
      ["record", 150],
      ["record", 100],
      ["watermark", 5000],
    ]);
    const env = new Env({ batchSize: 1 });
    const written: string[] = [];
    env
      .from(src)
      .withTimestamps((r) => r.t, { maxOutOfOrderness: Number.POSITIVE_INFINITY })
      .keyBy((r) => r.k)
      .window(session(100))
      .allowedLateness(1000)
      .agg({ n: count() })
      .map((r) => `${r.n} [${r.window.start}, ${r.window.end}) acked ${src.acks.at(-1) ?? 0}`)
      .to(
        new (class extends Sink<string> {
          produce(xs: string[]) {
            written.push(...xs);
          }
        })(),
      );
    await env.run();
    expect(written).toEqual(["1 [0, 100) acked 0", "3 [0, 250) acked 1"]);
    expect(src.acks.at(-1)).toBe(3);
  });
});
