import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, list, max, mean, sliding, sum, topN, tumbling } from "../../src/index.js";
import { batchSizes, type Ev, eventsWithSplit, keyed, runSplit, timedEvents } from "./checkpoint-kit.js";

const entries = (evs: Ev[]) => evs.map((e) => [e, e.t] as const);

describe("keyed running aggregation checkpoints (property)", () => {
  it("agg({...}) with fused and generic aggregators, and reduce(fn): restore = no interruption", async () => {
    await fc.assert(
      fc.asyncProperty(eventsWithSplit(), batchSizes, async ([evs, at], batchSize) => {
        const { whole, split } = await runSplit(
          (h, input) => {
            const k = input<Ev>("in").keyBy((r) => r.k);
            h.output("fused", k.agg({ n: count(), s: sum((r: Ev) => r.v), hi: max((r: Ev) => r.v) }));
            h.output(
              "generic",
              k.agg({ avg: mean((r: Ev) => r.v), top: topN(2, (r: Ev) => r.v), ids: list((r: Ev) => r.id) }),
            );
            h.output(
              "reduced",
              k.reduce(
                (a, r) =>
                  ({
                    id: r.id,
                    k: r.k,
                    t: r.t,
                    v: a.v * 3 + r.v,
                    seen: [...((a as Ev & { seen?: number[] }).seen ?? []), r.id],
                  }) as Ev,
              ),
            );
          },
          { in: entries(evs) },
          { in: at },
          batchSize,
          ["fused", "generic", "reduced"],
        );
        // one result per record, in record order: the outputs are equal as they are
        expect(split).toEqual(whole);
        expect(whole.fused).toHaveLength(evs.length);
      }),
      { numRuns: 150 },
    );
  });
});

interface Side {
  id: number;
  k: string;
  t: number;
}

const sides = fc
  .tuple(timedEvents(40), timedEvents(40))
  .chain(([l, r]) =>
    fc.tuple(
      fc.constant(l),
      fc.constant(r),
      fc.integer({ min: 0, max: l.length }),
      fc.integer({ min: 0, max: r.length }),
    ),
  );

describe("join checkpoints: both sides' buffers, TTL and interval bookkeeping (property)", () => {
  for (const how of ["interval", "ttl", "window", "sliding", "unbounded"] as const) {
    it(`${how} join: restore = no interruption`, async () => {
      await fc.assert(
        fc.asyncProperty(
          sides,
          fc.integer({ min: 0, max: 8 }).map((x) => x * 50),
          fc.integer({ min: 1, max: 8 }).map((x) => x * 100),
          batchSizes,
          async ([l, r, la, ra], ooo, bound, batchSize) => {
            const { whole, split } = await runSplit(
              (h, input) => {
                const left = input<Side>("left")
                  .withTimestamps((x) => x.t, { maxOutOfOrderness: ooo })
                  .keyBy((x) => x.k);
                const right = input<Side>("right")
                  .withTimestamps((x) => x.t, { maxOutOfOrderness: ooo })
                  .keyBy((x) => x.k);
                const j = left.join(right);
                const applier =
                  how === "interval"
                    ? j.between(-bound, bound / 2)
                    : how === "ttl"
                      ? j.ttl(bound)
                      : how === "window"
                        ? j.window(tumbling(bound * 2))
                        : how === "sliding"
                          ? j.window(sliding(bound * 2, bound))
                          : j.unbounded();
                h.output(
                  "out",
                  applier.apply((a, b) => ({ k: a.k, l: a.id, r: b.id })),
                );
              },
              { left: entries(l), right: entries(r) },
              { left: la, right: ra },
              batchSize,
            );
            expect(keyed(split)).toEqual(keyed(whole));
          },
        ),
        { numRuns: 80 },
      );
    });
  }
});
