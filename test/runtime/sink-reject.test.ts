import { describe, expect, it } from "vitest";
import { Env, type MemoryDeadLetters, PipelineError, retry, Sink } from "../../src/index.js";
import { hashKey } from "../../src/util/hash.js";

/** A sink that refuses odd numbers one by one and keeps the rest. */
class EvenOnlySink extends Sink<number> {
  readonly written: number[] = [];
  attempts = new Map<number, number>();
  constructor(private readonly healOn?: number) {
    super();
  }
  async produce(elems: number[]): Promise<void> {
    for (const x of elems) {
      const n = (this.attempts.get(x) ?? 0) + 1;
      this.attempts.set(x, n);
      if (x % 2 === 1 && (this.healOn === undefined || n < this.healOn)) {
        await this.reject(x, new Error(`odd ${x}`));
      } else this.written.push(x);
    }
  }
}

describe("Sink.reject(record, error)", () => {
  it("dead-letters only the rejected records; the rest of the batch lands and the source is acked to the end", async () => {
    const env = new Env({ batchSize: 4, onError: "dead-letter" });
    const sink = new EvenOnlySink();
    const acked: number[] = [];
    const input = Array.from({ length: 10 }, (_, i) => i);
    const { IterableSource } = await import("../../src/operators/iterable-source.js");
    const src = new (class extends IterableSource<number> {
      override ack(p: number) {
        acked.push(p);
      }
    })(input);
    env.from(src).to(sink, { name: "evens" });
    const report = await env.run();
    expect(sink.written).toEqual([0, 2, 4, 6, 8]);
    const letters = (env.deadLetters as MemoryDeadLetters).letters;
    expect(letters.map((l) => l.record)).toEqual([1, 3, 5, 7, 9]);
    expect(letters[0].error.message).toBe("odd 1");
    expect(letters[0].node).toBe("evens");
    expect(acked.at(-1)).toBe(10);
    const node = report.nodes.find((n) => n.name === "evens")!;
    expect(node.recordsOut).toBe(5);
    expect(node.deadLettered).toBe(5);
  });

  it("under 'fail' fails the sink with a PipelineError naming the record", async () => {
    const env = new Env({ batchSize: 4 });
    env.from([2, 4, 5, 6]).to(new EvenOnlySink(), { name: "evens" });
    const err = await env.run().catch((e: AggregateError) => e);
    expect(err).toBeInstanceOf(AggregateError);
    const pe = (err as AggregateError).errors[0] as PipelineError;
    expect(pe).toBeInstanceOf(PipelineError);
    expect(pe.record).toBe(5);
    expect(pe.node).toBe("evens");
  });

  it("under retry(...) produces the record alone again until it is written", async () => {
    const env = new Env({ batchSize: 4 });
    const sink = new EvenOnlySink(3);
    env.from([1, 2]).to(sink, { onError: retry({ attempts: 5, backoff: { delayMs: 1 } }) });
    const report = await env.run();
    expect(sink.written.sort()).toEqual([1, 2]);
    expect(sink.attempts.get(1)).toBe(3);
    expect(report.nodes.find((n) => n.kind === "sink")!.retries).toBe(2);
  });
});

describe("Sink.reject under retry that never heals", () => {
  it("tries the record exactly `attempts` times, then dead-letters it once", async () => {
    const env = new Env({ batchSize: 4 });
    const sink = new EvenOnlySink();
    env
      .from([1, 2])
      .to(sink, { onError: retry({ attempts: 4, backoff: { delayMs: 1 }, onExhausted: "dead-letter" }) });
    await env.run();
    expect(sink.written).toEqual([2]);
    expect(sink.attempts.get(1)).toBe(4);
    expect((env.deadLetters as MemoryDeadLetters).letters.map((l) => [l.record, l.attempts])).toEqual([
      [1, 4],
    ]);
  });
});

describe("Sink.reject while another record's retry is in flight", () => {
  function deferred(): { promise: Promise<void>; resolve: () => void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  }

  /** Rejects 1, then — while 1's retry is inside produce([1]) — rejects 3. */
  class OverlappingSink extends Sink<number> {
    readonly written: number[] = [];
    readonly calls: number[][] = [];
    private readonly retryOfOneStarted = deferred();
    private readonly threeRejected = deferred();
    async produce(elems: number[]): Promise<void> {
      this.calls.push([...elems]);
      if (elems.length === 1) {
        // a record-level retry: 1 waits until 3 was rejected meanwhile
        if (elems[0] === 1) {
          this.retryOfOneStarted.resolve();
          await this.threeRejected.promise;
        }
        this.written.push(elems[0]);
        return;
      }
      this.written.push(...elems.filter((x) => x % 2 === 0));
      const one = this.reject(1, new Error("429 on 1"));
      await this.retryOfOneStarted.promise;
      const three = this.reject(3, new Error("429 on 3"));
      this.threeRejected.resolve();
      await Promise.all([one, three]);
    }
  }

  it("handles the second reject by the policy (its own retry), not as a failure of the first retry", async () => {
    const env = new Env({ batchSize: 8 });
    const sink = new OverlappingSink();
    env.from([1, 2, 3, 4]).to(sink, { onError: retry({ attempts: 3, backoff: { delayMs: 0 } }) });
    const report = await env.run();
    expect([...sink.written].sort()).toEqual([1, 2, 3, 4]);
    expect(sink.calls).toEqual([[1, 2, 3, 4], [1], [3]]);
    const node = report.nodes.find((n) => n.kind === "sink")!;
    expect(node.retries).toBe(2);
    expect(node.recordsOut).toBe(4);
  });
});

describe("Sink.reject(...) of a Sink shared by a shard's lanes", () => {
  it("goes to the lane whose produce() rejected it: its policy and counters", async () => {
    // two keys in different lanes of 2; the sink refuses every record of `bad`
    const good = "k0";
    let bad = "k1";
    for (let i = 2; hashKey(bad) % 2 === hashKey(good) % 2; i++) bad = `k${i}`;
    class RefusesBad extends Sink<{ k: string; i: number }> {
      readonly written: number[] = [];
      produce(records: { k: string; i: number }[]): void {
        for (const r of records) {
          if (r.k === bad) void this.reject(r, new Error(`refused ${r.i}`));
          else this.written.push(r.i);
        }
      }
    }
    const records = Array.from({ length: 40 }, (_, i) => ({ k: i % 4 === 0 ? bad : good, i }));
    const sink = new RefusesBad();
    const env = new Env({ batchSize: 4, onError: "dead-letter" });
    env
      .from(records)
      .shard((r) => r.k, { parallelism: 2 })
      .to(sink, { name: "out" });
    const report = await env.run();
    expect(sink.written).toEqual(records.filter((r) => r.k === good).map((r) => r.i));
    expect((env.deadLetters as MemoryDeadLetters).letters).toHaveLength(10);
    const lane = (k: string) => report.nodes.find((n) => n.name === `out[${hashKey(k) % 2}]`)!;
    expect(lane(bad)).toMatchObject({ recordsIn: 10, recordsOut: 0, deadLettered: 10 });
    expect(lane(good)).toMatchObject({ recordsIn: 30, recordsOut: 30, deadLettered: 0 });
  });
});
