import { describe, expect, it } from "vitest";
import {
  type Clock,
  ConfigError,
  count,
  countWindow,
  Env,
  globalWindow,
  list,
  type RunReport,
  Sink,
  Source,
  StateAggregator,
  session,
  sliding,
  sum,
  tumbling,
} from "../../src/index.js";
import { VirtualClock } from "../../src/util/virtual-clock.js";
import { AckingSource, ticks } from "../helpers.js";

interface Ev {
  k: string;
  t: number;
  v: number;
}
const ev = (k: string, t: number, v = 1): Ev => ({ k, t, v });
const byWindow = (
  a: { key: unknown; window: { start: number } },
  b: { key: unknown; window: { start: number } },
) => String(a.key).localeCompare(String(b.key)) || a.window.start - b.window.start;

describe("event-time windows (Flink's documented behaviour)", () => {
  it("tumbling windows with out-of-order records within maxOutOfOrderness", async () => {
    const out = await new Env({ batchSize: 2 })
      .from([ev("a", 1000), ev("a", 6000), ev("a", 4000), ev("a", 11_000), ev("a", 5999)])
      .withTimestamps((r) => r.t, { maxOutOfOrderness: 3000 })
      .keyBy((r) => r.k)
      .window(tumbling(5000))
      .agg({ n: count(), ts: list((r: Ev) => r.t) })
      .toArray();
    expect(out).toEqual([
      { key: "a", window: { start: 0, end: 5000 }, n: 2, ts: [1000, 4000] },
      { key: "a", window: { start: 5000, end: 10_000 }, n: 2, ts: [6000, 5999] },
      { key: "a", window: { start: 10_000, end: 15_000 }, n: 1, ts: [11_000] },
    ]);
  });

  it("a window fires when the watermark reaches end - 1, not before", async () => {
    const run = async (recs: Ev[]) => {
      const env = new Env({ batchSize: 1 });
      const w = env
        .from(recs)
        .withTimestamps((r) => r.t)
        .window(tumbling(5000));
      const out = w.count().toArray();
      const late = w.lateRecords().toArray();
      await env.run();
      return { out: (await out).map((r) => [r.window.start, r.value]), late: (await late).map((r) => r.t) };
    };
    // 5000 brings the watermark to 4999 = end - 1 of [0, 5000): it fires, so 4999 is late
    expect(await run([ev("a", 100), ev("a", 5000), ev("a", 4999)])).toEqual({
      out: [
        [0, 1],
        [5000, 1],
      ],
      late: [4999],
    });
    // 4999 brings it to 4998 only: [0, 5000) is still open and takes 4998
    expect(await run([ev("a", 100), ev("a", 4999), ev("a", 4998)])).toEqual({ out: [[0, 3]], late: [] });
  });

  it("negative timestamps land in negative windows; non-keyed key is undefined", async () => {
    const out = await new Env()
      .from([ev("a", -1), ev("a", -5000), ev("a", -5001), ev("a", 0)])
      .withTimestamps((r) => r.t, { maxOutOfOrderness: 10_000 })
      .window(tumbling(5000))
      .count()
      .toArray();
    expect(out).toEqual([
      { key: undefined, window: { start: -10_000, end: -5000 }, value: 1 },
      { key: undefined, window: { start: -5000, end: 0 }, value: 2 },
      { key: undefined, window: { start: 0, end: 5000 }, value: 1 },
    ]);
  });

  it("allowed lateness re-fires with the updated result; later records go to lateRecords()", async () => {
    const env = new Env({ batchSize: 1 });
    const w = env
      .from([ev("a", 1000), ev("a", 7000), ev("a", 2000), ev("a", 9000), ev("a", 3000), ev("b", 100)])
      .withTimestamps((r) => r.t)
      .keyBy((r) => r.k)
      .window(tumbling(5000))
      .allowedLateness(3000);
    const results = w.agg({ n: count() }).toArray();
    const late = w.lateRecords().toArray();
    const report = await env.run();
    // [0,5000) fires at wm 6999 (n=1), re-fires with 2000 (n=2) since 4999 + 3000 > 6999;
    // at wm 8999 the window is purged (4999 + 3000 <= 8999): 3000 and b@100 are late
    expect(await results).toEqual([
      { key: "a", window: { start: 0, end: 5000 }, n: 1 },
      { key: "a", window: { start: 0, end: 5000 }, n: 2 },
      { key: "a", window: { start: 5000, end: 10_000 }, n: 2 },
    ]);
    expect(await late).toEqual([ev("a", 3000), ev("b", 100)]);
    const node = report.nodes.find((n) => n.kind === "window")!;
    expect(node.lateRecords).toBe(2);
    expect(report.lateDropped).toBe(0);
  });

  it("two agg()s on one windowed stream: each late record reaches lateRecords() once", async () => {
    const env = new Env({ batchSize: 1 });
    const w = env
      .from([ev("a", 1000), ev("a", 7000), ev("a", 2000), ev("b", 9000), ev("a", 3000)])
      .withTimestamps((r) => r.t)
      .keyBy((r) => r.k)
      .window(tumbling(5000));
    const counts = w.agg({ n: count() }).toArray();
    const late = w.lateRecords().toArray();
    const sums = w.agg({ s: sum((r: Ev) => r.v) }).toArray();
    // a copy with its own lateness has its own late records: 2000 is within 3 s of [0, 5000)
    const lenient = w.allowedLateness(3000);
    const lenientCounts = lenient.agg({ n: count() }).toArray();
    const lenientLate = lenient.lateRecords().toArray();
    const report = await env.run();
    expect(await late).toEqual([ev("a", 2000), ev("a", 3000)]);
    expect((await counts).map((r) => r.n)).toEqual([1, 1, 1]);
    expect((await sums).map((r) => r.s)).toEqual([1, 1, 1]);
    expect((await lenientCounts).map((r) => [r.window.start, r.n])).toEqual([
      [0, 1],
      [0, 2],
      [5000, 1],
      [5000, 1],
    ]);
    expect(await lenientLate).toEqual([ev("a", 3000)]);
    const windowNodes = report.nodes.filter((n) => n.kind === "window");
    expect(windowNodes.map((n) => n.lateRecords)).toEqual([2, 0, 1]);
    expect(report.lateDropped).toBe(0);
  });

  it("late records with no listener are counted in the run report, never silently", async () => {
    const env = new Env();
    env
      .from([ev("a", 10_000), ev("a", 1)])
      .withTimestamps((r) => r.t)
      .window(tumbling(1000))
      .count()
      .to(
        new (class extends Sink<unknown> {
          produce() {}
        })(),
      );
    const report: RunReport = await env.run();
    expect(report.lateDropped).toBe(1);
  });

  it("session windows merge, also when a late-but-allowed record bridges two sessions", async () => {
    const env = new Env({ batchSize: 1 });
    const out = await env
      .from([ev("a", 0), ev("a", 500), ev("a", 3000), ev("a", 10_000), ev("a", 1800)])
      .withTimestamps((r) => r.t)
      .keyBy((r) => r.k)
      .window(session(1000))
      .allowedLateness(20_000)
      .agg({ n: count(), ts: list((r: Ev) => r.t) })
      .toArray();
    // [0,1500) and [3000,4000) fire at wm 9999; 1800 opens [1800,2800): intersects [0,1500)? no
    // (1800 > 1500); it does not bridge. Then nothing else: 3 sessions + the merged ones.
    expect(out).toEqual([
      { key: "a", window: { start: 0, end: 1500 }, n: 2, ts: [0, 500] },
      { key: "a", window: { start: 3000, end: 4000 }, n: 1, ts: [3000] },
      { key: "a", window: { start: 1800, end: 2800 }, n: 1, ts: [1800] },
      { key: "a", window: { start: 10_000, end: 11_000 }, n: 1, ts: [10_000] },
    ]);
    const bridged = await new Env({ batchSize: 1 })
      .from([ev("a", 0), ev("a", 2000), ev("a", 10_000), ev("a", 1000)])
      .withTimestamps((r) => r.t)
      .keyBy((r) => r.k)
      .window(session(1000))
      .allowedLateness(20_000)
      .agg({ n: count() })
      .toArray();
    // 1000 touches [0,1000) and [2000,3000) (inclusive intersection, as Flink): one session [0,3000)
    expect(bridged).toEqual([
      { key: "a", window: { start: 0, end: 1000 }, n: 1 },
      { key: "a", window: { start: 2000, end: 3000 }, n: 1 },
      { key: "a", window: { start: 0, end: 3000 }, n: 3 },
      { key: "a", window: { start: 10_000, end: 11_000 }, n: 1 },
    ]);
  });

  it("sliding windows: each record counted in size/slide windows", async () => {
    const out = await new Env()
      .from([ev("a", 0), ev("a", 2500), ev("a", 7000)])
      .withTimestamps((r) => r.t, { maxOutOfOrderness: 10_000 })
      .keyBy((r) => r.k)
      .window(sliding(5000, 2500))
      .count()
      .toArray();
    // 0 -> [-2500,2500) [0,5000); 2500 -> [0,5000) [2500,7500); 7000 -> [2500,7500) [5000,10000)
    expect(out.sort(byWindow).map((r) => [r.window.start, r.value])).toEqual([
      [-2500, 1],
      [0, 2],
      [2500, 2],
      [5000, 1],
    ]);
  });

  it("count and global windows; every window fires at the end of the input", async () => {
    const recs = [ev("a", 0, 1), ev("b", 0, 10), ev("a", 0, 2), ev("a", 0, 3)];
    const counts = await new Env()
      .from(recs)
      .keyBy((r) => r.k)
      .window(countWindow(2))
      .sum((r) => r.v)
      .toArray();
    expect(counts.sort(byWindow)).toEqual([
      { key: "a", window: { start: 0, end: 2 }, value: 3 },
      { key: "a", window: { start: 2, end: 3 }, value: 3 },
      { key: "b", window: { start: 0, end: 1 }, value: 10 },
    ]);
    const global = await new Env()
      .from(recs)
      .keyBy((r) => r.k)
      .window(globalWindow())
      .sum((r) => r.v)
      .toArray();
    expect(global.map((r) => [r.key, r.value, r.window.start, r.window.end])).toEqual([
      ["a", 6, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
      ["b", 10, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
    ]);
  });

  it("union takes the minimum watermark of its inputs; an idle input is left out", async () => {
    const clock = new VirtualClock(0);
    const env = new Env({ batchSize: 1, clock });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* fastGen() {
      yield ev("a", 1000);
      yield ev("a", 20_000);
      await gate;
    }
    const fast = env.from(fastGen()).withTimestamps((r) => r.t);
    async function* slowGen() {
      yield ev("b", 500);
      await gate;
    }
    const slow = env.from(slowGen()).withTimestamps((r) => r.t, { idleTimeout: 20 });
    const fired: { key: unknown; window: { start: number } }[] = [];
    fast
      .union(slow)
      .window(tumbling(5000))
      .count()
      .to(
        new (class extends Sink<{ key: unknown; window: { start: number } }> {
          produce(e: { key: unknown; window: { start: number } }[]) {
            fired.push(...e);
          }
        })(),
      );
    const run = env.run();
    const windowIn = () =>
      env
        .runtimeNodes()
        .filter((n) => n.kind === "window")
        .reduce((a, n) => a + n.stats.recordsIn, 0);
    while (windowIn() < 3) await new Promise((r) => setImmediate(r));
    // the slow input holds the watermark at 499: nothing may fire yet, even 19 ms later
    await clock.advance(19);
    expect(fired).toEqual([]);
    // once it is idle (20 ms of the Env's clock), the fast input's watermark (19999) fires [0, 5000)
    await clock.advance(21);
    while (fired.length === 0) await new Promise((r) => setImmediate(r));
    expect(fired.map((r) => r.window.start)).toEqual([0]);
    release();
    await run;
    expect(fired.map((r) => r.window.start)).toEqual([0, 20_000]);
  });

  it("processing-time windows (no withTimestamps) fire on the injected clock", async () => {
    let now = 1_000_000;
    const timers: { at: number; fn: () => void }[] = [];
    const clock: Clock = {
      now: () => now,
      setTimeout(fn, ms) {
        const t = { at: now + ms, fn };
        timers.push(t);
        return t;
      },
      clearTimeout(h) {
        const i = timers.indexOf(h as (typeof timers)[0]);
        if (i >= 0) timers.splice(i, 1);
      },
    };
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    class Gated extends Source<number> {
      step = 0;
      async consume() {
        this.step++;
        if (this.step === 1) return [1, 2];
        if (this.step === 2) {
          await gate;
          return [3];
        }
        return null;
      }
    }
    const fired: { window: { start: number; end: number }; value: number }[] = [];
    const env = new Env({ clock, lingerMs: 1 });
    env
      .from(new Gated())
      .window(tumbling(1000))
      .count()
      .to(
        new (class extends Sink<(typeof fired)[0]> {
          produce(e: typeof fired) {
            fired.push(...e);
          }
        })(),
      );
    const run = env.run();
    await ticks(20);
    expect(fired).toEqual([]);
    expect(timers).toHaveLength(1);
    now = 1_001_000;
    timers.shift()!.fn();
    await ticks(20);
    expect(fired).toEqual([{ key: undefined, window: { start: 1_000_000, end: 1_001_000 }, value: 2 }]);
    release();
    await run;
    expect(fired[1]).toEqual({ key: undefined, window: { start: 1_001_000, end: 1_002_000 }, value: 1 });
  });

  it("acknowledges a record only after a window result containing it was written", async () => {
    const source = new AckingSource([ev("a", 0), ev("a", 1000), ev("a", 6000), ev("a", 12_000)], 1);
    const env = new Env({ batchSize: 1 });
    const acksAtWrite: number[][] = [];
    env
      .from(source)
      .withTimestamps((r) => r.t)
      .window(tumbling(5000))
      .count()
      .to(
        new (class extends Sink<unknown> {
          produce() {
            acksAtWrite.push([...source.acks]);
          }
        })(),
      );
    await env.run();
    // when [0,5000) is written, nothing is acked yet (its records are in it)
    expect(acksAtWrite[0]).toEqual([]);
    expect(source.acks.at(-1)).toBe(4);
  });

  it("windowed.use(Class, arg) is agg(new Class(arg)); agg(Class) instantiates it", async () => {
    class Product extends StateAggregator<Ev, number, number> {
      p = 1;
      constructor(readonly scale = 1) {
        super();
      }
      collect(e: Ev) {
        this.p *= e.v * this.scale;
      }
      yield() {
        return this.p;
      }
      override snapshot() {
        return this.p;
      }
      override restore(s: number) {
        this.p = s;
      }
    }
    const recs = [ev("a", 0, 2), ev("a", 1, 3)];
    const used = await new Env().from(recs).window(globalWindow()).use(Product, 10).toArray();
    expect(used[0].value).toBe(600);
    const byClass = await new Env().from(recs).window(globalWindow()).agg(Product).toArray();
    expect(byClass[0].value).toBe(6);
  });

  it("rejects bad specs: reserved field names, non-aggregators, sessions without merge", () => {
    const w = new Env().from([ev("a", 0)]).window(tumbling(10));
    expect(() => w.agg({ key: count() })).toThrow(/reserved/);
    expect(() => w.agg({ x: 42 as never })).toThrow(ConfigError);
    class NoMerge extends StateAggregator<Ev, number, number> {
      collect() {}
      yield() {
        return 0;
      }
      override snapshot() {
        return 0;
      }
      override restore() {}
    }
    expect(() =>
      new Env()
        .from([ev("a", 0)])
        .window(session(10))
        .agg(new NoMerge()),
    ).toThrow(/aggregators need merge\(other\); NoMerge has none/);
    expect(() => w.allowedLateness(-1)).toThrow(ConfigError);
  });

  it("a bad timestamp goes through the fault policy", async () => {
    const env = new Env({ onError: "dead-letter" });
    const out = await env
      .from([ev("a", 1), { k: "a", t: Number.NaN, v: 1 }, ev("a", 2)])
      .withTimestamps((r) => r.t)
      .window(globalWindow())
      .agg(sum((r: Ev) => r.v))
      .toArray();
    expect(out[0].value).toBe(2);
    await expect(
      new Env()
        .from([{ t: "x" as unknown as number }])
        .withTimestamps((r) => r.t)
        .toArray(),
    ).rejects.toThrow(/timestamp must be a finite number/);
  });
});

describe("keyed running aggregation", () => {
  it("agg emits the updated result per record; reduce folds per key", async () => {
    const recs = [ev("a", 0, 1), ev("b", 0, 5), ev("a", 0, 2)];
    expect(
      await new Env()
        .from(recs)
        .keyBy((r) => r.k)
        .agg({ n: count(), s: sum((r: Ev) => r.v) })
        .toArray(),
    ).toEqual([
      { key: "a", n: 1, s: 1 },
      { key: "b", n: 1, s: 5 },
      { key: "a", n: 2, s: 3 },
    ]);
    expect(
      await new Env()
        .from(recs)
        .group((r) => r.k)
        .reduce((a, b) => ({ ...b, v: a.v + b.v }))
        .toArray(),
    ).toEqual([ev("a", 0, 1), ev("b", 0, 5), ev("a", 0, 3)]);
  });
});

describe("source watermarks", () => {
  it("a source's watermark goes after the batch it came with, so that batch is not late", async () => {
    class WithWatermark extends Source<Ev> {
      private step = 0;
      consume(): Ev[] | null {
        return this.step++ === 0 ? [ev("a", 100), ev("a", 200)] : null;
      }
      override currentWatermark(): number | undefined {
        return this.step >= 1 ? 5000 : undefined;
      }
    }
    const env = new Env();
    const out = env
      .from(new WithWatermark())
      .withTimestamps((r) => r.t, { maxOutOfOrderness: Number.POSITIVE_INFINITY })
      .window(tumbling(1000))
      .count()
      .toArray();
    const report = await env.run();
    expect(await out).toEqual([{ key: undefined, window: { start: 0, end: 1000 }, value: 2 }]);
    expect(report.lateDropped).toBe(0);
  });
});
