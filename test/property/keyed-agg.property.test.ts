import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, Env, list, max, sum } from "../../src/index.js";
import { referenceAggregators } from "../../src/testing/index.js";

interface Rec {
  id: number;
  k: string;
  v: number;
}
const records = fc
  .array(fc.record({ k: fc.constantFrom("a", "b", "c", "d"), v: fc.integer({ min: -50, max: 50 }) }), {
    maxLength: 120,
  })
  .map((xs) => xs.map((x, id) => ({ id, ...x })));
/** Results never depend on batching: the properties run at these batch sizes. */
const settings = fc.record({
  batchSize: fc.constantFrom(1, 7, 1024),
  highWaterMark: fc.integer({ min: 1, max: 4 }),
});

describe("keyed running aggregation equals a plain loop (property)", () => {
  it("agg({...}): one updated result per record, per-key order kept, any batch size", async () => {
    await fc.assert(
      fc.asyncProperty(records, settings, async (recs, s) => {
        const out = await new Env(s)
          .from(recs)
          .keyBy((r) => r.k)
          .agg({
            n: count(),
            total: sum((r: Rec) => r.v),
            top: max((r: Rec) => r.v),
            ids: list((r: Rec) => r.id),
          })
          .toArray();
        const seen = new Map<string, Rec[]>();
        const expected = recs.map((r) => {
          const xs = [...(seen.get(r.k) ?? []), r];
          seen.set(r.k, xs);
          return {
            key: r.k,
            n: xs.length,
            total: referenceAggregators.sum(xs.map((x) => x.v)),
            top: referenceAggregators.max(xs.map((x) => x.v)),
            ids: xs.map((x) => x.id),
          };
        });
        expect(out).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("reduce(fn): the first record of a key as is, then fn(previous, record)", async () => {
    await fc.assert(
      fc.asyncProperty(records, settings, async (recs, s) => {
        const out = await new Env(s)
          .from(recs)
          .keyBy((r) => r.k)
          .reduce((a, r) => ({ id: r.id, k: r.k, v: a.v * 2 + r.v }))
          .toArray();
        const last = new Map<string, Rec>();
        const expected = recs.map((r) => {
          const prev = last.get(r.k);
          const next = prev === undefined ? r : { id: r.id, k: r.k, v: prev.v * 2 + r.v };
          last.set(r.k, next);
          return next;
        });
        expect(out).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});
