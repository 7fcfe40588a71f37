import { describe, expect, it } from "vitest";
import { Env, Sink, Source } from "../../src/index.js";

/** A source that commits asynchronously (like a Kafka client) and refuses acks once closed. */
class CommittingSource extends Source<number> {
  readonly events: string[] = [];
  private pulled = 0;
  private closed = false;
  constructor(
    private readonly n: number,
    private readonly chunk: number,
  ) {
    super();
  }
  consume(size: number): number[] | null {
    if (this.pulled >= this.n) return null;
    const k = Math.min(size, this.chunk, this.n - this.pulled);
    const out = Array.from({ length: k }, (_, i) => this.pulled + i);
    this.pulled += k;
    return out;
  }
  override async ack(position: number): Promise<void> {
    if (this.closed) throw new Error(`commit ${position} on a closed client`);
    await new Promise((r) => setImmediate(r));
    this.events.push(`ack:${position}`);
  }
  override done(): void {
    this.events.push("done");
  }
  override cleanup(): void {
    this.closed = true;
    this.events.push("cleanup");
  }
}

/** A sink that takes a macrotask per batch, so batches are still downstream when the source ends. */
class SlowSink extends Sink<number> {
  readonly got: number[] = [];
  async produce(e: number[]): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.got.push(...e);
  }
}

describe("acknowledgements after the source ends", () => {
  it("cleanup() (and done()) run only after the final position was acknowledged; the report says so", async () => {
    const source = new CommittingSource(40, 10);
    const sink = new SlowSink();
    const env = new Env({ batchSize: 10 });
    env
      .from(source, { name: "topic" })
      .map((x) => x * 2)
      .to(sink);
    const report = await env.run();
    expect(sink.got).toHaveLength(40);
    expect(source.events.at(-2)).toBe("done");
    expect(source.events.at(-1)).toBe("cleanup");
    expect(source.events).toContain("ack:40");
    expect(source.events.indexOf("ack:40")).toBeLessThan(source.events.indexOf("cleanup"));
    const node = report.nodes.find((n) => n.name === "topic");
    expect(node).toMatchObject({ ackedPosition: 40, finalAcked: true, status: "finished" });
  });

  it("after a failed branch, cleanup runs once everything below settled; the report gives the acked prefix", async () => {
    const source = new CommittingSource(30, 10);
    const ok = new SlowSink();
    const env = new Env({ batchSize: 10 });
    const s = env.from(source, { name: "topic" });
    s.to(ok);
    s.map((x) => {
      if (x === 15) throw new Error("bad");
      return x;
    }).to(new SlowSink());
    const err = (await env.run().catch((e) => e)) as { report: { nodes: { name: string }[] } };
    expect(ok.got).toHaveLength(30);
    expect(source.events.at(-1)).toBe("cleanup");
    expect(source.events.filter((e) => e === "cleanup")).toHaveLength(1);
    // the input ended normally (done), but batches 10..29 never reached the failed branch
    expect(source.events.slice(-2)).toEqual(["done", "cleanup"]);
    const node = err.report.nodes.find((n) => n.name === "topic");
    expect(node).toMatchObject({ ackedPosition: 10, finalAcked: false, status: "finished" });
  });

  it("a source without ack() reports no ack fields", async () => {
    const report = await new Env().from([1, 2, 3], { name: "plain" }).to(new SlowSink());
    expect(report.name).toBe("sink:SlowSink");
    const env = new Env();
    env.from([1], { name: "plain" }).to(new SlowSink());
    const run = await env.run();
    const node = run.nodes.find((n) => n.name === "plain");
    expect(node).not.toHaveProperty("ackedPosition");
    expect(node).not.toHaveProperty("finalAcked");
  });
});
