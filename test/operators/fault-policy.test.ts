import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  Calculator,
  ConnectorError,
  Env,
  isRetriable,
  type MemoryDeadLetters,
  PipelineError,
  RunError,
  retry,
  Sink,
} from "../../src/index.js";

const failOn =
  (bad: number, calls: Map<number, number> = new Map()) =>
  (x: number) => {
    calls.set(x, (calls.get(x) ?? 0) + 1);
    if (x === bad) throw new Error(`bad ${x}`);
    return x * 10;
  };

describe("record-level fault policies", () => {
  it("'fail' (default) rejects with a PipelineError naming node, operator and record", async () => {
    const err = await new Env()
      .from([1, 2, 3], { name: "nums" })
      .map(failOn(2), { name: "times10" })
      .toArray()
      .catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ node: "nums", operator: "times10", record: 2, attempts: 1 });
    expect(err.message).toContain("bad 2");
    expect((err.cause as Error).message).toBe("bad 2");
  });

  it("'skip' drops and counts the record", async () => {
    const env = new Env();
    const sink = new (class extends Sink<number> {
      got: number[] = [];
      produce(e: number[]) {
        this.got.push(...e);
      }
    })();
    env.from([1, 2, 3]).map(failOn(2), { onError: "skip" }).to(sink);
    const report = await env.run();
    expect(sink.got).toEqual([10, 30]);
    expect(report.nodes[0].skipped).toBe(1);
  });

  it("'dead-letter' at Env level keeps record, error, node, operator and attempts", async () => {
    const env = new Env({ onError: "dead-letter" });
    const out = await env.from([1, 2, 3]).map(failOn(2), { name: "m" }).toArray();
    expect(out).toEqual([10, 30]);
    const dl = env.deadLetters as MemoryDeadLetters;
    expect(dl.count).toBe(1);
    expect(dl.letters[0]).toMatchObject({ record: 2, operator: "m", attempts: 1, node: "source:array" });
    expect(dl.letters[0].error.message).toBe("bad 2");
  });

  it("retry() calls again up to `attempts` times, then applies onExhausted", async () => {
    const calls = new Map<number, number>();
    const env = new Env();
    const out = await env
      .from([1, 2, 3])
      .map(failOn(2, calls), {
        onError: retry({ attempts: 4, backoff: { delayMs: 0 }, onExhausted: "dead-letter" }),
      })
      .toArray();
    expect(out).toEqual([10, 30]);
    expect(calls.get(2)).toBe(4);
    expect(calls.get(1)).toBe(1);
    expect((env.deadLetters as MemoryDeadLetters).letters[0].attempts).toBe(4);
  });

  it("retry() succeeds when a later attempt works and counts the retries", async () => {
    let n = 0;
    const env = new Env();
    env
      .from(["a"])
      .map(
        (x) => {
          if (++n < 3) throw new Error("flaky");
          return x.toUpperCase();
        },
        { onError: retry({ attempts: 5, backoff: { type: "fixed", delayMs: 0 } }) },
      )
      .to(
        new (class extends Sink<string> {
          produce() {}
        })(),
      );
    const report = await env.run();
    expect(n).toBe(3);
    expect(report.nodes[0].retries).toBe(2);
  });

  it("retry() does not retry programming errors or retriable:false errors", async () => {
    let calls = 0;
    const err = await new Env()
      .from([1])
      .map(
        () => {
          calls++;
          throw new TypeError("x is undefined");
        },
        { onError: retry({ attempts: 5, backoff: { delayMs: 0 } }) },
      )
      .toArray()
      .catch((e) => e);
    expect(calls).toBe(1);
    expect(err).toBeInstanceOf(PipelineError);
    expect(isRetriable(new ConnectorError("x", { retriable: false }))).toBe(false);
    expect(isRetriable(new ConnectorError("x", { retriable: true }))).toBe(true);
    expect(isRetriable(new RangeError("r"))).toBe(false);
  });

  it("backoff grows exponentially, is capped, and jitter stays in range", () => {
    const b = retry({ backoff: { delayMs: 100, factor: 3, maxDelayMs: 1000 } }).backoff;
    expect([2, 3, 4, 5].map((a) => backoffDelay(b, a))).toEqual([100, 300, 900, 1000]);
    const j = retry({ backoff: { delayMs: 100, jitter: 0.5, type: "fixed" } }).backoff;
    expect(backoffDelay(j, 2, () => 0)).toBe(50);
    expect(backoffDelay(j, 2, () => 0.999999)).toBeCloseTo(150, 3);
    expect(() => retry({ attempts: 0 })).toThrow("retry.attempts must be an integer >= 1, got 0");
  });

  it("async rejections go through the policy like throws", async () => {
    const env = new Env({ onError: "skip" });
    const out = await env
      .from([1, 2, 3])
      .map(async (x) => {
        if (x === 1) throw new Error("nope");
        return x;
      })
      .toArray();
    expect(out).toEqual([2, 3]);
  });

  it("a Calculator's failback decides per failure", async () => {
    class Picky extends Calculator<number, number> {
      calc(x: number) {
        if (x < 0) throw new Error("negative");
        if (x === 0) throw new Error("zero");
        return x;
      }
      override failback(err: Error) {
        return err.message === "negative" ? ("skip" as const) : undefined;
      }
    }
    const out = await new Env().from([1, -1, 2]).compute(new Picky()).toArray();
    expect(out).toEqual([1, 2]);
    await expect(new Env().from([1, 0]).compute(new Picky()).toArray()).rejects.toThrow(/zero/);
  });

  it("sink policies apply per batch: retry the batch, dead-letter its records", async () => {
    class Flaky extends Sink<number> {
      attempts = 0;
      got: number[] = [];
      produce(e: number[]) {
        this.attempts++;
        if (e.includes(3) && this.attempts < 3) throw new Error("503");
        if (e.includes(5)) throw new Error("rejected");
        this.got.push(...e);
      }
    }
    const sink = new Flaky();
    const env = new Env({ batchSize: 2 });
    env
      .from([1, 2, 3, 4, 5, 6])
      .to(sink, { onError: retry({ attempts: 3, backoff: { delayMs: 0 }, onExhausted: "dead-letter" }) });
    const report = await env.run();
    expect(sink.got).toEqual([1, 2, 3, 4]);
    const dl = env.deadLetters as MemoryDeadLetters;
    expect(dl.letters.map((d) => d.record)).toEqual([5, 6]);
    expect(dl.letters[0].attempts).toBe(3);
    expect(report.deadLetters).toBe(2);
    const sinkReport = report.nodes.find((n) => n.kind === "sink")!;
    expect(sinkReport.deadLettered).toBe(2);
    expect(sinkReport.recordsOut).toBe(4);
  });

  it("a failing sink batch names the batch index", async () => {
    class Bad extends Sink<number> {
      n = 0;
      produce() {
        if (this.n++ === 1) throw new Error("boom");
      }
    }
    const err: RunError = await (async () => {
      const env = new Env({ batchSize: 2 });
      env.from([1, 2, 3, 4]).to(new Bad());
      return env.run().catch((e) => e);
    })();
    expect(err).toBeInstanceOf(RunError);
    expect(err).toBeInstanceOf(AggregateError);
    expect(err.errors[0]).toMatchObject({ batchIndex: 1, operator: "Bad" });
  });

  it("user dead-letter sink receives the letters", async () => {
    const got: unknown[] = [];
    const env = new Env({
      onError: "dead-letter",
      deadLetters: new (class extends Sink<{ record: unknown }> {
        async produce(e: { record: unknown }[]) {
          got.push(...e.map((d) => d.record));
        }
      })() as never,
    });
    await env.from([1, 2, 3]).map(failOn(3)).toArray();
    expect(got).toEqual([3]);
  });
});
