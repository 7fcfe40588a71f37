import { describe, expect, it } from "vitest";
import {
  Env,
  memoryCheckpointStore,
  type Pipeline,
  RunError,
  StateError,
  type Stream,
} from "../../../src/index.js";
import { CommittingSink, type Ev, KeyedTumblingSum, PositionedSource, Recorder } from "./fixtures.js";

type Out = { k: string; start: number; sum: number; n: number };

/** 3000 events over 5 keys, event time increasing, in 1-minute windows. */
const events: Ev[] = Array.from({ length: 3000 }, (_, i) => ({
  k: `k${(i * 7) % 5}`,
  t: i * 1000,
  v: i % 13,
}));

interface Built {
  readonly src: PositionedSource<Ev>;
  readonly sum: KeyedTumblingSum;
  readonly done: Pipeline;
}

/** The job: source "src" → keyed 1-minute sums "sum" (optionally renamed, or with an extra operator) → committing sink "out". */
function job(
  env: Env,
  out: Out[],
  opts: { sumName?: string; extra?: Recorder<Ev>; failAfter?: number } = {},
): Built {
  const src = new PositionedSource(events, 50);
  const sum = new KeyedTumblingSum(60_000);
  const sink = new CommittingSink<Out>(out);
  if (opts.failAfter !== undefined) sink.failAfter = opts.failAfter;
  let s: Stream<Ev> = env.from(src, { name: "src" });
  if (opts.extra !== undefined) s = s.compute(opts.extra, { name: "extra" });
  const done = s.compute(sum, { name: opts.sumName ?? "sum" }).to(sink, { name: "out" });
  return { src, sum, done };
}

async function uninterrupted(): Promise<Out[]> {
  const out: Out[] = [];
  const env = new Env({ batchSize: 50 });
  job(env, out);
  await env.run();
  return out;
}

/** Runs the job with checkpoints every ms until its sink crashes after `failAfter` results. */
async function crashedRun(store: ReturnType<typeof memoryCheckpointStore>, out: Out[], failAfter: number) {
  const env = new Env({ batchSize: 50, checkpoint: { intervalMs: 1, store, retain: 2 } });
  const b = job(env, out, { failAfter });
  b.src.gate = (pos) => (pos % 200 === 0 ? new Promise((r) => setTimeout(r, 2)) : undefined);
  const err = await env.run().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RunError);
  expect((err as RunError).report.checkpoints!.completed).toBeGreaterThan(0);
  return err as RunError;
}

