import { describe, expect, it } from "vitest";
import {
  type CheckpointData,
  type CheckpointStore,
  Env,
  memoryCheckpointStore,
  Sink,
} from "../../src/index.js";
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
});
