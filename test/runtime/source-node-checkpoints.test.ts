import { describe, expect, it } from "vitest";
import {
  type CheckpointData,
  type CheckpointStore,
  Env,
  memoryCheckpointStore,
  type OperatorContext,
  Sink,
  Source,
} from "../../src/index.js";
import { GatedSink } from "../helpers.js";
import { PositionedSource } from "./checkpoint/fixtures.js";

/** A memory store that refuses to write savepoints (regular checkpoints are stored). */
function savepointsFail(): CheckpointStore {
  const inner = memoryCheckpointStore();
  return {
    description: "memory, savepoints fail",
    write: (c: CheckpointData) =>
      c.savepoint ? Promise.reject(new Error("savepoint volume full")) : inner.write(c),
    latest: () => inner.latest(),
    load: (l) => inner.load(l),
    list: () => inner.list(),
    prune: (n) => inner.prune(n),
  };
}

describe("SourceNode: checkpoint barriers", () => {
  it("a barrier that fills the edge holds the next consume() until the sink took it", async () => {
    const log: string[] = [];
    class Logged extends PositionedSource<number> {
      override consume(size: number): number[] | null | Promise<number[] | null> {
        log.push("consume");
        return super.consume(size);
      }
      override snapshotPosition(): number {
        log.push(`snapshot ${this.pos}`);
        return super.snapshotPosition();
      }
    }
    /** Takes several event-loop turns per batch: the edge (2 chunks) is full with a batch and a barrier. */
    class Slow extends Sink<number> {
      readonly got: number[] = [];
      async produce(records: number[]): Promise<void> {
        log.push(`start ${records[0]}`);
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        this.got.push(...records);
        log.push(`end ${records[0]}`);
      }
    }
    const src = new Logged([1, 2], 1);
    // the first read takes a timer longer than the checkpoint interval: the checkpoint is
    // triggered while it runs, so its barrier goes out right after the first batch
    src.gate = (pos) => (pos === 0 ? new Promise((r) => setTimeout(r, 20)) : undefined);
    const sink = new Slow();
    const env = new Env({
      batchSize: 10,
      highWaterMark: 2,
      checkpoint: { intervalMs: 1, store: memoryCheckpointStore() },
    });
    env.from(src).to(sink);
    const report = await env.run();
    expect(log.slice(0, 4)).toEqual(["consume", "start 1", "snapshot 1", "end 1"]);
    expect(log.indexOf("consume", 1)).toBeGreaterThan(log.indexOf("end 1"));
    expect(sink.got).toEqual([1, 2]);
    expect(report.checkpoints?.completed).toBeGreaterThan(0);
  });

  it("a stop-with-savepoint whose savepoint cannot be stored rejects, and the source reads on to its end", async () => {
    const records = Array.from({ length: 60 }, (_, i) => i);
    const src = new PositionedSource(records, 5);
    const out: number[] = [];
    const env = new Env({ batchSize: 5, checkpoint: { intervalMs: 0, store: savepointsFail() } });
    const stops: Promise<unknown>[] = [];
    src.gate = (pos) => {
      if (pos === 20) stops.push(env.stop({ savepoint: true }).catch((e: unknown) => e));
      return undefined;
    };
    env.from(src).to(
      new (class extends Sink<number> {
        produce(r: number[]) {
          out.push(...r);
        }
      })(),
    );
    const report = await env.run();
    expect(stops.length).toBe(1);
    expect(((await stops[0]) as Error).message).toMatch(/savepoint volume full/);
    expect(report.status).toBe("finished");
    expect(out).toEqual(records);
    expect(report.checkpoints?.savepoint).toBeUndefined();
  });
  it("a checkpoint triggered while the last read is pending is answered by the source with its final position, as a running source", async () => {
    class SlowEnd extends PositionedSource<number> {
      override consume(size: number): number[] | null | Promise<number[] | null> {
        // the read that finds the end takes longer than the checkpoint interval
        if (this.pos >= this.records.length) return new Promise((r) => setTimeout(() => r(null), 20));
        return super.consume(size);
      }
    }
    const store = memoryCheckpointStore();
    const src = new SlowEnd([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const out: number[] = [];
    const env = new Env({ checkpoint: { intervalMs: 1, store, retain: 10 } });
    env.from(src, { name: "src" }).to(
      new (class extends Sink<number> {
        produce(r: number[]) {
          out.push(...r);
        }
      })(),
      { name: "out" },
    );
    const report = await env.run();
    expect(out).toHaveLength(10);
    const stored = await Promise.all((await store.list()).map((c) => store.load(c.location)));
    // the first one: its barrier was asked for during the last read; the source had not ended
    expect(stored.length).toBeGreaterThanOrEqual(2);
    expect(stored[0].parts.src).toEqual({ kind: "source", position: 10 });
    // the final checkpoint: every node had finished
    expect(stored.at(-1)?.parts.src).toEqual({ kind: "source", position: 10, finished: true });
    expect(src.completed.map((c) => c.position)).toEqual(stored.map(() => 10));
    expect(report.checkpoints?.completed).toBe(stored.length);
  });
  it("a savepoint asked for after a stop, while the stopped source waits for its acks, holds the source's final position", async () => {
    let loopEnded!: () => void;
    const ended = new Promise<void>((r) => (loopEnded = r));
    class Idle extends PositionedSource<number> {
      private signal!: AbortSignal;
      readonly acked: number[] = [];
      override open(ctx: OperatorContext) {
        this.signal = ctx.signal;
      }
      override consume(size: number): number[] | null | Promise<number[] | null> {
        if (this.pos < this.records.length) return super.consume(size);
        // nothing more for now: waits until the stop aborts the read
        return new Promise((r) => this.signal.addEventListener("abort", () => r(null)));
      }
      override snapshotPosition(): number {
        if (this.signal.aborted) loopEnded(); // called when the read loop ended
        return super.snapshotPosition();
      }
      override ack(position: number) {
        this.acked.push(position);
      }
    }
    const src = new Idle([1, 2, 3, 4, 5, 6], 2);
    const sink = new GatedSink<number>();
    const store = memoryCheckpointStore();
    const env = new Env({ checkpoint: { intervalMs: 0, store } });
    env.from(src, { name: "src" }).to(sink, { name: "out" });
    const run = env.run();
    while (sink.calls === 0) await new Promise((r) => setImmediate(r));
    const stopped = env.stop();
    await ended; // the loop ended; the source waits for the acks of what the gated sink holds
    const savepoint = env.stop({ savepoint: true });
    sink.open_();
    const report = await savepoint;
    await stopped;
    await run;
    expect(report?.status).toBe("stopped");
    expect(sink.records).toEqual([1, 2, 3, 4, 5, 6]);
    expect(src.acked.at(-1)).toBe(6);
    const sp = await store.load(report!.checkpoints!.savepoint!);
    expect(sp.parts.src).toEqual({ kind: "source", position: 6 });
  });
  it("a source without snapshotPosition() takes part in checkpoints with no position", async () => {
    class NoPosition extends Source<number> {
      private i = 0;
      consume(): Promise<number[] | null> | null {
        if (this.i >= 30) return null;
        // one timer per batch: checkpoints (every ms) are taken while it reads
        return new Promise((r) => setTimeout(() => r([this.i++]), 1));
      }
    }
    const store = memoryCheckpointStore();
    const out: number[] = [];
    const env = new Env({ checkpoint: { intervalMs: 1, store, retain: 1000 } });
    env.from(new NoPosition(), { name: "src" }).to(
      new (class extends Sink<number> {
        produce(r: number[]) {
          out.push(...r);
        }
      })(),
    );
    const report = await env.run();
    expect(out).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const stored = await Promise.all((await store.list()).map((c) => store.load(c.location)));
    expect(report.checkpoints?.completed).toBe(stored.length);
    const midRun = stored.filter((c) => c.parts.src === undefined);
    expect(midRun.length).toBeGreaterThan(0);
    // the final checkpoint: the source finished, with no position either
    expect(stored.at(-1)?.parts.src).toEqual({ kind: "source", finished: true });
  });
});
