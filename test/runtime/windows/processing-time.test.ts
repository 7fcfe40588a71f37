import { describe, expect, it } from "vitest";
import { count, Env, list, Source, session, sliding, tumbling } from "../../../src/index.js";
import { VirtualClock } from "../../../src/testing/index.js";

/** Hands out `n` records per step after moving the virtual clock to the step's time. */
class ClockedSource extends Source<{ id: number }> {
  private step = 0;
  private id = 0;
  constructor(
    private readonly clock: VirtualClock,
    private readonly steps: { at: number; n: number }[],
  ) {
    super();
  }
  async consume(): Promise<{ id: number }[] | null> {
    const s = this.steps[this.step++];
    if (s === undefined) return null;
    await this.clock.advanceTo(s.at);
    return Array.from({ length: s.n }, () => ({ id: this.id++ }));
  }
}

describe("processing-time windows never treat records as late", () => {
  it("a clock frozen at end - 1: every record lands in [0, 1000), none is late", async () => {
    const clock = new VirtualClock(999);
    const env = new Env({ clock, batchSize: 4 });
    const w = env.from(Array.from({ length: 10 }, (_, id) => ({ id }))).window(tumbling(1000));
    const out = w.agg({ n: count(), ids: list((r: { id: number }) => r.id) }).toArray();
    const late = w.lateRecords().toArray();
    const report = await env.run();
    expect(await out).toEqual([
      { key: undefined, window: { start: 0, end: 1000 }, n: 10, ids: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
    ]);
    expect(await late).toEqual([]);
    expect(report.lateDropped).toBe(0);
  });

  it("across window boundaries (the last millisecond, fractional clocks, the exact end): nothing lost, each record in the window of its arrival", async () => {
    const clock = new VirtualClock(0);
    const steps = [
      { at: 998, n: 2 },
      { at: 999, n: 3 }, // end - 1 of [0, 1000)
      { at: 999.75, n: 1 }, // still [0, 1000)
      { at: 1000, n: 2 }, // the next window's first millisecond
      { at: 1999.5, n: 2 },
      { at: 2000, n: 1 },
    ];
    for (const keyed of [false, true]) {
      const env = new Env({ clock, batchSize: 1024 });
      const src = env.from(
        new ClockedSource(
          clock,
          steps.map((s) => ({ ...s, at: s.at + clock.now() })),
        ),
      );
      const base = clock.now();
      const out = (
        keyed
          ? src
              .keyBy(() => "k")
              .window(tumbling(1000))
              .agg({ n: count() })
          : src.window(tumbling(1000)).agg({ n: count() })
      ).toArray();
      const report = await env.run();
      const got = (await out).map((r) => [r.window.start - base, r.n]);
      expect(got).toEqual([
        [0, 6],
        [1000, 4],
        [2000, 1],
      ]);
      expect(report.lateDropped).toBe(0);
      await clock.advanceTo(Math.ceil(clock.now() / 1000) * 1000 + 10_000);
    }
  });

  it("a window fires on its timer once the clock passes end - 1, with every record of its last millisecond", async () => {
    const clock = new VirtualClock(0);
    let firstResult!: () => void;
    const firedBeforeEnd = new Promise<void>((resolve) => {
      firstResult = resolve;
    });
    // the third step waits for [0, 1000)'s result: it comes only if the timer fired (the input has not ended)
    class WaitingSource extends ClockedSource {
      private calls = 0;
      override async consume() {
        if (++this.calls === 3) await firedBeforeEnd;
        return super.consume();
      }
    }
    const env = new Env({ clock, batchSize: 1024 });
    const src = new WaitingSource(clock, [
      { at: 999, n: 3 },
      { at: 1500, n: 1 }, // moving to 1500 runs the timer of [0, 1000), due at 1000
      { at: 1500, n: 1 },
    ]);
    const out = env
      .from(src)
      .window(tumbling(1000))
      .count()
      .tap(() => firstResult())
      .toArray();
    await env.run();
    expect((await out).map((r) => [r.window.start, r.value])).toEqual([
      [0, 3],
      [1000, 2],
    ]);
  });

  it("sliding and session windows in processing time take a record at end - 1 too", async () => {
    const clock = new VirtualClock(999);
    const env = new Env({ clock });
    const recs = Array.from({ length: 5 }, (_, id) => ({ id }));
    const s = env.from(recs);
    const slid = s.window(sliding(1000, 500)).count().toArray();
    const sess = s.window(session(1)).count().toArray();
    const report = await env.run();
    expect((await slid).map((r) => [r.window.start, r.value])).toEqual([
      [0, 5],
      [500, 5],
    ]);
    expect((await sess).map((r) => [r.window.start, r.window.end, r.value])).toEqual([[999, 1000, 5]]);
    expect(report.lateDropped).toBe(0);
  });
});

describe("processing-time windows fire on a timer at the clock time end (once it passes end - 1)", () => {
  it("tumbling and session windows: the result goes out at clock time end, before the input ends", async () => {
    const cases = [
      { name: "tumbling(1000)", window: tumbling(1000), bounds: [0, 1000] },
      { name: "session(100)", window: session(100), bounds: [100, 200] },
    ] as const;
    for (const c of cases) {
      const clock = new VirtualClock(0);
      const env = new Env({ clock, batchSize: 1024 });
      const seen: [number, number, number][] = [];
      const src = new ClockedSource(clock, [
        { at: 100, n: 1 },
        { at: c.bounds[1], n: 1 }, // moving the clock to end runs the first window's timer
        { at: 5000, n: 0 },
      ]);
      const out = env
        .from(src)
        .window(c.window)
        .count()
        .tap((r) => seen.push([r.window.start, r.window.end, clock.now()]))
        .toArray();
      await env.run();
      expect((await out).map((r) => r.value)).toEqual([1, 1]);
      // the first result at the clock time of its window's end, not at the end of the input
      expect(seen[0], c.name).toEqual([c.bounds[0], c.bounds[1], c.bounds[1]]);
    }
  });
});
