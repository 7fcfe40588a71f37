import { describe, expect, it } from "vitest";
import { Env, type FailbackDecision, type MemoryDeadLetters, retry, Sink } from "../../src/index.js";

/** A sink that refuses any batch holding a negative number; its failback decides what to do. */
class Picky extends Sink<number> {
  readonly written: number[] = [];
  readonly asked: number[][] = [];
  constructor(private readonly decide: (batch: number[]) => FailbackDecision) {
    super();
  }
  produce(e: number[]): void {
    if (e.some((x) => x < 0)) throw new Error("negative");
    this.written.push(...e);
  }
  override failback(_err: Error, batch: number[]): FailbackDecision {
    this.asked.push(batch);
    return this.decide(batch);
  }
}

describe("SinkNode", () => {
  it("failback decides per failed batch, over the node's policy", async () => {
    const sink = new Picky((b) => (b.includes(-1) ? "skip" : "dead-letter"));
    const env = new Env({ batchSize: 2 });
    env.from([1, 2, -1, 3, 4, -2]).to(sink, { name: "db" });
    const report = await env.run();
    expect(sink.written).toEqual([1, 2]);
    expect(sink.asked).toEqual([
      [-1, 3],
      [4, -2],
    ]);
    const node = report.nodes.find((n) => n.name === "db")!;
    expect(node).toMatchObject({ recordsIn: 6, recordsOut: 2, skipped: 2, deadLettered: 2 });
    expect((env.deadLetters as MemoryDeadLetters).letters.map((l) => l.record)).toEqual([4, -2]);
  });

  it("failback answering undefined keeps the configured policy; 'fail' names the batch", async () => {
    const env = new Env({ batchSize: 3 });
    env.from([1, -1]).to(new Picky(() => undefined), { name: "db" });
    const err = (await env.run().catch((e) => e)) as AggregateError;
    expect(err.errors[0].message).toMatch(/node "db", operator "Picky" \(sink\) failed on batch 0: negative/);
  });

  it("a batch retried until it lands counts as written once", async () => {
    let attempts = 0;
    class Flaky extends Sink<number> {
      readonly written: number[] = [];
      produce(e: number[]) {
        if (++attempts < 3) throw new Error("busy");
        this.written.push(...e);
      }
    }
    const sink = new Flaky();
    const env = new Env({ batchSize: 4 });
    env.from([1, 2, 3]).to(sink, { onError: retry({ attempts: 3, backoff: { delayMs: 0 } }) });
    const report = await env.run();
    expect(sink.written).toEqual([1, 2, 3]);
    expect(report.nodes.find((n) => n.kind === "sink")).toMatchObject({ recordsOut: 3, retries: 2 });
  });
});
