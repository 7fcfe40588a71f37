import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CheckpointData, Env, memoryCheckpointStore } from "../../../src/index.js";
import { delay, PositionedSource, Recorder } from "./fixtures.js";

interface Tagged {
  readonly s: string;
  readonly i: number;
}
const tagged = (s: string, n: number): Tagged[] => Array.from({ length: n }, (_, i) => ({ s, i }));

/**
 * Every stored checkpoint taken while node "rec" still ran (one taken after it finished has no
 * state for it: its inputs ended, it emitted everything; restoring it replays nothing).
 */
async function allCheckpoints(store: ReturnType<typeof memoryCheckpointStore>): Promise<CheckpointData[]> {
  const out: CheckpointData[] = [];
  for (const c of await store.list()) {
    const cp = await store.load(c.location);
    if (cp.parts.rec?.finished === true) {
      expect(Object.values(cp.parts).every((p) => p.kind === "source" || p.finished === true)).toBe(true);
      continue;
    }
    out.push(cp);
  }
  return out;
}

/** The records of input `s` in a recorded state, in order. */
const of = (state: unknown, s: string) => (state as Tagged[]).filter((r) => r.s === s).map((r) => r.i);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("barrier alignment", () => {
  it("a union's snapshot holds exactly the records before the barrier on each input (a fast and a slow input)", async () => {
    const store = memoryCheckpointStore();
    const env = new Env({ batchSize: 8, checkpoint: { intervalMs: 3, store, retain: 1000 } });
    const a = new PositionedSource(tagged("a", 3000), 8);
    const b = new PositionedSource(tagged("b", 300), 4);
    b.gate = () => delay(2); // slow: its barrier comes long after a's
    // a is fast but never done in less than ~40 ms (a 1 ms timer every 10 batches), so on a
    // machine of any speed several checkpoints complete while both inputs still run
    a.gate = (pos) => (pos % 80 === 0 ? delay(1) : undefined);
    const rec = new Recorder<Tagged>();
    const out = env
      .from(a, { name: "a" })
      .union(env.from(b, { name: "b" }))
      .compute(rec, { name: "rec" })
      .toArray();
    const report = await env.run();
    expect((await out).length).toBe(3300);
    const cps = await allCheckpoints(store);
    expect(cps.length).toBeGreaterThan(3);
    expect(report.checkpoints?.completed).toBe((await store.list()).length);
    let sawAhead = false;
    for (const cp of cps) {
      const pa = cp.parts.a.position as number;
      const pb = cp.parts.b.position as number;
      expect(of(cp.parts.rec.state, "a")).toEqual(upTo(pa));
      expect(of(cp.parts.rec.state, "b")).toEqual(upTo(pb));
      // while a's barrier waited for b's, a was held: had it not been, records of a after
      // its barrier would be in the state
      if (pa < 3000 && pb < 300) sawAhead = true;
    }
    expect(sawAhead).toBe(true);
  });

  it("a Calculator shared by two streams (fan-in) and a diamond from one source align the same way", async () => {
    const store = memoryCheckpointStore();
    const env = new Env({ batchSize: 5, checkpoint: { intervalMs: 2, store, retain: 1000 } });
    const s = new PositionedSource(tagged("s", 1500), 5);
    s.gate = (pos) => (pos % 50 === 0 ? delay(1) : undefined);
    const stream = env.from(s, { name: "s" });
    const rec = new Recorder<Tagged>();
    // two paths from the same source into one node: the barrier comes on both inputs
    const left = stream.map((r) => ({ s: "l", i: r.i }));
    const right = stream.filter((r) => r.i % 2 === 0).map((r) => ({ s: "r", i: r.i }));
    const out = left.compute(rec, { name: "rec" });
    right.compute(rec);
    const got = out.toArray();
    await env.run();
    expect((await got).length).toBe(1500 + 750);
    const cps = await allCheckpoints(store);
    expect(cps.length).toBeGreaterThan(3);
    for (const cp of cps) {
      const p = cp.parts.s.position as number;
      expect(of(cp.parts.rec.state, "l")).toEqual(upTo(p));
      expect(of(cp.parts.rec.state, "r")).toEqual(upTo(p).filter((i) => i % 2 === 0));
    }
  });

  it("an input that ended counts as aligned: checkpoints go on with the other input, the ended source's final position kept", async () => {
    const store = memoryCheckpointStore();
    const env = new Env({ batchSize: 10, checkpoint: { intervalMs: 3, store, retain: 1000 } });
    const short = new PositionedSource(tagged("a", 20), 10);
    const long = new PositionedSource(tagged("b", 400), 4);
    long.gate = () => delay(2);
    const rec = new Recorder<Tagged>();
    const done = env
      .from(short, { name: "a" })
      .union(env.from(long, { name: "b" }))
      .compute(rec, { name: "rec" })
      .toArray();
    await env.run();
    await done;
    const cps = await allCheckpoints(store);
    const afterEnd = cps.filter((c) => c.parts.a.finished === true);
    expect(afterEnd.length).toBeGreaterThan(1);
    for (const cp of afterEnd) {
      expect(cp.parts.a.position).toBe(20);
      expect(of(cp.parts.rec.state, "a")).toEqual(upTo(20));
      expect(of(cp.parts.rec.state, "b")).toEqual(upTo(cp.parts.b.position as number));
    }
    // the source heard of the checkpoints completed while it ran, in order, with the positions
    // stored (not of one completed after its cleanup)
    const ids = long.completed.map((c) => c.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(ids.length).toBeGreaterThanOrEqual(cps.length - 1);
    for (const c of long.completed)
      expect((await store.load(`mem:${c.id}`)).parts.b.position).toBe(c.position);
  });

  it("mapAsync finishes the calls before the barrier: their results are in the snapshot below it", async () => {
    const store = memoryCheckpointStore();
    const env = new Env({ batchSize: 6, checkpoint: { intervalMs: 2, store, retain: 1000 } });
    const s = new PositionedSource(upTo(600), 6);
    const rec = new Recorder<number>();
    const done = env
      .from(s, { name: "s" })
      .mapAsync(
        async (x: number) => {
          await delay(x % 3);
          return x * 10;
        },
        { concurrency: 4 },
      )
      .compute(rec, { name: "rec" })
      .toArray();
    await env.run();
    expect(await done).toEqual(upTo(600).map((x) => x * 10));
    const cps = await allCheckpoints(store);
    expect(cps.length).toBeGreaterThan(2);
    for (const cp of cps) {
      expect(cp.parts.rec.state).toEqual(upTo(cp.parts.s.position as number).map((x) => x * 10));
    }
  });

  it("property: for random batch sizes, pacing and checkpoint intervals, every checkpoint is consistent", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        async (chunkA, chunkB, batchSize, intervalMs, slowB) => {
          const store = memoryCheckpointStore();
          const env = new Env({ batchSize, checkpoint: { intervalMs, store, retain: 1000 } });
          const a = new PositionedSource(tagged("a", 300), chunkA);
          const b = new PositionedSource(tagged("b", 200), chunkB);
          a.gate = (pos) => (pos % 40 < chunkA ? delay(1) : undefined);
          b.gate = () => (slowB === 0 ? undefined : delay(slowB));
          const rec = new Recorder<Tagged>();
          const done = env
            .from(a, { name: "a" })
            .filter((r) => r.i % 3 !== 1)
            .union(env.from(b, { name: "b" }))
            .compute(rec, { name: "rec" })
            .toArray();
          await env.run();
          await done;
          for (const cp of await allCheckpoints(store)) {
            const pa = cp.parts.a.position as number;
            expect(of(cp.parts.rec.state, "a")).toEqual(upTo(pa).filter((i) => i % 3 !== 1));
            expect(of(cp.parts.rec.state, "b")).toEqual(upTo(cp.parts.b.position as number));
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
