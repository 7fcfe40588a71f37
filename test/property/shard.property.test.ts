import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Env, Sink } from "../../src/index.js";
import { AckingSource, sorted } from "../helpers.js";

interface Ev {
  key: number;
  seq: number;
  v: number;
}

/** Records what it got; each produce() waits `delay(batch)` macrotask turns (an async sink). */
class AsyncCollect extends Sink<Ev> {
  readonly got: Ev[] = [];
  async produce(e: Ev[]): Promise<void> {
    if (e[0].v % 3 === 0) await new Promise((r) => setImmediate(r));
    this.got.push(...e);
  }
}

const events = fc
  .array(fc.record({ key: fc.integer({ min: 0, max: 12 }), v: fc.integer({ min: -50, max: 50 }) }), {
    maxLength: 250,
  })
  .map((xs) => xs.map((x, seq) => ({ ...x, seq })));

/** The reference: the same map and filter as a plain loop. */
function reference(input: Ev[]): Ev[] {
  const out: Ev[] = [];
  for (const e of input) {
    const m = { ...e, v: e.v * 2 };
    if (m.v % 4 !== 2) out.push(m);
  }
  return out;
}

const perKey = (xs: Ev[]) => {
  const m = new Map<number, number[]>();
  for (const e of xs) m.set(e.key, [...(m.get(e.key) ?? []), e.seq]);
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
};

describe("shard(): property against a plain loop", () => {
  it("keeps the multiset and per-key order for any parallelism and batch size, and acks everything", async () => {
    await fc.assert(
      fc.asyncProperty(
        events,
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(1, 7, 1024),
        fc.integer({ min: 1, max: 4 }),
        async (input, parallelism, batchSize, concurrency) => {
          const env = new Env({ batchSize });
          const source = new AckingSource(input, 11);
          const sink = new AsyncCollect();
          env
            .from(source)
            .shard((e) => e.key, { parallelism })
            .map((e) => ({ ...e, v: e.v * 2 }))
            .mapAsync(
              async (e) => {
                // uneven async delays: later records of one lane may finish first
                for (let i = 0; i < (e.seq * 7) % 4; i++) await Promise.resolve();
                return e;
              },
              { concurrency, ordered: true },
            )
            .filter((e) => e.v % 4 !== 2)
            .to(sink);
          const report = await env.run();
          const expected = reference(input);
          expect(sorted(sink.got)).toEqual(sorted(expected));
          expect(perKey(sink.got)).toEqual(perKey(expected));
          expect(report.nodes.filter((n) => n.kind === "lane")).toHaveLength(parallelism);
          if (input.length > 0) expect(source.acks.at(-1)).toBe(input.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
