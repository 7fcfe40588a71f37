import { describe, expect, it } from "vitest";
import { Env, type OperatorContext, Sink, Source } from "../../src/index.js";

/** An async iterable fed by hand: next() waits until a value is pushed; return() is recorded. */
class Channel<T> implements AsyncIterable<T>, AsyncIterator<T> {
  private readonly queue: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  returns = 0;
  nextCalls = 0;
  private closed = false;
  push(v: T): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w({ value: v, done: false });
    } else this.queue.push(v);
  }
  next(): Promise<IteratorResult<T>> {
    this.nextCalls++;
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((r) => {
      this.waiter = r;
    });
  }
  return(): Promise<IteratorResult<T>> {
    this.returns++;
    this.closed = true;
    const w = this.waiter;
    this.waiter = null;
    w?.({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }
}

/** A sink that records what it got and resolves `until(n)` once it holds n records. */
class Collect<T> extends Sink<T> {
  readonly got: T[] = [];
  cleanups = 0;
  private waits: { n: number; resolve: () => void }[] = [];
  produce(e: T[]): void {
    this.got.push(...e);
    this.waits = this.waits.filter((w) => {
      if (this.got.length < w.n) return true;
      w.resolve();
      return false;
    });
  }
  until(n: number): Promise<void> {
    if (this.got.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waits.push({ n, resolve }));
  }
  override cleanup(): void {
    this.cleanups++;
  }
}

describe("env.stop() with an idle source", () => {
  it("interrupts a pending consume, calls the iterator's return(), ends the run as stopped; later records are not delivered", async () => {
    const ch = new Channel<number>();
    const sink = new Collect<number>();
    const env = new Env({ lingerMs: 0 });
    env.from(ch, { name: "idle" }).to(sink);
    const run = env.run();
    ch.push(1);
    ch.push(2);
    await sink.until(2);
    const stopped = env.stop();
    expect(stopped).toBeInstanceOf(Promise);
    const report = await stopped;
    expect(report?.status).toBe("stopped");
    expect(await run).toBe(report);
    expect(ch.returns).toBe(1);
    expect(sink.cleanups).toBe(1);
    const calls = ch.nextCalls;
    ch.push(3);
    // nothing reads the channel any more: 3 stays in it
    expect(ch.nextCalls).toBe(calls);
    expect(sink.got).toEqual([1, 2]);
    expect(report?.nodes.find((n) => n.name === "idle")?.status).toBe("finished");
  });

  it("ends the run even when the iterator cannot answer return() (an async generator suspended in an await)", async () => {
    let resumed = false;
    let finallyRan = false;
    async function* idle() {
      try {
        yield 1;
        await new Promise(() => {}); // nothing ever comes
        resumed = true;
        yield 2;
      } finally {
        finallyRan = true;
      }
    }
    const sink = new Collect<number>();
    const env = new Env({ lingerMs: 0 });
    env.from(idle()).to(sink);
    const run = env.run();
    await sink.until(1);
    const report = await env.stop();
    expect(report?.status).toBe("stopped");
    await run;
    expect(sink.got).toEqual([1]);
    expect(sink.cleanups).toBe(1);
    expect(resumed).toBe(false);
    // the generator is suspended for good: its finally cannot run (JavaScript semantics)
    expect(finallyRan).toBe(false);
  });

  it("aborts ctx.signal of a source waiting in consume(); cleanup runs once", async () => {
    const events: string[] = [];
    let waiting!: () => void;
    const isWaiting = new Promise<void>((r) => (waiting = r));
    class Quiet extends Source<number> {
      private signal!: AbortSignal;
      private first = true;
      override open(ctx: OperatorContext) {
        this.signal = ctx.signal;
      }
      consume(): Promise<number[] | null> {
        if (this.first) {
          this.first = false;
          return Promise.resolve([7]);
        }
        waiting();
        return new Promise((resolve) => {
          this.signal.addEventListener("abort", () => {
            events.push(`abort:${(this.signal.reason as Error).name}`);
            resolve(null);
          });
        });
      }
      override cleanup() {
        events.push("cleanup");
      }
    }
    const sink = new Collect<number>();
    const env = new Env();
    env.from(new Quiet()).to(sink);
    void env.run();
    await sink.until(1);
    await isWaiting;
    const report = await env.stop();
    expect(report?.status).toBe("stopped");
    expect(events).toEqual(["abort:LifecycleError", "cleanup"]);
    expect(sink.got).toEqual([7]);
  });

  it("after a stop, every record read was acknowledged before cleanup: finalAcked", async () => {
    const events: string[] = [];
    let waiting!: () => void;
    const isWaiting = new Promise<void>((r) => (waiting = r));
    class Polling extends Source<number> {
      private n = 0;
      private signal!: AbortSignal;
      override open(ctx: OperatorContext) {
        this.signal = ctx.signal;
      }
      consume(): number[] | Promise<number[] | null> {
        if (this.n < 3) return [this.n++];
        waiting();
        return new Promise((resolve) => this.signal.addEventListener("abort", () => resolve(null)));
      }
      override async ack(p: number) {
        await new Promise((r) => setImmediate(r));
        events.push(`ack:${p}`);
      }
      override cleanup() {
        events.push("cleanup");
      }
    }
    const sink = new Collect<number>();
    const env = new Env({ batchSize: 1 });
    env.from(new Polling(), { name: "poll" }).to(sink);
    void env.run();
    await isWaiting;
    const report = await env.stop();
    expect(sink.got).toEqual([0, 1, 2]);
    expect(events.at(-1)).toBe("cleanup");
    expect(events).toContain("ack:3");
    expect(report?.nodes.find((n) => n.name === "poll")).toMatchObject({
      ackedPosition: 3,
      finalAcked: true,
    });
  });

  it("stop() resolves undefined when nothing ran, and never rejects when the run failed", async () => {
    const env = new Env();
    expect(await env.stop()).toBeUndefined();
    env
      .from([1, 2])
      .map((x) => {
        if (x === 2) throw new Error("bad");
        return x;
      })
      .to(new Collect<number>());
    const run = env.run();
    await expect(run).rejects.toThrow(/bad/);
    const report = await env.stop();
    expect(report?.status).toBe("failed");
  });
});
