import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, Env, tumbling } from "../../src/index.js";

/**
 * mapAsync and event time: a watermark must not overtake the results of the records before it
 * (calls still in flight, results waiting to be emitted), or a window downstream counts those
 * records late and drops them.
 */
describe("mapAsync keeps watermarks behind the records before them", () => {
  const run = async (n: number, batchSize: number, concurrency: number, ordered: boolean) => {
    const events = Array.from({ length: n }, (_, i) => ({ k: i % 3, ts: i * 100 }));
    const env = new Env({ batchSize });
    const out = await env
      .from(events)
      .withTimestamps((e) => e.ts, { maxOutOfOrderness: 0 })
      .mapAsync(
        async (e) => {
          // calls finish out of order: some after a macrotask, some at once
          if (e.ts % 300 !== 0) await new Promise((r) => setTimeout(r, 0));
          return e;
        },
        { concurrency, ordered },
      )
      .keyBy((e) => e.k)
      .window(tumbling(100))
      .agg({ n: count() })
      .toArray();
    const total = out.reduce((s, r) => s + (r as { n: number }).n, 0);
    return { total, late: env.stats()?.lateDropped ?? 0, windows: out.length };
  };

  it("2,000 records, batches of 100, 4 calls in flight: every record in its window, none late", async () => {
    const r = await run(2000, 100, 4, true);
    expect(r).toEqual({ total: 2000, late: 0, windows: 2000 });
  });

  it("any batch size, concurrency and order: nothing counted late (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom(1, 7, 64),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        async (n, batchSize, concurrency, ordered) => {
          const r = await run(n, batchSize, concurrency, ordered);
          expect(r).toEqual({ total: n, late: 0, windows: n });
        },
      ),
      { numRuns: 30 },
    );
  });
});
