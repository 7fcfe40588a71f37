import { describe, expect, it } from "vitest";
import { Env, type NodeReport, Sink } from "../../src/index.js";
import { EnvMetrics } from "../../src/scheduler/control/env-metrics.js";
import { WatchedSource } from "../helpers.js";

/** A sink that takes `delayMs` of real time per batch, and measures the time it spent. */
class SlowSink<T> extends Sink<T> {
  readonly records: T[] = [];
  busyMs = 0;
  batches = 0;
  onBatch: (batches: number) => void = () => {};
  constructor(private readonly delayMs: number) {
    super();
  }
  async produce(elems: T[]): Promise<void> {
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.records.push(...elems);
    this.busyMs += performance.now() - t0;
    this.onBatch(++this.batches);
  }
}

/** A sink that keeps up: synchronous, nothing to wait for. */
class FastSink<T> extends Sink<T> {
  readonly records: T[] = [];
  produce(elems: T[]): void {
    for (const e of elems) this.records.push(e);
  }
}

const byKind = (nodes: readonly NodeReport[], kind: string) => nodes.filter((n) => n.kind === kind);

describe("backpressure blocked time (NodeStats.backpressureMs)", () => {
  const batchSize = 10;
  const highWaterMark = 2;
  const total = 400; // 40 batches: the source can be at most highWaterMark + 2 batches ahead

  it("grows on the nodes above a slow sink, live and in the run report, and reaches the control plane metric", async () => {
    const env = new Env({ batchSize, highWaterMark });
    const sink = new SlowSink<number>(2);
    const seen: number[] = [];
    sink.onBatch = (b) => {
      if (b === 10 || b === 30) {
        const src = env.stats()!.nodes.find((n) => n.kind === "source")!;
        seen.push(src.backpressureMs);
      }
    };
    env
      .from(new WatchedSource(Array.from({ length: total }, (_, i) => i)))
      .withTimestamps((x) => x)
      .map((x) => x * 2)
      .to(sink);
    const report = await env.run();
    expect(sink.records.length).toBe(total);

    const [source] = byKind(report.nodes, "source");
    const [stamps] = byKind(report.nodes, "timestamps");
    const [out] = byKind(report.nodes, "sink");
    // the sink waits for nothing downstream; the node right above it waits for it most of the
    // run (it can only run highWaterMark batches ahead), and so, through it, does the source
    expect(out.backpressureMs).toBe(0);
    expect(stamps.backpressureMs).toBeGreaterThan(sink.busyMs * 0.5);
    expect(stamps.backpressureMs).toBeLessThanOrEqual(report.durationMs + 1);
    expect(source.backpressureMs).toBeGreaterThan(sink.busyMs * 0.5);
    // it grows while the run goes on (a wait in progress counts up to now)
    expect(seen.length).toBe(2);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[1]).toBeGreaterThan(seen[0]);

    // the control plane's counter reads the same figure, in seconds
    const metrics = new EnvMetrics(() => [{ task: "t", runId: "r", env }]);
    const text = await metrics.registry.metrics();
    const line = text
      .split("\n")
      .find((l) => l.startsWith("mass_env_backpressure_blocked_seconds_total{") && l.includes(stamps.name));
    expect(line).toBeDefined();
    const seconds = Number(line!.slice(line!.lastIndexOf(" ") + 1));
    expect(seconds).toBeCloseTo(stamps.backpressureMs / 1000, 3);
  });

  it("stays ~0 when the sink keeps up, far below the slow sink's on the same job", async () => {
    const run = async (sink: Sink<number>, withMap: boolean) => {
      const env = new Env({ batchSize, highWaterMark });
      const s = env
        .from(new WatchedSource(Array.from({ length: total }, (_, i) => i)))
        .withTimestamps((x) => x);
      await (withMap ? s.map((x) => x * 2) : s).to(sink);
      const report = env.stats()!;
      return report.nodes.reduce((a, n) => a + n.backpressureMs, 0);
    };
    for (const withMap of [false, true]) {
      const fast = new FastSink<number>();
      const fastBlocked = await run(fast, withMap);
      const slowBlocked = await run(new SlowSink<number>(2), withMap);
      expect(fast.records.length).toBe(total);
      expect(slowBlocked).toBeGreaterThan(0);
      expect(fastBlocked).toBeLessThan(slowBlocked / 10);
      // without fused stages every hop is synchronous: a synchronous sink consumes each batch
      // inside the write that hands it over, no buffer ever fills and no node ever waits
      if (!withMap) expect(fastBlocked).toBe(0);
    }
  });
});
