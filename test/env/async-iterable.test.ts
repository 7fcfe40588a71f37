import { AsyncIterableX, from, range, toArray } from "ix/asynciterable";
import { filter, map } from "ix/asynciterable/operators";
import { describe, expect, it } from "vitest";
import { ConfigError, Env, PipelineError, Source } from "../../src/index.js";
import { AckingSource } from "../helpers.js";

/** An endless source counting what it handed out and its cleanups. */
class Endless extends Source<number> {
  pulled = 0;
  cleanups = 0;
  consume(size: number): number[] {
    const out = Array.from({ length: size }, (_, i) => this.pulled + i);
    this.pulled += size;
    return out;
  }
  override cleanup(): void {
    this.cleanups++;
  }
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe("IxJS interop", () => {
  it("env.from() takes an IxJS AsyncIterableX", async () => {
    const xs = range(0, 50).pipe(
      filter((x) => x % 2 === 0),
      map((x) => x * 10),
    );
    expect(xs).toBeInstanceOf(AsyncIterableX);
    const out = await new Env({ batchSize: 7 })
      .from(xs)
      .map((x) => x + 1)
      .toArray();
    expect(out).toEqual(Array.from({ length: 25 }, (_, i) => i * 20 + 1));
  });

  it("toAsyncIterable() is an AsyncIterableX: for await, and IxJS operators", async () => {
    const env = new Env({ batchSize: 4 });
    const it = env
      .from(from([1, 2, 3, 4, 5, 6, 7]))
      .map((x) => x * 2)
      .toAsyncIterable();
    expect(it).toBeInstanceOf(AsyncIterableX);
    const out = await toArray(it.pipe(filter((x: number) => x % 4 === 0)));
    expect(out).toEqual([4, 8, 12]);
    const env2 = new Env();
    const got: string[] = [];
    for await (const s of env2.from(["a", "b"]).toAsyncIterable()) got.push(s);
    expect(got).toEqual(["a", "b"]);
  });

  it("records reach the consumer at its pace: the source stays a bounded distance ahead", async () => {
    const source = new Endless();
    const env = new Env({ batchSize: 10, highWaterMark: 2 });
    let consumed = 0;
    let maxAhead = 0;
    for await (const x of env.from(source).toAsyncIterable()) {
      expect(x).toBe(consumed);
      consumed++;
      await turn(); // a slow consumer: the pipeline gets a full event-loop turn per record
      maxAhead = Math.max(maxAhead, source.pulled - consumed);
      if (consumed === 500) break;
    }
    // in flight: the batch being read, hwm batches on the edge, one batch in the source's hands
    expect(maxAhead).toBeLessThanOrEqual((2 + 2) * 10);
    expect(source.pulled).toBeLessThan(600);
    expect(maxAhead).toBeGreaterThan(0);
  });

  it("breaking out of the loop stops the pipeline: cleanup runs once, the run ends as stopped", async () => {
    const source = new Endless();
    const env = new Env({ batchSize: 8 });
    const run = env
      .from(source)
      .map((x) => x + 1)
      .toAsyncIterable();
    const got: number[] = [];
    const report = env.run();
    for await (const x of run) {
      got.push(x);
      if (got.length === 20) break;
    }
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(source.cleanups).toBe(1);
    const r = await report;
    expect(r.status).toBe("stopped");
    expect(r.nodes.map((node) => node.status)).toEqual(["cancelled", "cancelled"]);
  });

  it("acknowledges only the batches the consumer took completely", async () => {
    const source = new AckingSource(
      Array.from({ length: 100 }, (_, i) => i),
      10,
    );
    const env = new Env({ batchSize: 10 });
    let n = 0;
    for await (const _ of env.from(source).toAsyncIterable()) {
      if (++n === 25) break;
    }
    expect(source.acks.at(-1)).toBe(20);
    expect(source.cleanups).toBe(1);
  });

  it("a pipeline failure rejects the loop with the PipelineError", async () => {
    const env = new Env({ batchSize: 2 });
    const it = env
      .from([1, 2, 3, 4, 5])
      .map((x) => {
        if (x === 4) throw new Error("bad four");
        return x;
      })
      .toAsyncIterable();
    const got: number[] = [];
    const err = await (async () => {
      for await (const x of it) got.push(x);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as Error).message).toMatch(/bad four/);
    expect(got).toEqual([1, 2]);
  });

  it("the signal IxJS passes stops the pipeline when it aborts", async () => {
    const source = new Endless();
    const env = new Env({ batchSize: 5 });
    const ac = new AbortController();
    const it = env.from(source).toAsyncIterable();
    let n = 0;
    const err = await toArray(
      it.pipe(
        map((x: number) => {
          if (++n === 12) ac.abort();
          return x;
        }),
      ),
      ac.signal,
    ).catch((e) => e);
    expect((err as Error).name).toBe("AbortError");
    expect((await env.stop())?.status).toBe("stopped");
    expect(source.cleanups).toBe(1);
  });

  it("is iterable once", async () => {
    const it = new Env().from([1]).toAsyncIterable();
    expect(await toArray(it)).toEqual([1]);
    expect(() => it[Symbol.asyncIterator]()).toThrow(ConfigError);
  });
});
