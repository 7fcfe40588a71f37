import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  count,
  distinct,
  first,
  last,
  list,
  max,
  mean,
  min,
  percentile,
  type StateAggregator,
  stddev,
  sum,
  topN,
  variance,
} from "../../../src/index.js";
import { referenceAggregators } from "../../../src/testing/index.js";

/** The kit's reference models (plain loops) for each aggregator. */
const R = referenceAggregators;
const refs: [string, () => StateAggregator<number, unknown>, (xs: number[]) => unknown][] = [
  ["sum", () => sum<number>(), R.sum],
  ["count", () => count<number>(), R.count],
  ["mean", () => mean<number>(), R.mean],
  ["min", () => min<number>(), R.min],
  ["max", () => max<number>(), R.max],
  ["first", () => first<number>(), R.first],
  ["last", () => last<number>(), R.last],
  ["list", () => list<number>(), R.list],
  ["distinct", () => distinct<number>(), R.distinct],
  ["topN(3)", () => topN<number>(3), R.topN(3)],
  ["variance", () => variance<number>(), R.variance()],
  ["stddev(population)", () => stddev<number>(undefined, { population: true }), R.stddev(true)],
  ["percentile(90)", () => percentile<number>(90), R.percentile(90)],
];

const close = (a: unknown, b: unknown) => {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(b)) return expect(a).toBeNaN();
    if (!Number.isFinite(b)) return expect(a).toBe(b);
    return expect(a).toBeCloseTo(b, 6);
  }
  return expect(a).toEqual(b);
};

const values = fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 60 });

describe("aggregators equal their reference model (property)", () => {
  for (const [name, make, ref] of refs) {
    it(`${name}: collect = reference; snapshot/restore and clone keep the state; merge = concatenation`, () => {
      fc.assert(
        fc.property(values, values, (xs, ys) => {
          const a = make();
          for (const x of xs) a.collect(x);
          close(a.yield(), ref(xs));
          const b = make();
          b.restore(structuredClone(a.snapshot()));
          close(b.yield(), ref(xs));
          const c = a.clone();
          c.collect(7);
          close(a.yield(), ref(xs));
          close(c.yield(), ref([...xs, 7]));
          if (a.merge) {
            const other = make();
            for (const y of ys) other.collect(y);
            a.merge(other);
            if (name.startsWith("topN")) close(a.yield(), ref([...xs, ...ys]));
            else close(a.yield(), ref([...xs, ...ys]));
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe("percentile beyond the exact limit", () => {
  it("stays within the documented 1% relative error on 100,000 values", () => {
    const p = percentile<number>(95, undefined, { exactLimit: 1000 });
    const xs: number[] = [];
    let seed = 42;
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const x = 1 + (seed % 100_000) / 7;
      xs.push(x);
      p.collect(x);
    }
    xs.sort((a, b) => a - b);
    const exact = xs[Math.round(0.95 * (xs.length - 1))];
    const got = p.yield();
    expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(0.01);
    const s = percentile<number>(95, undefined, { exactLimit: 1000 });
    s.restore(structuredClone(p.snapshot()));
    expect(s.yield()).toBe(got);
  });

  it("handles zeros and negatives in the sketch", () => {
    const p = percentile<number>(50, undefined, { exactLimit: 10 });
    for (let i = -50; i <= 50; i++) p.collect(i);
    expect(Math.abs(p.yield())).toBeLessThanOrEqual(0.5);
    const q = percentile<number>(0, undefined, { exactLimit: 10 });
    for (let i = -50; i <= 50; i++) q.collect(i);
    expect(Math.abs(q.yield() + 50) / 50).toBeLessThanOrEqual(0.01);
  });

  it("the sketch answers the value of rank round((n - 1) p / 100), within its relative accuracy (exact reference, property)", () => {
    // distinct magnitudes 1.1x apart: a neighbouring rank is always outside the 1 % error band,
    // so a rank rounded the wrong way (floor, ceil, n instead of n - 1) is caught
    const mag = (i: number) => 1.1 ** i;
    const values = fc
      .uniqueArray(fc.integer({ min: -40, max: 40 }), { minLength: 1, maxLength: 60 })
      .chain((ks) =>
        fc.shuffledSubarray(
          ks.map((k) => (k === 0 ? 0 : Math.sign(k) * mag(Math.abs(k)))),
          { minLength: ks.length, maxLength: ks.length },
        ),
      );
    fc.assert(
      fc.property(values, fc.integer({ min: 0, max: 100 }), (xs, p) => {
        const agg = percentile<number>(p, undefined, { exactLimit: 0 }); // a sketch from the first value
        for (const x of xs) agg.collect(x);
        const sorted = [...xs].sort((a, b) => a - b);
        const exact = sorted[Math.round(((sorted.length - 1) * p) / 100)];
        const got = agg.yield();
        if (exact === 0) expect(got).toBe(0);
        else {
          expect(Math.sign(got)).toBe(Math.sign(exact));
          expect(Math.abs(got - exact) / Math.abs(exact)).toBeLessThanOrEqual(0.01);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("rejects p outside [0, 100]", () => {
    expect(() => percentile(101)).toThrow(/p must be a number in \[0, 100\]/);
  });
});
