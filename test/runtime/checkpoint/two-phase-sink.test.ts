/**
 * Two-phase-commit sinks (Sink.preCommit / checkpointComplete / checkpointAborted), the final
 * checkpoint at the end of a bounded input, and the choice of the checkpoint to restore
 * (Source.restorable), with in-memory parts: a transactional sink that holds records after a
 * barrier until the checkpoint commits, as the exactly-once Kafka sink does.
 */
import { describe, expect, it } from "vitest";
import {
  type CheckpointData,
  type CheckpointStore,
  Env,
  memoryCheckpointStore,
  type RestoreCandidate,
  Sink,
  StateError,
} from "../../../src/index.js";
import { PositionedSource } from "./fixtures.js";

const N = 6000;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/**
 * A transactional sink: records go into the open transaction; `preCommit(id)` seals it for
 * checkpoint `id` and holds later records until `checkpointComplete` commits it (every sealed
 * transaction up to that id) or `checkpointAborted` releases them into the next one.
 */
class TxnSink extends Sink<number> {
  override name = "txn";
  pending: number[] = [];
  readonly prepared = new Map<number, number[]>();
  /** Records committed, per checkpoint id that committed them. */
  readonly committedBy = new Map<number, number[]>();
  readonly log: string[] = [];
  /** Records produced when `preCommit(id)` was called. */
  readonly atPreCommit = new Map<number, number>();
  /** Whether the store held checkpoint `id` when its commit came. */
  readonly storedAtCommit = new Map<number, boolean>();
  produced = 0;
  private held: Promise<void> | null = null;
  private release: () => void = () => {};
  constructor(private readonly store?: CheckpointStore) {
    super();
  }
  async produce(elems: number[]): Promise<void> {
    if (this.held !== null) await this.held;
    this.pending.push(...elems);
    this.produced += elems.length;
  }
  override preCommit(id: number): void {
    this.log.push(`pre ${id}`);
    this.atPreCommit.set(id, this.produced);
    this.prepared.set(id, this.pending.splice(0));
    this.held ??= new Promise<void>((r) => {
      this.release = r;
    });
  }
  override async checkpointComplete(id: number): Promise<void> {
    this.log.push(`commit ${id}`);
    if (this.store !== undefined)
      this.storedAtCommit.set(
        id,
        (await this.store.list()).some((c) => c.id === id),
      );
    const out: number[] = [];
    for (const [k, recs] of [...this.prepared].sort((a, b) => a[0] - b[0])) {
      if (k > id) continue;
      out.push(...recs);
      this.prepared.delete(k);
    }
    this.committedBy.set(id, out);
    this.unhold();
  }
  override checkpointAborted(id: number): void {
    this.log.push(`aborted ${id}`);
    this.unhold();
  }
  override cleanup(): void {
    this.log.push("cleanup");
  }
  get committed(): number[] {
    return [...this.committedBy.values()].flat();
  }
  private unhold(): void {
    this.held = null;
    this.release();
  }
}

/** A source of 0..N-1 in batches of 100 that yields to timers every 5 batches (checkpoints get in). */
function pacedSource(): PositionedSource<number> {
  const src = new PositionedSource(range(0, N), 100);
  src.gate = (pos) => (pos % 500 === 0 ? new Promise((r) => setTimeout(r, 1)) : undefined);
  return src;
}

/** The source's position in each stored checkpoint, by id. */
async function positions(store: CheckpointStore): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const c of await store.list())
    out.set(c.id, (await store.load(c.location)).parts.src!.position as number);
  return out;
}

