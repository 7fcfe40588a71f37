import { describe, expect, it, vi } from "vitest";
import { Env, type OperatorContext, Sink, Source } from "../../src/index.js";
import { GatedSink, ticks, WaitableSink } from "../helpers.js";

/** An endless synchronous source of numbered batches. */
class Endless extends Source<number> {
  pulled = 0;
  hooks: string[] = [];
  consume(size: number): number[] {
    const out = Array.from({ length: size }, (_, i) => this.pulled + i);
    this.pulled += size;
    return out;
  }
  override done() {
    this.hooks.push("done");
  }
  override cleanup() {
    this.hooks.push("cleanup");
  }
}

describe("SourceNode", () => {
  it("never sends an empty batch downstream; asks again after a source had nothing ready", async () => {
    const answers: (number[] | null)[] = [[1], [], [], [2, 3], [], null];
    class Bursty extends Source<number> {
      calls = 0;
      consume(): number[] | null {
        return answers[this.calls++];
      }
    }
    const sizes: number[] = [];
    class Sizes extends Sink<number> {
      produce(e: number[]) {
        sizes.push(e.length);
      }
    }
    const src = new Bursty();
    const env = new Env({ lingerMs: 0 });
    env.from(src).to(new Sizes());
    const report = await env.run();
    expect(src.calls).toBe(6);
    expect(sizes).toEqual([1, 2]);
    expect(report.nodes[0].recordsIn).toBe(3);
  });

  it("a source with no consumer still runs to its end", async () => {
    const env = new Env({ batchSize: 2 });
    env.from([1, 2, 3, 4, 5], { name: "alone" });
    const report = await env.run();
    expect(report.nodes[0]).toMatchObject({ name: "alone", status: "finished", recordsIn: 5 });
  });

  it("a stop while the source waits for room: it reads nothing more, what it read drains, done() is not called", async () => {
    const src = new Endless();
    const sink = new GatedSink<number>();
    const env = new Env({ batchSize: 10, highWaterMark: 2 });
    env.from(src).to(sink);
    const run = env.run();
    // the source is blocked on backpressure once it read highWaterMark batches
    for (let i = 0; src.pulled < 20; i++) {
      if (i > 1000) throw new Error("source never filled the edge");
      await new Promise((r) => setImmediate(r));
    }
    const stopped = env.stop();
    const pulledAtStop = src.pulled;
    sink.open_();
    const report = await stopped;
    await run;
    expect(report?.status).toBe("stopped");
    expect(src.pulled).toBe(pulledAtStop);
    expect(sink.records).toEqual(Array.from({ length: pulledAtStop }, (_, i) => i));
    expect(src.hooks).toEqual(["cleanup"]);
  });

  it("a stop requested while the source yields to the event loop: it reads nothing more", async () => {
    const src = new Endless();
    const sink = new WaitableSink<number>();
    const env = new Env({ batchSize: 100 });
    env.from(src).to(sink);
    let pulledAtStop = -1;
    // runs at the first event-loop turn the busy source loop gives away (after ~8 ms of work)
    setImmediate(() => {
      pulledAtStop = src.pulled;
      void env.stop();
    });
    const report = await env.run();
    expect(report.status).toBe("stopped");
    expect(pulledAtStop).toBeGreaterThan(0);
    expect(src.pulled).toBe(pulledAtStop);
    expect(sink.records.length).toBe(pulledAtStop);
  });

  it("the stop reason given to ctx.signal names the Env and the source", async () => {
    let reason: unknown;
    let waiting!: () => void;
    const isWaiting = new Promise<void>((r) => (waiting = r));
    class Idle extends Source<number> {
      private signal!: AbortSignal;
      override open(ctx: OperatorContext) {
        this.signal = ctx.signal;
      }
      consume(): Promise<number[] | null> {
        waiting();
        return new Promise((resolve) =>
          this.signal.addEventListener("abort", () => {
            reason = this.signal.reason;
            resolve(null);
          }),
        );
      }
    }
    const env = new Env({ name: "jobs" });
    env.from(new Idle(), { name: "topic" }).to(new WaitableSink());
    void env.run();
    await isWaiting;
    await env.stop();
    expect((reason as Error).message).toBe('env "jobs" is stopping: source "topic" reads no more');
    expect(reason).toMatchObject({ name: "LifecycleError", node: "topic" });
  });

  it("a source cancelled while it waits for its last acks calls cleanup, not done", async () => {
    const hooks: string[] = [];
    class Acked extends Source<number> {
      private n = 0;
      consume(): number[] | null {
        return this.n++ < 2 ? [this.n] : null;
      }
      override ack() {}
      override done() {
        hooks.push("done");
      }
      override cleanup(err?: Error) {
        hooks.push(err === undefined ? "cleanup" : "cleanup:err");
      }
    }
    let fail!: (e: Error) => void;
    const failing = new Promise<void>((_, reject) => (fail = reject));
    let holding!: () => void;
    const isHolding = new Promise<void>((r) => (holding = r));
    class Holds extends Sink<number> {
      async produce(e: number[]) {
        if (e[0] === 2) {
          holding();
          await failing;
        }
      }
    }
    const env = new Env({ batchSize: 1 });
    env.from(new Acked()).to(new Holds());
    const run = env.run().catch((e) => e);
    await isHolding; // the source read everything and waits for the ack of record 2
    fail(new Error("disk full"));
    const err = await run;
    expect((err as Error).message).toMatch(/disk full/);
    expect(hooks).toEqual(["cleanup:err"]);
  });
  it("a source cancelled while its done() runs stays cancelled: one cleanup, never reported finished", async () => {
    const hooks: string[] = [];
    let sinkCleanedUp!: () => void;
    const sinkGone = new Promise<void>((r) => (sinkCleanedUp = r));
    class Short extends Source<number> {
      private n = 0;
      consume(): number[] | null {
        return this.n++ < 2 ? [this.n] : null;
      }
      override async done() {
        hooks.push("source done");
        await sinkGone; // the sink below fails meanwhile, which cancels this source
        hooks.push("source done returns");
      }
      override cleanup(err?: Error) {
        hooks.push(err === undefined ? "source cleanup" : "source cleanup:err");
      }
    }
    class FailsAtEnd extends Sink<number> {
      produce() {}
      override async done() {
        throw new Error("flush failed");
      }
      override cleanup() {
        sinkCleanedUp();
      }
    }
    const env = new Env();
    env.from(new Short(), { name: "short" }).to(new FailsAtEnd());
    const err = (await env.run().catch((e) => e)) as {
      report: { nodes: { name: string; status: string }[] };
    };
    expect((err as unknown as Error).message).toMatch(/flush failed/);
    expect(err.report.nodes.find((n) => n.name === "short")?.status).toBe("cancelled");
    expect(hooks).toEqual(["source done", "source cleanup:err", "source done returns"]);
  });
  it("a source whose done() throws fails: the run rejects naming it, its cleanup gets the error", async () => {
    const hooks: string[] = [];
    class Closing extends Source<number> {
      private n = 0;
      consume(): number[] | null {
        return this.n++ < 1 ? [1, 2] : null;
      }
      override done() {
        throw new Error("commit on close refused");
      }
      override cleanup(err?: Error) {
        hooks.push(`cleanup: ${err?.message ?? "none"}`);
      }
    }
    const sink = new WaitableSink<number>();
    const env = new Env();
    env.from(new Closing(), { name: "closing" }).to(sink);
    const err = (await env.run().catch((e) => e)) as Error & {
      report: { nodes: { name: string; status: string }[] };
    };
    expect(err.message).toMatch(/node "closing".*commit on close refused/);
    expect(err.report.nodes.find((n) => n.name === "closing")?.status).toBe("failed");
    expect(sink.records).toEqual([1, 2]);
    expect(hooks).toEqual([expect.stringMatching(/^cleanup: .*commit on close refused/)]);
  });
  it("a source with nothing ready is asked again once per lingerMs, not in a busy loop", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let calls = 0;
      let ready = false;
      class Idle extends Source<number> {
        consume(): number[] | null {
          calls++;
          if (!ready) return [];
          ready = false;
          return calls < 10 ? [calls] : null;
        }
      }
      const env = new Env({ lingerMs: 5 });
      const out = env.from(new Idle()).toArray();
      const run = env.run();
      await ticks(5); // real event-loop turns: a busy loop would have asked many times
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(4);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toBe(2);
      ready = true;
      await vi.advanceTimersByTimeAsync(5); // call 3 returns [3], call 4 [] again
      expect(calls).toBe(4);
      ready = true;
      await vi.advanceTimersByTimeAsync(5); // call 5 returns [5]; the next ones wait again
      expect(calls).toBe(6);
      calls = 10;
      ready = true;
      await vi.advanceTimersByTimeAsync(5); // the end
      await run;
      expect(await out).toEqual([3, 5]);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ["waits in consume()", true],
    ["pauses after an empty read", false],
  ])(
    "a source cancelled while it %s is called no more: no watermark, position or read after its cleanup",
    async (_, waits) => {
      const late: string[] = [];
      class Watched extends Source<number> {
        private n = 0;
        private closed = false;
        private signal!: AbortSignal;
        override open(ctx: OperatorContext) {
          this.signal = ctx.signal;
        }
        private call(what: string) {
          if (this.closed) late.push(what);
        }
        consume(): number[] | Promise<number[] | null> {
          this.call("consume");
          if (this.n++ === 0) return [1, 2];
          if (!waits) return []; // nothing ready: the runtime pauses lingerMs, then asks again
          // nothing more for now: waits until the node's signal aborts
          return new Promise((r) => this.signal.addEventListener("abort", () => r(null)));
        }
        override currentWatermark(): number {
          this.call("currentWatermark");
          return this.n;
        }
        override snapshotPosition(): number {
          this.call("snapshotPosition");
          return this.n;
        }
        override cleanup() {
          this.closed = true;
        }
      }
      class FailsLater extends Sink<number> {
        async produce(): Promise<void> {
          await new Promise((r) => setImmediate(r));
          throw new Error("disk full");
        }
      }
      const env = new Env();
      env.from(new Watched(), { name: "watched" }).to(new FailsLater());
      const err = (await env.run().catch((e) => e)) as Error & {
        report: { nodes: { name: string; status: string }[] };
      };
      expect(err.message).toMatch(/disk full/);
      expect(err.report.nodes.find((n) => n.name === "watched")?.status).toBe("cancelled");
      expect(late).toEqual([]);
    },
  );
});
