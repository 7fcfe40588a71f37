import { describe, expect, it } from "vitest";
import { Env, type MemoryDeadLetters, retry, Sink, Source } from "../../src/index.js";
import { AckTracker } from "../../src/runtime/ack.js";

/** Answers the scripted consume() results in turn (null: the end); acks recorded. */
class ScriptedSource extends Source<number> {
  readonly acked: number[] = [];
  private step = 0;
  constructor(private readonly script: (number[] | null)[]) {
    super();
  }
  consume(): number[] | null {
    return this.script[this.step++] ?? null;
  }
  override ack(position: number): void {
    this.acked.push(position);
  }
}

/** Records each batch produced. */
class LogSink extends Sink<number> {
  readonly log: string[] = [];
  produce(records: number[]): void {
    this.log.push(`batch:${records.join(",")}`);
  }
}

describe("SourceNode: empty reads", () => {
  it("an empty consume() result is no batch: the sink never sees an empty produce, acks count records", async () => {
    const src = new ScriptedSource([[], [1, 2], [], [], [3], []]);
    const sink = new LogSink();
    const env = new Env({ lingerMs: 1 });
    env.from(src).to(sink);
    const report = await env.run();
    expect(sink.log.filter((l) => l.startsWith("batch:"))).toEqual(["batch:1,2", "batch:3"]);
    expect(src.acked).toEqual([2, 3]);
    expect(report.nodes[0].recordsIn).toBe(3);
  });
});

describe("AckTracker: a batch of no records", () => {
  it("still has to be released before the tracker is complete", async () => {
    const t = new AckTracker(() => {});
    const a = t.next(2);
    const empty = t.next(0);
    a.release();
    expect(t.ackedPosition).toBe(2);
    expect(t.complete).toBe(false);
    let drained = false;
    void t.drained().then(() => {
      drained = true;
    });
    await new Promise<void>((r) => setImmediate(r));
    expect(drained).toBe(false);
    empty.release();
    await new Promise<void>((r) => setImmediate(r));
    expect(t.complete).toBe(true);
    expect(drained).toBe(true);
  });
});

describe("SinkNode: a batch retried after produce() threw", () => {
  it("counts as written only the records the successful attempt did not reject", async () => {
    class FlakySink extends Sink<number> {
      attempts = 0;
      readonly written: number[] = [];
      async produce(records: number[]): Promise<void> {
        if (records.length > 1 && ++this.attempts === 1) throw new Error("connection reset");
        for (const x of records) {
          if (x === 2) await this.reject(x, new Error("refused 2"));
          else this.written.push(x);
        }
      }
    }
    const sink = new FlakySink();
    const env = new Env({
      batchSize: 3,
      onError: retry({ attempts: 2, backoff: { delayMs: 0 }, onExhausted: "dead-letter" }),
    });
    env.from([1, 2, 3]).to(sink, { name: "flaky" });
    const report = await env.run();
    expect(sink.written).toEqual([1, 3]);
    expect((env.deadLetters as MemoryDeadLetters).letters.map((l) => l.record)).toEqual([2]);
    const node = report.nodes.find((n) => n.name === "flaky")!;
    expect(node.recordsOut).toBe(2);
    expect(node.deadLettered).toBe(1);
  });
});

describe("AckTracker: synchronous acks", () => {
  it("drained() waits for every batch, also when each ack() returns at once", async () => {
    const calls: number[] = [];
    const t = new AckTracker((p) => {
      calls.push(p);
    });
    const a = t.next(1);
    const b = t.next(2);
    let drained = false;
    void t.drained().then(() => {
      drained = true;
    });
    a.release();
    await new Promise<void>((r) => setImmediate(r));
    expect(calls).toEqual([1]);
    expect(drained).toBe(false);
    b.release();
    await new Promise<void>((r) => setImmediate(r));
    expect(calls).toEqual([1, 3]);
    expect(drained).toBe(true);
  });
});

describe("SinkNode: a synchronous produce() that rejects records", () => {
  it("counts only the records written, dead-letters the rejected ones, and acks the source to the end", async () => {
    class SyncOddRefuser extends Sink<number> {
      readonly written: number[] = [];
      produce(records: number[]): void {
        for (const x of records) {
          if (x % 2 === 1) void this.reject(x, new Error(`odd ${x}`));
          else this.written.push(x);
        }
      }
    }
    const src = new ScriptedSource([[0, 1, 2], [3, 4], [6]]);
    const sink = new SyncOddRefuser();
    const env = new Env({ onError: "dead-letter" });
    env.from(src).to(sink, { name: "sync" });
    const report = await env.run();
    expect(sink.written).toEqual([0, 2, 4, 6]);
    expect((env.deadLetters as MemoryDeadLetters).letters.map((l) => l.record)).toEqual([1, 3]);
    const node = report.nodes.find((n) => n.name === "sync")!;
    expect(node.recordsOut).toBe(4);
    expect(node.deadLettered).toBe(2);
    expect(src.acked.at(-1)).toBe(6);
  });
});