describe("two-phase-commit sinks", () => {
  it("preCommit at each barrier after exactly the records before it; each stored checkpoint commits exactly its records, after the store write; the final checkpoint commits the rest before cleanup", async () => {
    const store = memoryCheckpointStore();
    const sink = new TxnSink(store);
    const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 2, store, retain: 1000 } });
    env
      .from(pacedSource(), { name: "src" })
      .map((x: number) => x)
      .to(sink, { name: "out" });
    const report = await env.run();
    const pos = await positions(store);
    const ids = [...pos.keys()];
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(report.checkpoints!.completed).toBe(ids.length);
    // preCommit saw exactly the records before the barrier (a 1:1 job: the source's position)
    for (const [id, p] of pos) expect(sink.atPreCommit.get(id)).toBe(p);
    // each checkpoint committed the records between the previous one's barrier and its own
    let prev = 0;
    for (const [id, p] of pos) {
      expect(sink.committedBy.get(id)).toEqual(range(prev, p));
      expect(sink.storedAtCommit.get(id)).toBe(true);
      prev = p;
    }
    expect(sink.committed).toEqual(range(0, N));
    // the final checkpoint: after every record, the source finished, committed before cleanup
    const last = report.checkpoints!.last!;
    expect(pos.get(last.id)).toBe(N);
    expect((await store.load(last.location)).parts.src!.finished).toBe(true);
    expect(sink.log.slice(-3)).toEqual([`pre ${last.id}`, `commit ${last.id}`, "cleanup"]);
    expect(sink.log.filter((l) => l.startsWith("commit")).map((l) => Number(l.slice(7)))).toEqual(ids);
  });

  it("a checkpoint whose store write fails is not aborted: its records commit with the next checkpoint (subsumed)", async () => {
    const inner = memoryCheckpointStore();
    let failed = 0;
    const store: CheckpointStore = {
      description: "failing once",
      latest: () => inner.latest(),
      load: (l) => inner.load(l),
      list: () => inner.list(),
      prune: (n) => inner.prune(n),
      write: (c: CheckpointData) => {
        if (c.id === 2) {
          failed++;
          return Promise.reject(new Error("disk full (test)"));
        }
        return inner.write(c);
      },
    };
    const sink = new TxnSink();
    const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 2, store, retain: 1000 } });
    env.from(pacedSource(), { name: "src" }).to(sink, { name: "out" });
    const report = await env.run();
    expect(failed).toBe(1);
    expect(report.checkpoints!.failed).toBe(1);
    expect(sink.log).toContain("pre 2");
    expect(sink.log).toContain("aborted 2");
    expect(sink.log).not.toContain("commit 2");
    const pos = await positions(inner);
    expect(pos.has(2)).toBe(false);
    // the next stored checkpoint after 2 committed from checkpoint 1's barrier on
    const next = [...pos.keys()].find((id) => id > 2)!;
    expect(sink.committedBy.get(next)).toEqual(range(pos.get(1)!, pos.get(next)!));
    expect(sink.committed).toEqual(range(0, N));
  });

  it("no final checkpoint after env.stop(): what the sink holds after the last checkpoint stays uncommitted", async () => {
    const store = memoryCheckpointStore();
    const sink = new TxnSink();
    const src = new PositionedSource(range(0, N), 100);
    let stopAt: number | null = null;
    src.gate = (pos) => {
      if (pos >= 3000) return new Promise(() => {}); // an input with nothing more for now
      return pos % 500 === 0 ? new Promise((r) => setTimeout(r, 1)) : undefined;
    };
    const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 2, store, retain: 1000 } });
    env.from(src, { name: "src" }).to(sink, { name: "out" });
    const run = env.run();
    while (sink.produced < 3000 || sink.log.filter((l) => l.startsWith("commit")).length < 2) {
      await new Promise((r) => setTimeout(r, 5));
    }
    stopAt = sink.log.length;
    await env.stop();
    const report = await run;
    const after = sink.log.slice(stopAt);
    expect(after.filter((l) => l.startsWith("pre")).length).toBeLessThanOrEqual(1);
    expect(after.at(-1)).toBe("cleanup");
    expect(report.checkpoints!.completed).toBe((await store.list()).length);
    // committed is a prefix: exactly the records before the last completed checkpoint's barrier
    const pos = await positions(store);
    expect(sink.committed).toEqual(range(0, Math.max(...pos.values())));
  });

  it("a Sink shared by a shard's lanes is pre-committed once per checkpoint, once every lane passed its barrier", async () => {
    const store = memoryCheckpointStore();
    const sink = new TxnSink();
    const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 2, store, retain: 1000 } });
    env
      .from(pacedSource(), { name: "src" })
      .shard((x: number) => x % 3, { parallelism: 3 })
      .to(sink, { name: "out" });
    const report = await env.run();
    const pres = sink.log.filter((l) => l.startsWith("pre"));
    expect(new Set(pres).size).toBe(pres.length);
    const pos = await positions(store);
    expect(pres.length).toBe(pos.size);
    expect(report.checkpoints!.completed).toBe(pos.size);
    // every lane's records before the barrier, none after: the source's position
    for (const [id, p] of pos) expect(sink.atPreCommit.get(id)).toBe(p);
    expect([...sink.committed].sort((a, b) => a - b)).toEqual(range(0, N));
  });
});

