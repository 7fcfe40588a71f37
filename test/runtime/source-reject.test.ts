import { describe, expect, it } from "vitest";
import { Env, type MemoryDeadLetters, PipelineError, retry, Source } from "../../src/index.js";

/** Reads lines; a line that is not a number is rejected (through the node's fault policy). */
class Lines extends Source<number> {
  private i = 0;
  constructor(
    private readonly lines: string[],
    private readonly decide?: (err: Error) => "skip" | "dead-letter" | ReturnType<typeof retry> | undefined,
  ) {
    super();
  }
  consume(size: number): number[] | null {
    if (this.i >= this.lines.length) return null;
    const out: number[] = [];
    while (out.length < size && this.i < this.lines.length) {
      const line = this.lines[this.i++];
      const n = Number(line);
      if (Number.isNaN(n)) this.reject(line, new Error(`not a number: ${line}`));
      else out.push(n);
    }
    return out;
  }
  override failback(err: Error) {
    return this.decide?.(err);
  }
}

describe("Source.reject(input, error)", () => {
  it("dead-letters the raw input under 'dead-letter', counting it on the source operator", async () => {
    const env = new Env({ onError: "dead-letter" });
    const out = env.from(new Lines(["1", "x", "3"]), { name: "lines" }).toArray();
    const report = await env.run();
    expect(await out).toEqual([1, 3]);
    expect(report.operators[0]).toMatchObject({ kind: "source", deadLettered: 1, recordsIn: 2 });
    const letters = (env.deadLetters as MemoryDeadLetters).letters;
    expect(letters.map((l) => [l.record, l.operatorKind, l.node])).toEqual([["x", "source", "lines"]]);
  });

  it("under retry(...) applies onExhausted at once: a malformed input is never dropped uncounted", async () => {
    const env = new Env({ onError: retry({ attempts: 5, onExhausted: "dead-letter" }) });
    env.from(new Lines(["x", "2"])).toArray();
    const report = await env.run();
    expect((env.deadLetters as MemoryDeadLetters).letters.map((l) => l.record)).toEqual(["x"]);
    expect(report.nodes[0]).toMatchObject({ deadLettered: 1, retries: 0 });
    const env2 = new Env({ onError: retry({ attempts: 5, onExhausted: "skip" }) });
    env2.from(new Lines(["x", "2"])).toArray();
    expect((await env2.run()).nodes[0]).toMatchObject({ skipped: 1, retries: 0 });
  });

  it("under retry(...) with onExhausted 'fail' fails the source naming the input", async () => {
    const env = new Env({ onError: retry({ attempts: 3 }) });
    const err = await env
      .from(new Lines(["1", "bad"]), { name: "lines" })
      .toArray()
      .catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).message).toMatch(
      /node "lines", operator "Lines" \(source\) failed on record "bad"/,
    );
  });

  it("a failback answer is used, a retry answer going to its onExhausted", async () => {
    const env = new Env();
    env.from(new Lines(["x", "1"], () => retry({ onExhausted: "skip" }))).toArray();
    expect((await env.run()).nodes[0]).toMatchObject({ skipped: 1 });
    const env2 = new Env();
    env2.from(new Lines(["x", "1"], () => "dead-letter")).toArray();
    expect((await env2.run()).nodes[0]).toMatchObject({ deadLettered: 1 });
  });
});

describe("withTimestamps: a record whose timestamp is not a number", () => {
  it("under retry(...) goes to onExhausted (dead-letter) instead of failing the run", async () => {
    const env = new Env({ onError: retry({ attempts: 3, onExhausted: "dead-letter" }) });
    const out = env
      .from([{ t: 1 }, { t: "later" }, { t: 3 }])
      .withTimestamps((r) => r.t as number)
      .toArray();
    await env.run();
    expect(await out).toEqual([{ t: 1 }, { t: 3 }]);
    const letters = (env.deadLetters as MemoryDeadLetters).letters;
    expect(letters.map((l) => [l.record, l.operator])).toEqual([[{ t: "later" }, "withTimestamps"]]);
  });
});

describe("Source.reject(...) in a read that returns no records", () => {
  it("its dead letters reach env.deadLetters before the next read, also from an empty read and the last one", async () => {
    const seen: string[] = [];
    /** Each read rejects its bad lines; a read of bad lines only returns [], the last read (its lines rejected) null. */
    class Reads extends Source<number> {
      private i = 0;
      constructor(
        private readonly reads: string[][],
        private readonly letters: () => unknown[],
      ) {
        super();
      }
      consume(): number[] | null {
        seen.push(`read ${this.i}: letters ${this.letters().join(",")}`);
        const lines = this.reads[this.i++];
        const out: number[] = [];
        for (const line of lines ?? []) {
          if (Number.isNaN(Number(line))) this.reject(line, new Error(`not a number: ${line}`));
          else out.push(Number(line));
        }
        return this.i >= this.reads.length ? null : out;
      }
    }
    const env = new Env({ onError: "dead-letter", lingerMs: 1 });
    const dl = env.deadLetters as MemoryDeadLetters;
    const src = new Reads([["1", "a"], ["b"], ["2"], ["c"]], () => dl.letters.map((l) => l.record));
    const out = env.from(src).toArray();
    const report = await env.run();
    expect(await out).toEqual([1, 2]);
    expect(dl.letters.map((l) => l.record)).toEqual(["a", "b", "c"]);
    expect(seen).toEqual([
      "read 0: letters ",
      "read 1: letters a",
      "read 2: letters a,b",
      "read 3: letters a,b",
    ]);
    expect(report.nodes[0]).toMatchObject({ deadLettered: 3, recordsIn: 2 });
  });
});
