import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, countWindow, Env, Sink, Source, session, sliding, tumbling } from "../../src/index.js";
import { referenceIntervalJoin, referenceWindowJoin, VirtualClock } from "../../src/testing/index.js";

interface L {
  id: number;
  k: number;
  t: number;
}
interface R {
  rid: number;
  k: number;
  t: number;
}

/** Results never depend on batching: every property runs at these batch sizes. */
const settings = fc.record({
  batchSize: fc.constantFrom(1, 7, 1024),
  highWaterMark: fc.integer({ min: 1, max: 4 }),
});
// timestamps and bounds on a 50 ms grid, so records often sit exactly on a window or interval bound
const side = (max: number) =>
  fc.array(
    fc.record({ k: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 60 }).map((x) => x * 50) }),
    {
      maxLength: max,
    },
  );
const sortPairs = (xs: [number, number][]) => [...xs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);

/** Runs a join on two in-memory inputs (nothing late: large out-of-orderness). */
async function join(
  ls: L[],
  rs: R[],
  s: { batchSize: number; highWaterMark: number },
  how: "window" | "sliding" | "interval" | "ttl" | "unbounded",
  a: number,
  b: number,
) {
  const env = new Env(s);
  const left = env
    .from(ls)
    .withTimestamps((x) => x.t, { maxOutOfOrderness: 1_000_000 })
    .keyBy((x) => x.k);
  const right = env
    .from(rs)
    .withTimestamps((x) => x.t, { maxOutOfOrderness: 1_000_000 })
    .keyBy((x) => x.k);
  const j = left.join(right);
  const applier =
    how === "window"
      ? j.window(tumbling(a))
      : how === "sliding"
        ? j.window(sliding(a, b))
        : how === "interval"
          ? j.between(a, b)
          : how === "ttl"
            ? j.ttl(a)
            : j.unbounded();
  return applier.apply((l, r) => [l.id, r.rid] as [number, number]).toArray();
}

