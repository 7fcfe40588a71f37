import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Env,
  PipelineError,
  RunError,
  StateAggregator,
  StateError,
  session,
  tumbling,
} from "../../src/index.js";
import { checkAggregatorLaws, checkAggregatorLawsAsync } from "../../src/testing/index.js";

interface Reading {
  name: string;
  t: number;
  value: number;
}
const readings: Reading[] = [
  { name: "a", t: 0, value: 1 },
  { name: "b", t: 10, value: 10 },
  { name: "a", t: 20, value: 3 },
  { name: "a", t: 1500, value: 5 },
  { name: "b", t: 1600, value: 20 },
  { name: "b", t: 1700, value: 40 },
];

/** The original design's aggregator, as it was written: only collect and yield, both async. */
class MeansStateAggregator extends StateAggregator<Reading, number> {
  sum = 0;
  count = 0;
  async collect(elem: Reading) {
    this.sum += elem.value;
    this.count++;
  }
  async yield() {
    return this.sum / this.count;
  }
}

/** The same, synchronous. */
class Means extends StateAggregator<Reading, number> {
  sum = 0;
  count = 0;
  collect(elem: Reading) {
    this.sum += elem.value;
    this.count++;
  }
  yield() {
    return this.sum / this.count;
  }
}

const windowed = (env: Env) =>
  env
    .from(readings)
    .withTimestamps((r) => r.t)
    .keyBy((r) => r.name)
    .window(tumbling(1000));
const expectedMeans = [
  { key: "a", window: { start: 0, end: 1000 }, value: 2 },
  { key: "b", window: { start: 0, end: 1000 }, value: 10 },
  { key: "a", window: { start: 1000, end: 2000 }, value: 5 },
  { key: "b", window: { start: 1000, end: 2000 }, value: 30 },
];

