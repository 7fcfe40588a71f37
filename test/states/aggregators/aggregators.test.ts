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

/** Reference models: plain array code for each aggregator. */
const refs: [string, () => StateAggregator<number, unknown>, (xs: number[]) => unknown][] = [
  ["sum", () => sum<number>(), (xs) => xs.reduce((a, b) => a + b, 0)],
  ["count", () => count<number>(), (xs) => xs.length],
  [
    "mean",
    () => mean<number>(),
    (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN),
  ],
  ["min", () => min<number>(), (xs) => Math.min(...xs)],
  ["max", () => max<number>(), (xs) => Math.max(...xs)],
  ["first", () => first<number>(), (xs) => xs[0]],
  ["last", () => last<number>(), (xs) => xs.at(-1)],
  ["list", () => list<number>(), (xs) => xs],
  ["distinct", () => distinct<number>(), (xs) => [...new Set(xs)]],
  ["topN(3)", () => topN<number>(3), (xs) => [...xs].sort((a, b) => b - a).slice(0, 3)],
  [
    "variance",
    () => variance<number>(),
    (xs) => {
      if (xs.length < 2) return Number.NaN;
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
    },
  ],
  [
    "stddev(population)",
    () => stddev<number>(undefined, { population: true }),
    (xs) => {
      if (xs.length < 1) return Number.NaN;
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
    },
  ],
  [
    "percentile(90)",
    () => percentile<number>(90),
    (xs) => {
      if (xs.length === 0) return Number.NaN;
      const v = [...xs].sort((a, b) => a - b);
      const h = (v.length - 1) * 0.9;
      const lo = Math.floor(h);
      return lo + 1 < v.length ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
    },
  ],
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

  it("rejects p outside [0, 100]", () => {
    expect(() => percentile(101)).toThrow(/p must be a number in \[0, 100\]/);
  });
});