describe("joins equal a nested-loop reference (property)", () => {
  it("window join: pairs of a key in the same tumbling / sliding window", async () => {
    await fc.assert(
      fc.asyncProperty(
        side(30),
        side(30),
        fc.constantFrom([500, 500], [1000, 250]),
        settings,
        async (l0, r0, [size, slide], s) => {
          const ls = l0.map((x, id) => ({ ...x, id }));
          const rs = r0.map((x, rid) => ({ ...x, rid }));
          const got = await join(ls, rs, s, size === slide ? "window" : "sliding", size, slide);
          const expected = referenceWindowJoin(ls, rs, {
            leftKey: (l) => l.k,
            rightKey: (r) => r.k,
            leftTs: (l) => l.t,
            rightTs: (r) => r.t,
            size,
            slide,
          }).map(([l, r]) => [l.id, r.rid] as [number, number]);
          expect(sortPairs(got)).toEqual(sortPairs(expected));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("interval join: l.t + lower <= r.t <= l.t + upper", async () => {
    await fc.assert(
      fc.asyncProperty(
        side(30),
        side(30),
        fc.integer({ min: -6, max: 6 }).map((x) => x * 50),
        fc.integer({ min: 0, max: 8 }).map((x) => x * 50),
        settings,
        async (l0, r0, lower, width, s) => {
          const ls = l0.map((x, id) => ({ ...x, id }));
          const rs = r0.map((x, rid) => ({ ...x, rid }));
          const got = await join(ls, rs, s, "interval", lower, lower + width);
          const expected = referenceIntervalJoin(ls, rs, {
            leftKey: (l) => l.k,
            rightKey: (r) => r.k,
            leftTs: (l) => l.t,
            rightTs: (r) => r.t,
            lower,
            upper: lower + width,
          }).map(([l, r]) => [l.id, r.rid] as [number, number]);
          expect(sortPairs(got)).toEqual(sortPairs(expected));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("unbounded join: every pair of a key", async () => {
    await fc.assert(
      fc.asyncProperty(side(25), side(25), settings, async (l0, r0, s) => {
        const ls = l0.map((x, id) => ({ ...x, id }));
        const rs = r0.map((x, rid) => ({ ...x, rid }));
        const got = await join(ls, rs, s, "unbounded", 0, 0);
        const expected: [number, number][] = [];
        for (const l of ls) for (const r of rs) if (r.k === l.k) expected.push([l.id, r.rid]);
        expect(sortPairs(got)).toEqual(sortPairs(expected));
      }),
      { numRuns: 80 },
    );
  });

  it("join with a TTL: every pair of a key whose timestamps are at most the TTL apart (per pair)", async () => {
    await fc.assert(
      fc.asyncProperty(
        side(25),
        side(25),
        fc.integer({ min: 1, max: 12 }).map((x) => x * 50),
        settings,
        async (l0, r0, ttl, s) => {
          const ls = l0.map((x, id) => ({ ...x, id }));
          const rs = r0.map((x, rid) => ({ ...x, rid }));
          const got = await join(ls, rs, s, "ttl", ttl, 0);
          expect(sortPairs(got)).toEqual(sortPairs(referenceTtlJoin(ls, rs, ttl)));
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** Same-key pairs at most `ttl` apart, as [left id, right id]. */
function referenceTtlJoin(ls: L[], rs: R[], ttl: number): [number, number][] {
  const out: [number, number][] = [];
  for (const l of ls)
    for (const r of rs) if (r.k === l.k && Math.abs(r.t - l.t) <= ttl) out.push([l.id, r.rid]);
  return out;
}

describe("TTL joins do not depend on batching", () => {
  it("on one in-order stream split in two (a moving watermark expires state), every batch size gives the per-pair result", async () => {
    // as Nexmark's persons and auctions: one ordered event stream, the watermark right behind it
    const events = Array.from({ length: 3000 }, (_, i) => ({
      side: (i * 7) % 3 === 0 ? 0 : 1,
      id: i,
      k: (i * 13) % 17,
      t: Math.floor(i * 2.5),
    }));
    const ls = events.filter((e) => e.side === 0).map((e) => ({ id: e.id, k: e.k, t: e.t }));
    const rs = events.filter((e) => e.side === 1).map((e) => ({ rid: e.id, k: e.k, t: e.t }));
    const expected = sortPairs(referenceTtlJoin(ls, rs, 100));
    expect(expected.length).toBeGreaterThan(1000);
    for (const batchSize of [1, 7, 1024, 4096]) {
      const env = new Env({ batchSize });
      const timed = env.from(events).withTimestamps((x) => x.t);
      const left = timed.filter((x) => x.side === 0).keyBy((x) => x.k);
      const right = timed.filter((x) => x.side === 1).keyBy((x) => x.k);
      const got = await left
        .join(right)
        .ttl(100)
        .apply((l, r) => [l.id, r.id] as [number, number])
        .toArray();
      expect(sortPairs(got)).toEqual(expected);
    }
  });
});

describe("join state and errors", () => {
  it("records far behind the watermark leave no state: interval and TTL state stays bounded on a long input", async () => {
    for (const how of ["interval", "ttl"] as const) {
      const env = new Env({ batchSize: 50, highWaterMark: 4 });
      const N = 20_000;
      // one event stream split in two (as Nexmark's bids and auctions): both join inputs move together
      const events = Array.from({ length: 2 * N }, (_, i) => ({
        side: i % 2,
        id: i,
        k: Math.floor(i / 2) % 10,
        t: i * 5,
      }));
      const timed = env.from(events).withTimestamps((x) => x.t);
      const left = timed.filter((x) => x.side === 0).keyBy((x) => x.k);
      const right = timed.filter((x) => x.side === 1).keyBy((x) => x.k);
      const j = left.join(right);
      let peak = 0;
      const nodeOf = () =>
        (
          env as unknown as { runs: { job: { nodes: { kind: string; stateCount?: number }[] } }[] }
        ).runs[0].job.nodes.find((n) => n.kind === "join")!;
      let pairs = 0;
      (how === "interval" ? j.between(-100, 100) : j.ttl(200))
        .apply((l, r) => l.id - r.id)
        .to(
          new (class extends Sink<number> {
            produce(e: number[]) {
              pairs += e.length;
              peak = Math.max(peak, nodeOf().stateCount ?? 0);
            }
          })(),
        );
      const report = await env.run();
      expect(pairs).toBeGreaterThan(N);
      expect(report.lateDropped).toBe(0);
      // 40,000 records went through; only those within the interval / TTL of the watermark are
      // held, plus one batch in flight: never the input
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThan(300);
    }
  });

  it("a TTL expires state: records further apart than the TTL do not meet, whatever the interleaving", async () => {
    for (const batchSize of [1, 1024]) {
      const env = new Env({ batchSize });
      const left = env
        .from([
          { id: 1, k: 1, t: 0 },
          { id: 2, k: 1, t: 5000 },
        ])
        .withTimestamps((x) => x.t)
        .keyBy((x) => x.k);
      const right = env
        .from([{ rid: 9, k: 1, t: 5100 }])
        .withTimestamps((x) => x.t)
        .keyBy((x) => x.k);
      const out = await left
        .join(right)
        .ttl(1000)
        .apply((l, r) => [l.id, r.rid])
        .toArray();
      expect(out).toEqual([[2, 9]]);
    }
  });

  it("a TTL join in processing time keeps a record ttl ms of the clock", async () => {
    const clock = new VirtualClock(0);
    const env = new Env({ clock, batchSize: 1 });
    class Steps extends Source<{ k: number; id: number }> {
      private i = 0;
      constructor(private readonly steps: { at: number; id: number }[]) {
        super();
      }
      async consume() {
        const s = this.steps[this.i++];
        if (s === undefined) return null;
        await clock.advanceTo(s.at);
        return [{ k: 1, id: s.id }];
      }
    }
    // one input: left at 0 and 1500, right (the same source, split) at 1000 and 3000
    const src = env.from(
      new Steps([
        { at: 0, id: 0 },
        { at: 1000, id: 101 },
        { at: 1500, id: 1 },
        { at: 3000, id: 102 },
      ]),
    );
    const out = await src
      .filter((x) => x.id < 100)
      .keyBy((x) => x.k)
      .join(src.filter((x) => x.id >= 100).keyBy((x) => x.k))
      .ttl(1000)
      .apply((l, r) => [l.id, r.id])
      .toArray();
    // 0 meets 101 (1000 ms apart), 1 meets 101 (500); 102 comes 1500 ms after 1 and 3000 after 0
    expect(out.sort()).toEqual([
      [0, 101],
      [1, 101],
    ]);
  });

  it("rejects session/count windows and bad bounds; window and interval joins need event time", async () => {
    const env = new Env();
    const a = env.from([{ k: 1 }]).keyBy((x) => x.k);
    const b = env.from([{ k: 1 }]).keyBy((x) => x.k);
    expect(() => a.join(b).window(session(10))).toThrow(ConfigError);
    expect(() => a.join(b).window(countWindow(2))).toThrow(/tumbling or sliding/);
    expect(() => a.join(b).between(10, 5)).toThrow(/lowerMs \(10\) must be <= upperMs \(5\)/);
    expect(() => a.join(b).ttl(0)).toThrow(ConfigError);
    await expect(
      a
        .join(b)
        .between(0, 1)
        .apply((x, y) => [x, y])
        .toArray(),
    ).rejects.toThrow(/needs event time/);
  });
});
