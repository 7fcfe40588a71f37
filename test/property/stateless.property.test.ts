import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arraySink, Env } from "../../src/index.js";
import { AckingSource, sorted } from "../helpers.js";

/** Env settings: any batchSize / highWaterMark must give the same results. */
const settings = fc.record({
  batchSize: fc.integer({ min: 1, max: 40 }),
  highWaterMark: fc.integer({ min: 1, max: 8 }),
});
const records = fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 300 });

/** A random chain of stateless operators, with its plain-array reference. */
type Op =
  | { kind: "map"; k: number }
  | { kind: "filter"; m: number }
  | { kind: "flatMap"; n: number }
  | { kind: "mutate"; k: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("map" as const), k: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ kind: fc.constant("filter" as const), m: fc.integer({ min: 2, max: 5 }) }),
  fc.record({ kind: fc.constant("flatMap" as const), n: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant("mutate" as const), k: fc.integer({ min: 1, max: 3 }) }),
);

interface Box {
  v: number;
}
const fns = (o: Op) => {
  switch (o.kind) {
    case "map":
      return (b: Box): Box => ({ v: b.v * 2 + o.k });
    case "filter":
      return (b: Box) => Math.abs(b.v) % o.m !== 0;
    case "flatMap":
      return (b: Box): Box[] => Array.from({ length: o.n }, (_, i) => ({ v: b.v + i }));
    case "mutate":
      return (b: Box) => {
        b.v += o.k;
      };
  }
};

/** Reference model: the same chain as plain Array methods. */
function reference(input: number[], ops: Op[]): number[] {
  let xs: Box[] = input.map((v) => ({ v }));
  for (const o of ops) {
    const f = fns(o);
    if (o.kind === "map") xs = xs.map(f as (b: Box) => Box);
    else if (o.kind === "filter") xs = xs.filter(f as (b: Box) => boolean);
    else if (o.kind === "flatMap") xs = xs.flatMap(f as (b: Box) => Box[]);
    else
      xs = xs.map((b) => {
        const c = { ...b };
        (f as (b: Box) => void)(c);
        return c;
      });
  }
  return xs.map((b) => b.v);
}

describe("stateless operators equal Array methods (property)", () => {
  it("any chain of map/filter/flatMap/mutate, any batchSize/highWaterMark", async () => {
    await fc.assert(
      fc.asyncProperty(records, fc.array(op, { maxLength: 6 }), settings, async (input, ops, s) => {
        let stream = new Env(s).from(input.map((v) => ({ v })));
        for (const o of ops) {
          const f = fns(o);
          if (o.kind === "map") stream = stream.map(f as (b: Box) => Box);
          else if (o.kind === "filter") stream = stream.filter(f as (b: Box) => boolean);
          else if (o.kind === "flatMap") stream = stream.flatMap(f as (b: Box) => Box[]);
          else stream = stream.mutate(f as (b: Box) => void);
        }
        const out = await stream.toArray();
        expect(out.map((b) => b.v)).toEqual(reference(input, ops));
      }),
      { numRuns: 150 },
    );
  });

  it("async stage functions give the same result as sync ones", async () => {
    await fc.assert(
      fc.asyncProperty(records, settings, async (input, s) => {
        const out = await new Env(s)
          .from(input)
          .map(async (x) => x * 3)
          .filter((x) => (x % 2 === 0 ? Promise.resolve(true) : false))
          .flatMap(async (x) => [x, -x])
          .toArray();
        expect(out).toEqual(
          input
            .map((x) => x * 3)
            .filter((x) => x % 2 === 0)
            .flatMap((x) => [x, -x]),
        );
      }),
      { numRuns: 60 },
    );
  });

  it("union keeps the multiset and each input's order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(records, { minLength: 1, maxLength: 4 }), settings, async (inputs, s) => {
        const env = new Env(s);
        const streams = inputs.map((xs, i) => env.from(xs.map((v) => ({ i, v }))));
        const out = await streams[0].union(...streams.slice(1)).toArray();
        expect(sorted(out)).toEqual(sorted(inputs.flatMap((xs, i) => xs.map((v) => ({ i, v })))));
        inputs.forEach((xs, i) => {
          expect(out.filter((r) => r.i === i).map((r) => r.v)).toEqual(xs);
        });
      }),
      { numRuns: 80 },
    );
  });

  it("fan-out: every branch gets its own reference result; acks reach the end", async () => {
    await fc.assert(
      fc.asyncProperty(records, fc.integer({ min: 1, max: 4 }), settings, async (input, branches, s) => {
        const env = new Env(s);
        const source = new AckingSource(input, 7);
        const shared = env.from(source).map((x) => x + 1);
        const sinks = Array.from({ length: branches }, (_, b) => {
          const sink = arraySink<number>();
          shared.filter((x) => x % (b + 2) !== 0).to(sink);
          return sink;
        });
        await env.run();
        sinks.forEach((sink, b) => {
          expect(sink.records).toEqual(input.map((x) => x + 1).filter((x) => x % (b + 2) !== 0));
        });
        if (input.length > 0) expect(source.acks.at(-1)).toBe(input.length);
        expect(source.acks).toEqual([...source.acks].sort((a, b) => a - b));
      }),
      { numRuns: 80 },
    );
  });
});

describe("mapAsync (property)", () => {
  it("never exceeds its concurrency; ordered keeps input order; unordered keeps the multiset", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        settings,
        async (delays, concurrency, ordered, s) => {
          let active = 0;
          let peak = 0;
          const out = await new Env(s)
            .from(delays.map((d, i) => ({ d, i })))
            .mapAsync(
              async (r) => {
                active++;
                peak = Math.max(peak, active);
                for (let k = 0; k < r.d; k++) await new Promise((res) => setImmediate(res));
                active--;
                return r.i;
              },
              { concurrency, ordered },
            )
            .toArray();
          expect(peak).toBeLessThanOrEqual(concurrency);
          const expected = delays.map((_, i) => i);
          if (ordered) expect(out).toEqual(expected);
          else expect([...out].sort((a, b) => a - b)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reaches its concurrency when calls are slow", async () => {
    let active = 0;
    let peak = 0;
    await new Env({ batchSize: 3 })
      .from(Array.from({ length: 30 }, (_, i) => i))
      .mapAsync(
        async (x) => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
          return x;
        },
        { concurrency: 5 },
      )
      .toArray();
    expect(peak).toBe(5);
  });

  it("routes rejections through its fault policy", async () => {
    const env = new Env();
    const out = await env
      .from([1, 2, 3])
      .mapAsync(
        async (x) => {
          if (x === 2) throw new Error("timeout");
          return x;
        },
        { onError: "dead-letter" },
      )
      .toArray();
    expect(out).toEqual([1, 3]);
  });
});
