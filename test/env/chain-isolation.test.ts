import { describe, expect, it } from "vitest";
import { Env, PipelineError, RunError, Sink } from "../../src/index.js";
import { AckingSource } from "../helpers.js";

class Recorder<T> extends Sink<T> {
  readonly got: T[] = [];
  readonly hooks: string[] = [];
  constructor(private readonly slow = false) {
    super();
  }
  async produce(e: T[]) {
    if (this.slow) await new Promise((r) => setImmediate(r));
    this.got.push(...e);
  }
  override done() {
    this.hooks.push("done");
  }
  override cleanup(err?: Error) {
    this.hooks.push(err ? "cleanup:err" : "cleanup");
  }
}

/** A sink whose produce() calls complete one at a time, when the test says so. */
class HeldSink<T> extends Sink<T> {
  readonly records: T[] = [];
  private readonly gates: (() => void)[] = [];
  private calls = 0;
  private onCall: (() => void) | null = null;
  async produce(e: T[]) {
    this.calls++;
    this.onCall?.();
    await new Promise<void>((r) => this.gates.push(r));
    this.records.push(...e);
  }
  /** Resolves once produce() was called `n` times. */
  async called(n: number): Promise<void> {
    while (this.calls < n) await new Promise<void>((r) => (this.onCall = r));
  }
  /** Lets the oldest pending produce() finish and waits until it has. */
  async writeOne(): Promise<void> {
    await this.called(1);
    const before = this.records.length;
    this.gates.shift()!();
    // produce() continues within a few microtasks of its gate opening (no timers involved)
    for (let i = 0; this.records.length === before; i++) {
      if (i > 100) throw new Error("produce() did not continue after its gate opened");
      await Promise.resolve();
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("failure isolation inside a fused chain", () => {
  it("a failed stage ends only its branch: the source and the sibling branch run to their end", async () => {
    const source = new AckingSource(range(10), 2);
    const env = new Env({ batchSize: 2 });
    const src = env.from(source, { name: "numbers" });
    const a = new Recorder<number>();
    const b = new Recorder<number>();
    src
      .map(
        (x) => {
          if (x === 5) throw new Error("fragile broke");
          return x * 10;
        },
        { name: "fragile" },
      )
      .to(a, { name: "a" });
    src.map((x) => x + 1).to(b, { name: "b" });
    const err = (await env.run().catch((e) => e)) as RunError;
    expect(err).toBeInstanceOf(RunError);
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]).toBeInstanceOf(PipelineError);
    expect(err.errors[0]).toMatchObject({ node: "numbers", operator: "fragile", record: 5 });
    expect(err.errors[0].message).toMatch(/operator "fragile" \(map\)/);
    // the sibling saw every record, the failed branch only the batches before the failing one
    expect(b.got).toEqual(range(10).map((x) => x + 1));
    expect(b.hooks).toEqual(["done", "cleanup"]);
    expect(a.got).toEqual([0, 10, 20, 30]);
    expect(a.hooks).toEqual(["cleanup:err"]);
    const status = Object.fromEntries(err.report.nodes.map((n) => [n.name, n.status]));
    expect(status).toEqual({ numbers: "finished", a: "cancelled", b: "finished" });
    // every record was read; acks stop before the batch [4, 5] that did not reach "a"
    expect(source.pulled).toBe(10);
    expect(source.acks.at(-1)).toBe(4);
    expect(source.cleanups).toBe(1);
  });

  it("a shared prefix keeps running for the sibling when a stage under it fails", async () => {
    const source = new AckingSource(range(8), 4);
    const env = new Env({ batchSize: 4 });
    const doubled = env.from(source).map((x) => x * 2, { name: "double" });
    const gated = new Recorder<number>();
    const all = new Recorder<number>();
    doubled
      .filter(
        (x) => {
          if (x === 6) throw new Error("gate jammed");
          return x % 4 === 0;
        },
        { name: "gate" },
      )
      .to(gated);
    doubled.to(all);
    const err = (await env.run().catch((e) => e)) as RunError;
    expect(err.errors.map((e) => e.operator)).toEqual(["gate"]);
    expect(err.errors[0].message).toMatch(/operator "gate" \(filter\)/);
    expect(all.got).toEqual(range(8).map((x) => x * 2));
    expect(gated.got).toEqual([]);
    // the first batch held record 3 (6 after double), which never made it to "gated"
    expect(source.acks).toEqual([]);
  });

  it("acks stop exactly at the first record the failed branch did not write", async () => {
    // "held" writes a batch only when the test lets it: when the stage fails, batch 0 is
    // written, batch 1 is inside produce() and batch 2 waits on the edge; batches 1 and 2 never
    // reach the sink, so acks stop at 5 although the sibling wrote everything
    const source = new AckingSource(range(30), 5);
    const env = new Env({ batchSize: 5, highWaterMark: 4 });
    const src = env.from(source);
    const held = new HeldSink<number>();
    const fast = new Recorder<number>();
    const reached17 = deferred();
    const fail17 = deferred();
    src
      .map(async (x) => {
        if (x === 17) {
          reached17.resolve();
          await fail17.promise;
          throw new Error("boom");
        }
        return x;
      })
      .to(held);
    src.to(fast);
    const run = env.run().catch((e) => e);
    await reached17.promise;
    await held.writeOne(); // batch 0 lands; the sink takes batch 1 and waits again
    await held.called(2);
    fail17.resolve();
    const err = (await run) as RunError;
    expect(err.errors[0].message).toMatch(/boom/);
    expect(fast.got).toEqual(range(30));
    expect(held.records).toEqual(range(5));
    expect(source.acks).toEqual([5]);
  });

  it("a node below the failed stage is cancelled with the error and its cleanup runs once", async () => {
    let asyncCalls = 0;
    const env = new Env({ batchSize: 3 });
    const src = env.from(range(9));
    const after = new Recorder<number>();
    const other = new Recorder<number>();
    src
      .tap((x) => {
        if (x === 4) throw new Error("tap failed");
      })
      .mapAsync(async (x) => {
        asyncCalls++;
        return x;
      })
      .to(after);
    src.to(other);
    const err = (await env.run().catch((e) => e)) as RunError;
    expect(err.errors).toHaveLength(1);
    expect(other.got).toEqual(range(9));
    expect(after.hooks).toEqual(["cleanup:err"]);
    expect(asyncCalls).toBeLessThanOrEqual(3);
    const kinds = Object.fromEntries(err.report.nodes.map((n) => [n.kind, n.status]));
    expect(kinds.mapAsync).toBe("cancelled");
  });

  it("when the failed stage was the only branch, the node fails as before", async () => {
    const env = new Env();
    const sink = new Recorder<number>();
    env
      .from([1, 2, 3], { name: "src" })
      .map((x) => {
        if (x === 2) throw new Error("no");
        return x;
      })
      .to(sink);
    const err = (await env.run().catch((e) => e)) as RunError;
    expect(err.errors).toHaveLength(1);
    const src = err.report.nodes.find((n) => n.name === "src");
    expect(src?.status).toBe("failed");
  });
});