/** A PositionedSource that accepts, at restore, only what `accept` says. */
class CheckedSource extends PositionedSource<number> {
  readonly asked: (number | null)[] = [];
  constructor(private readonly accept: (c: RestoreCandidate | null) => boolean | string) {
    super(range(0, N), 100);
  }
  override restorable(c: RestoreCandidate | null): boolean | string {
    this.asked.push(c === null ? null : c.id);
    return this.accept(c);
  }
}

/** A store holding checkpoints 1..5 of a stopped run (source positions 1000, 2000, ...). */
async function storeWithFive(): Promise<CheckpointStore> {
  const store = memoryCheckpointStore();
  for (let id = 1; id <= 5; id++) {
    await store.write({
      id,
      savepoint: false,
      timestamp: Date.now(),
      job: "mass",
      parts: { src: { kind: "source", position: id * 1000 } },
    });
  }
  return store;
}

describe("which checkpoint a restore resumes from (Source.restorable)", () => {
  it("walks the store newest first and restores the newest checkpoint the source accepts", async () => {
    const store = await storeWithFive();
    const src = new CheckedSource((c) => c?.id === 3 || "committed elsewhere");
    const sink = new TxnSink();
    const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 0, store } });
    env.from(src, { name: "src" }).to(sink, { name: "out" });
    const report = await env.run({ restore: true });
    expect(src.asked).toEqual([5, 4, 3]);
    expect(src.restoredFrom).toBe(3000);
    expect(report.checkpoints!.restoredFrom).toBe("mem:3");
    expect(sink.committed).toEqual(range(3000, N));
  });

  it("none accepted but starting empty is: the run starts from the beginning", async () => {
    const store = await storeWithFive();
    const src = new CheckedSource((c) => c === null);
    const sink = new TxnSink();
    const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 0, store } });
    env.from(src, { name: "src" }).to(sink, { name: "out" });
    const report = await env.run({ restore: true });
    expect(src.asked).toEqual([5, 4, 3, 2, 1, null]);
    expect(src.restoredFrom).toBeUndefined();
    expect(report.checkpoints!.restoredFrom).toBeUndefined();
    expect(sink.committed).toEqual(range(0, N));
  });

  it("none accepted and starting empty is not: a StateError naming what each source said, and what to do", async () => {
    const store = await storeWithFive();
    const src = new CheckedSource((c) => `group committed 777${c === null ? " (checkpoint 0)" : ""}`);
    const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 0, store } });
    env.from(src, { name: "src" }).to(new TxnSink(), { name: "out" });
    const err = await env.run({ restore: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    const msg = (err as Error).message;
    expect(msg).toContain('checkpoint 5 (mem:5): source "src": group committed 777');
    expect(msg).toContain(
      'starting empty does not either (source "src": group committed 777 (checkpoint 0))',
    );
    expect(msg).toMatch(/retain >= 2/);
    expect(msg).toMatch(/restore: \{ from \}/);
    expect(src.pos).toBe(0);
  });

  it("restore: { from } is not second-guessed", async () => {
    const store = await storeWithFive();
    const src = new CheckedSource(() => false);
    const env = new Env({ batchSize: 100, checkpoint: { intervalMs: 0, store } });
    env.from(src, { name: "src" }).to(new TxnSink(), { name: "out" });
    await env.run({ restore: { from: "mem:4" } });
    expect(src.asked).toEqual([]);
    expect(src.restoredFrom).toBe(4000);
  });
});
