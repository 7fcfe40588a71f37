import { describe, expect, it } from "vitest";
import { arraySink, Env, Sink } from "../../src/index.js";
import { AckingSource, GatedSink, WaitableSink } from "../helpers.js";

describe("source acknowledgements", () => {
  it("acks in source order once every record is handled, counting filtered records", async () => {
    const source = new AckingSource(
      Array.from({ length: 10 }, (_, i) => i),
      3,
    );
    const out = await new Env({ batchSize: 3 })
      .from(source)
      .filter((x) => x % 2 === 0)
      .toArray();
    expect(out).toEqual([0, 2, 4, 6, 8]);
    expect(source.acks).toEqual(expect.arrayContaining([10]));
    expect([...source.acks].sort((a, b) => a - b)).toEqual(source.acks);
    expect(source.acks.at(-1)).toBe(10);
  });

  it("does not ack a batch until every fan-out branch wrote it", async () => {
    const source = new AckingSource([1, 2, 3, 4], 2);
    const slow = new GatedSink<number>();
    const fast = new WaitableSink<number>();
    const env = new Env({ batchSize: 2 });
    const s = env.from(source);
    s.to(slow);
    s.to(fast);
    const run = env.run();
    await fast.until(4);
    expect(fast.records).toEqual([1, 2, 3, 4]);
    expect(source.acks).toEqual([]);
    slow.open_();
    await run;
    expect(source.acks.at(-1)).toBe(4);
    expect(source.acks).toEqual([...source.acks].sort((a, b) => a - b));
  });

  it("acks dead-lettered and skipped records, and flatMap outputs only once all are written", async () => {
    const source = new AckingSource([1, 2, 3], 1);
    const env = new Env({ batchSize: 2, onError: "dead-letter" });
    const out = await env
      .from(source)
      .map((x) => {
        if (x === 2) throw new Error("bad");
        return x;
      })
      .flatMap((x) => [x, x, x])
      .toArray();
    expect(out).toEqual([1, 1, 1, 3, 3, 3]);
    expect(source.acks).toEqual([1, 2, 3]);
  });

  it("stops acking for good once a downstream node failed (at-least-once)", async () => {
    class FailOnSecond extends Sink<number> {
      n = 0;
      produce() {
        if (++this.n === 2) throw new Error("disk full");
      }
    }
    const source = new AckingSource([1, 2, 3, 4, 5, 6], 2);
    const env = new Env({ batchSize: 2 });
    env.from(source).to(new FailOnSecond());
    await expect(env.run()).rejects.toThrow(/disk full/);
    expect(source.acks).toEqual([2]);
  });

  it("acks across mapAsync, out of order completion, only up to the handled prefix", async () => {
    const source = new AckingSource(
      Array.from({ length: 20 }, (_, i) => i),
      5,
    );
    const out = await new Env({ batchSize: 5 })
      .from(source)
      .mapAsync(
        async (x) => {
          await new Promise((r) => setTimeout(r, (x * 7) % 5));
          return x;
        },
        { concurrency: 4, ordered: false },
      )
      .toArray();
    expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(source.acks.at(-1)).toBe(20);
    expect(source.acks).toEqual([...source.acks].sort((a, b) => a - b));
  });
});

describe("ack failures", () => {
  it("an ack() that throws fails the run with a PipelineError naming the source, even after the source finished", async () => {
    class BadAcker extends AckingSource<number> {
      override ack(position: number): void {
        super.ack(position);
        if (position >= 4) throw new Error("commit rejected by broker");
      }
    }
    const source = new BadAcker([1, 2, 3, 4, 5, 6], 2);
    const env = new Env({ batchSize: 2 });
    env.from(source, { name: "kafka" }).to(arraySink());
    const err = (await env.run().catch((e) => e)) as AggregateError;
    expect(err).toBeInstanceOf(AggregateError);
    expect(err.errors[0].message).toMatch(/node "kafka": ack\(position\) failed: commit rejected by broker/);
    // acks stop at the failure: 2 and 4 were called, nothing after
    expect(source.acks).toEqual([2, 4]);
  });
});
