import { describe, expect, it } from "vitest";
import { arraySink, Env, Source } from "../../src/index.js";

/** A source that reports partition figures through `metrics()`, as the Kafka source does. */
class PartitionedSource extends Source<number> {
  private left = 3;
  consume(): number[] | null {
    return this.left-- > 0 ? [this.left] : null;
  }
  metrics(): { partitions: unknown[] } {
    return {
      partitions: [
        { topic: "t", partition: 0, lag: 7 - this.left, committed: 12 },
        { topic: "t", partition: "bad", lag: 1 }, // malformed: left out
      ],
    };
  }
}

describe("run report: partitions of a source that reports them", () => {
  it("copies well-formed partition figures from source.metrics() into the node report", async () => {
    const env = new Env();
    env.from(new PartitionedSource(), { name: "parts" }).to(arraySink());
    const report = await env.run();
    const node = report.nodes.find((n) => n.kind === "source")!;
    expect(node.partitions).toEqual([{ topic: "t", partition: 0, lag: 8, committed: 12 }]);
    const sink = report.nodes.find((n) => n.kind === "sink")!;
    expect(sink.partitions).toBeUndefined();
  });

  it("a source without metrics() has no partitions field; one whose metrics() throws neither", async () => {
    class Throwing extends PartitionedSource {
      override metrics(): never {
        throw new Error("nope");
      }
    }
    for (const src of [new Throwing(), [1, 2, 3]]) {
      const env = new Env();
      env.from(src).to(arraySink());
      const report = await env.run();
      expect("partitions" in report.nodes[0]).toBe(false);
    }
  });
});