describe("restore", () => {
  it("after a crash, a run restored from the last checkpoint ends with exactly the output of an uninterrupted run", async () => {
    const expected = await uninterrupted();
    expect(expected.length).toBeGreaterThan(200);
    const store = memoryCheckpointStore();
    const out: Out[] = [];
    await crashedRun(store, out, 150);
    const latest = await store.latest();
    const at = latest!.parts.src.position as number;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(events.length);

    const env = new Env({ batchSize: 50, checkpoint: { intervalMs: 5, store } });
    const b = job(env, out);
    const report = await env.run({ restore: true });
    expect(b.src.restoredFrom).toBe(at);
    expect(report.checkpoints?.restoredFrom).toBe(latest!.location);
    expect(report.recordsIn).toBe(events.length - at); // nothing replayed before the checkpoint
    expect(out).toEqual(expected);
  });

  it("restore: true with an empty store starts empty", async () => {
    const store = memoryCheckpointStore();
    const out: Out[] = [];
    const env = new Env({ batchSize: 50, checkpoint: { intervalMs: 0, store } });
    job(env, out);
    const report = await env.run({ restore: true });
    expect(report.checkpoints?.restoredFrom).toBeUndefined();
    expect(out).toEqual(await uninterrupted());
  });

  it("state of a renamed operator makes the restore fail naming it; nothing runs", async () => {
    const store = memoryCheckpointStore();
    await crashedRun(store, [], 150);
    const env = new Env({ batchSize: 50, checkpoint: { intervalMs: 0, store } });
    const out: Out[] = [];
    const b = job(env, out, { sumName: "sum-v2" });
    const err = await env.run({ restore: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toMatch(
      /state of operator "sum" \(compute\) that no operator of this job claims/,
    );
    expect((err as Error).message).toMatch(/allowNonRestoredState/);
    expect(b.src.pos).toBe(0);
    expect(out).toEqual([]);
    await expect(b.done).rejects.toBe(err); // the pipeline settles too
  });

  it("allowNonRestoredState drops that state: the renamed operator starts empty, the others are restored", async () => {
    const store = memoryCheckpointStore();
    await crashedRun(store, [], 150);
    const latest = await store.latest();
    const env = new Env({ batchSize: 50, checkpoint: { intervalMs: 0, store } });
    const b = job(env, [], { sumName: "sum-v2" });
    const report = await env.run({ restore: { allowNonRestoredState: true } });
    expect(report.checkpoints?.droppedState).toEqual(["sum"]);
    expect(b.src.restoredFrom).toBe(latest!.parts.src.position);
  });

  it("an operator new to the job starts empty while the others are restored", async () => {
    const expected = await uninterrupted();
    const store = memoryCheckpointStore();
    const out: Out[] = [];
    await crashedRun(store, out, 150);
    const at = (await store.latest())!.parts.src.position as number;
    const extra = new Recorder<Ev>();
    const env = new Env({ batchSize: 50, checkpoint: { intervalMs: 0, store } });
    job(env, out, { extra });
    await env.run({ restore: true });
    expect(extra.restored).toBeUndefined();
    expect(extra.seen).toEqual(events.slice(at));
    expect(out).toEqual(expected);
  });

  it("unnamed operators are matched by ids derived from the graph (kind@node)", async () => {
    const store = memoryCheckpointStore();
    const build = (env: Env, rec: Recorder<number>, n: number) => {
      const src = new PositionedSource(
        Array.from({ length: n }, (_, i) => i),
        10,
      );
      env.from(src).compute(rec).to(new CommittingSink<number>());
      return src;
    };
    const env1 = new Env({ batchSize: 10, checkpoint: { intervalMs: 0, store } });
    const r1 = new Recorder<number>();
    build(env1, r1, 100);
    expect(env1.topology().nodes.map((n) => n.stateId)).toEqual(["source@n1", "compute@n2", "sink@n3"]);
    const run = env1.run();
    await env1.stop({ savepoint: true });
    await run;
    const sp = (await store.list()).find((c) => c.savepoint)!;
    const env2 = new Env({ batchSize: 10, checkpoint: { intervalMs: 0, store } });
    const r2 = new Recorder<number>();
    const src2 = build(env2, r2, 100);
    await env2.run({ restore: { from: sp.location } });
    expect(r2.restored).toEqual(r1.seen);
    expect(src2.restoredFrom).toBe(r1.seen.length);
    expect(r2.seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe("savepoints", () => {
  it("stop({ savepoint: true }) stores a savepoint apart from the rotation and stops without flushing state; a run restored from it completes the output", async () => {
    const expected = await uninterrupted();
    const store = memoryCheckpointStore();
    const out: Out[] = [];
    const env = new Env({ batchSize: 50, checkpoint: { intervalMs: 1, store, retain: 1 } });
    const b = job(env, out);
    let stopping: Promise<unknown> | null = null;
    b.src.gate = (pos) => {
      if (pos >= 1200 && stopping === null) stopping = env.stop({ savepoint: true });
      return new Promise((r) => setTimeout(r, 1));
    };
    const report = await env.run();
    await stopping;
    expect(report.status).toBe("stopped");
    const location = report.checkpoints!.savepoint!;
    expect(location).toMatch(/^mem:\d+$/);
    const sp = await store.load(location);
    expect(sp.savepoint).toBe(true);
    // the source read nothing after the savepoint's barrier, and the open windows were not flushed
    expect(b.src.pos).toBe(sp.parts.src.position);
    expect(out.length).toBe(sp.parts.out.state);
    expect(out).toEqual(expected.slice(0, out.length));
    expect((sp.parts.sum.state as Map<string, unknown>).size).toBe(5);

    // later checkpoints rotate (retain 1); the savepoint stays
    const env2 = new Env({ batchSize: 50, checkpoint: { intervalMs: 1, store, retain: 1 } });
    const b2 = job(env2, out);
    b2.src.gate = (pos) => (pos % 100 === 0 ? new Promise((r) => setTimeout(r, 2)) : undefined);
    const r2 = await env2.run({ restore: { from: location } });
    expect(r2.checkpoints?.restoredFrom).toBe(location);
    expect(b2.src.restoredFrom).toBe(sp.parts.src.position);
    expect(out).toEqual(expected);
    const listed = await store.list();
    expect(listed.filter((c) => !c.savepoint).length).toBeLessThanOrEqual(1);
    expect(listed.some((c) => c.location === location)).toBe(true);
  });

  it("stop({ savepoint: true }) after the run ended rejects; a plain stop still resolves", async () => {
    const env = new Env({ checkpoint: { intervalMs: 0, store: memoryCheckpointStore() } });
    env.from([1, 2]).toArray();
    await env.run();
    await expect(env.stop({ savepoint: true })).rejects.toThrow(/already ended/);
    expect((await env.stop())?.status).toBe("finished");
  });
});