describe("a StateAggregator written the original way (collect and yield only)", () => {
  it("async collect/yield are awaited: results are numbers, not Promises (windows and running aggregation)", async () => {
    const env = new Env({ batchSize: 2 });
    const win = windowed(env).agg(MeansStateAggregator).toArray();
    const running = env
      .from(readings)
      .keyBy((r) => r.name)
      .agg(MeansStateAggregator)
      .toArray();
    await env.run();
    expect(await win).toEqual(expectedMeans);
    expect((await running).map((r) => [r.key, r.value])).toEqual([
      ["a", 1],
      ["b", 10],
      ["a", 2],
      ["a", 3],
      ["b", 15],
      ["b", 70 / 3],
    ]);
  });

  it("the sync version needs no snapshot/restore: the defaults copy its own fields", async () => {
    expect(await windowed(new Env()).agg(Means).toArray()).toEqual(expectedMeans);
    const m = new Means();
    m.collect(readings[0]);
    m.collect(readings[2]);
    expect(m.snapshot()).toEqual({ sum: 4, count: 2 });
    const r = new Means();
    r.restore(m.snapshot());
    expect(r.yield()).toBe(2);
    const c = m.clone();
    c.collect(readings[3]);
    expect([m.yield(), c.yield()]).toEqual([2, 3]);
  });

  it("agg(Class) constructs a new instance per key and window, and never clones", async () => {
    let made = 0;
    class Counted extends Means {
      constructor() {
        super();
        made++;
      }
      override clone(): this {
        throw new Error("clone() must not be called for agg(Class)");
      }
    }
    expect(await windowed(new Env()).agg(Counted).toArray()).toEqual(expectedMeans);
    expect(made).toBe(4); // 2 keys x 2 windows
  });

  it("use(Class, ...args) constructs new Class(...args) per key and window (the original design's state generator)", async () => {
    class Scaled extends Means {
      constructor(readonly factor: number) {
        super();
      }
      override yield() {
        return super.yield() * this.factor;
      }
    }
    const out = await windowed(new Env()).use(Scaled, 10).toArray();
    expect(out.map((r) => r.value)).toEqual([20, 100, 50, 300]);
  });

  it("async collects run in order per key and window, whatever their delays and the batch size", async () => {
    class Ordered extends StateAggregator<{ k: number; i: number; d: number }, number[]> {
      seen: number[] = [];
      async collect(e: { i: number; d: number }) {
        await new Promise((r) => setTimeout(r, e.d));
        this.seen.push(e.i);
      }
      async yield() {
        return [...this.seen];
      }
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ k: fc.integer({ min: 0, max: 2 }), d: fc.integer({ min: 0, max: 3 }) }), {
          maxLength: 25,
        }),
        fc.constantFrom(1, 7, 1024),
        async (xs, batchSize) => {
          const recs = xs.map((x, i) => ({ ...x, i }));
          const out = await new Env({ batchSize })
            .from(recs)
            .withTimestamps(() => 0)
            .keyBy((r) => r.k)
            .window(tumbling(1000))
            .agg(Ordered)
            .toArray();
          const expected = [...new Set(recs.map((r) => r.k))].map((k) => ({
            key: k,
            value: recs.filter((r) => r.k === k).map((r) => r.i),
          }));
          expect(out.map((r) => ({ key: r.key, value: r.value }))).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("async aggregators merge in session windows", async () => {
    class AsyncSum extends StateAggregator<Reading, number> {
      total = 0;
      async collect(e: Reading) {
        this.total += e.value;
      }
      async yield() {
        return this.total;
      }
      override async merge(other: AsyncSum) {
        await new Promise((r) => setTimeout(r, 1));
        this.total += other.total;
      }
    }
    const out = await new Env({ batchSize: 1 })
      .from([
        { name: "a", t: 0, value: 1 },
        { name: "a", t: 200, value: 2 },
        { name: "a", t: 100, value: 4 }, // bridges [0, 150) and [200, 350)
      ])
      .withTimestamps((r) => r.t, { maxOutOfOrderness: 1000 })
      .keyBy((r) => r.name)
      .window(session(150))
      .agg(AsyncSum)
      .toArray();
    expect(out).toEqual([{ key: "a", window: { start: 0, end: 350 }, value: 7 }]);
  });

  it("an async collect that rejects fails the run with a PipelineError naming the window node (no unhandled rejection)", async () => {
    class Fails extends MeansStateAggregator {
      override async collect(elem: Reading) {
        if (elem.value === 5) throw new Error("sensor offline");
        await super.collect(elem);
      }
    }
    const env = new Env();
    const out = windowed(env).agg(Fails).toArray();
    out.catch(() => {});
    const err = await env.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunError);
    const e = (err as RunError).errors[0];
    expect(e).toBeInstanceOf(PipelineError);
    expect(e.message).toMatch(/window.*sensor offline/);
  });

  it("a collect returning a Promise without being declared async is a StateError saying what to do", async () => {
    class Sneaky extends StateAggregator<Reading, number> {
      n = 0;
      collect(): Promise<void> {
        return Promise.resolve(); // not declared async
      }
      yield() {
        return this.n;
      }
    }
    const env = new Env();
    void windowed(env)
      .agg(Sneaky)
      .toArray()
      .catch(() => {});
    const err = (await env.run().catch((e: unknown) => e)) as RunError;
    expect(err.errors[0].cause).toBeInstanceOf(StateError);
    expect(err.errors[0].message).toMatch(/Sneaky\.collect\(\) returned a Promise but is not declared async/);
  });

  it("the default snapshot names a field that cannot be cloned", () => {
    class Holder extends StateAggregator<number, number> {
      socket = { send: () => {} };
      collect() {}
      yield() {
        return 0;
      }
    }
    expect(() => new Holder().snapshot()).toThrow(StateError);
    expect(() => new Holder().snapshot()).toThrow(
      /Holder\.snapshot\(\): field "socket" is not structured-clonable/,
    );
  });

  it("checkAggregatorLaws passes for the default snapshot/restore; the async variant for the original aggregator", async () => {
    const model = (xs: number[]) =>
      xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
    const values = fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 20 });
    class SyncOnNumbers extends StateAggregator<number, number> {
      sum = 0;
      count = 0;
      collect(v: number) {
        this.sum += v;
        this.count++;
      }
      yield() {
        return this.sum / this.count;
      }
    }
    checkAggregatorLaws(() => new SyncOnNumbers(), { values, model });
    class AsyncOnNumbers extends StateAggregator<number, number> {
      sum = 0;
      count = 0;
      async collect(v: number) {
        await new Promise((r) => setImmediate(r));
        this.sum += v;
        this.count++;
      }
      async yield() {
        return this.sum / this.count;
      }
    }
    await checkAggregatorLawsAsync(() => new AsyncOnNumbers(), { values, model });
    expect(() => checkAggregatorLaws(() => new AsyncOnNumbers(), { values, model })).toThrow(
      /returned a Promise: check an async aggregator with await checkAggregatorLawsAsync/,
    );
  });

  it("checkAggregatorLaws prints NaN as NaN, and NaN is not null", () => {
    class MeanOrNaN extends StateAggregator<number, number> {
      sum = 0;
      count = 0;
      collect(v: number) {
        this.sum += v;
        this.count++;
      }
      yield() {
        return this.sum / this.count;
      }
    }
    // a model that says null for no values: JSON would print and compare NaN as null
    let message = "";
    try {
      checkAggregatorLaws(() => new MeanOrNaN(), {
        values: fc.constant([] as number[]),
        model: () => null as unknown as number,
        numRuns: 1,
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/collect: got NaN, expected null/);
  });
});
