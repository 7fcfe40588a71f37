import { describe, expect, it } from "vitest";
import {
  arraySink,
  count,
  Env,
  type MemoryDeadLetters,
  type OperatorReport,
  PipelineError,
  retry,
  Sink,
  tumbling,
} from "../../src/index.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const pick = (ops: OperatorReport[], name: string) => {
  const o = ops.find((x) => x.name === name);
  if (o === undefined) throw new Error(`no operator ${name}: ${ops.map((x) => x.name).join(", ")}`);
  return o;
};

describe("per-operator visibility", () => {
  it("counts in and out for every chained operator, naming the node it runs in", async () => {
    const env = new Env({ batchSize: 16 });
    env
      .from(range(100), { name: "numbers" })
      .map((x) => x * 2, { name: "double" })
      .filter((x) => x % 4 === 0, { name: "quarters" })
      .flatMap((x) => [x, x], { name: "twice" })
      .to(arraySink(), { name: "out" });
    const report = await env.run();
    const ops = report.operators;
    expect(ops.map((o) => [o.name, o.kind, o.node])).toEqual([
      ["array", "source", "numbers"],
      ["double", "map", "numbers"],
      ["quarters", "filter", "numbers"],
      ["twice", "flatMap", "numbers"],
      ["array", "sink", "out"],
    ]);
    expect(ops.map((o) => [o.recordsIn, o.recordsOut])).toEqual([
      [100, 100],
      [100, 100],
      [100, 50],
      [50, 100],
      [100, 100],
    ]);
    // the physical node's own counters are what left the node
    expect(report.nodes.find((n) => n.name === "numbers")).toMatchObject({ recordsIn: 100, recordsOut: 100 });
  });

  it("splits skipped, dead-lettered and retried records by operator; node totals are their sums", async () => {
    const env = new Env({ batchSize: 8 });
    let flaky = 0;
    env
      .from(range(20), { name: "src" })
      .map(
        (x) => {
          if (x % 5 === 0) throw new Error("five");
          return x;
        },
        { name: "noFives", onError: "skip" },
      )
      .filter(
        (x) => {
          if (x % 7 === 0) throw new Error("seven");
          return true;
        },
        { name: "noSevens", onError: "dead-letter" },
      )
      .map(
        (x) => {
          if (x === 3 && flaky++ < 2) throw new Error("flaky");
          return x;
        },
        { name: "flaky", onError: retry({ attempts: 3, backoff: { delayMs: 0 } }) },
      )
      .to(arraySink());
    const report = await env.run();
    const ops = report.operators;
    expect(pick(ops, "noFives")).toMatchObject({
      recordsIn: 20,
      recordsOut: 16,
      skipped: 4,
      deadLettered: 0,
    });
    expect(pick(ops, "noSevens")).toMatchObject({
      recordsIn: 16,
      recordsOut: 14,
      skipped: 0,
      deadLettered: 2,
    });
    expect(pick(ops, "flaky")).toMatchObject({ recordsIn: 14, recordsOut: 14, retries: 2 });
    expect(ops[0]).toMatchObject({ kind: "source", skipped: 0, deadLettered: 0, retries: 0 });
    expect(report.nodes[0]).toMatchObject({ skipped: 4, deadLettered: 2, retries: 2 });
    const letters = (env.deadLetters as MemoryDeadLetters).letters;
    expect(letters.map((l) => [l.record, l.operator, l.operatorKind, l.node])).toEqual([
      [7, "noSevens", "filter", "src"],
      [14, "noSevens", "filter", "src"],
    ]);
  });

  it("errors name the operator and its kind", async () => {
    const env = new Env();
    env
      .from([1, 2, 3])
      .filter(
        (x) => {
          if (x === 2) throw new Error("jammed");
          return true;
        },
        { name: "gate" },
      )
      .to(arraySink());
    const err = (await env.run().catch((e) => e)) as AggregateError;
    const pe = err.errors[0] as PipelineError;
    expect(pe).toBeInstanceOf(PipelineError);
    expect(pe.message).toMatch(/operator "gate" \(filter\) failed on record 2: jammed/);
    expect(pe).toMatchObject({ operator: "gate", operatorKind: "filter" });
    class Broken extends Sink<number> {
      produce(): void {
        throw new Error("disk full");
      }
    }
    const env2 = new Env();
    env2.from([1]).to(new Broken(), { name: "db" });
    const err2 = (await env2.run().catch((e) => e)) as AggregateError;
    expect(err2.errors[0].message).toMatch(
      /node "db", operator "Broken" \(sink\) failed on batch 0: disk full/,
    );
  });

  it("topology() lists every operator with the physical node it is chained into, and the operator edges", () => {
    const env = new Env();
    const s = env.from([1], { name: "src" }).map((x) => x, { name: "a" });
    s.filter(() => true, { name: "b" }).to(arraySink(), { name: "out1" });
    s.to(arraySink(), { name: "out2" });
    const t = env.topology();
    const src = t.nodes.find((n) => n.name === "src")!;
    expect(t.operators.filter((o) => o.node === src.id).map((o) => `${o.name}:${o.kind}`)).toEqual([
      "array:source",
      "a:map",
      "b:filter",
    ]);
    expect(src.operators).toHaveLength(3);
    const id = (name: string) => t.operators.find((o) => o.name === name)!.id;
    const out1 = t.operators.find((o) => o.node === t.nodes.find((n) => n.name === "out1")!.id)!.id;
    expect(t.operatorEdges).toEqual(
      expect.arrayContaining([
        { from: src.id, to: id("a") },
        { from: id("a"), to: id("b") },
        { from: id("b"), to: out1 },
      ]),
    );
    // the shared prefix "a" appears once
    expect(t.operatorEdges.filter((e) => e.from === src.id)).toHaveLength(1);
  });

  it("node names read well: window:tumbling, withTimestamps, numbered duplicates", () => {
    const env = new Env();
    const s = env.from([1, 2]).withTimestamps((x) => x);
    s.window(tumbling(10)).agg({ n: count() }).to(arraySink());
    s.to(arraySink());
    const names = env.topology().nodes.map((n) => n.name);
    expect(names).toEqual([
      "source:array",
      "withTimestamps",
      "window:tumbling",
      "sink:array",
      "sink:array#2",
    ]);
  });

  it("env.stats() gives live counters while the run goes on, then its final status", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    class Gated extends Sink<number> {
      n = 0;
      async produce(e: number[]) {
        this.n += e.length;
        if (this.n >= 20) {
          reached();
          await gate;
        }
      }
    }
    const env = new Env({ batchSize: 10, highWaterMark: 1 });
    expect(env.stats()).toBeUndefined();
    env
      .from(range(100), { name: "src" })
      .filter((x) => x % 2 === 0, { name: "even" })
      .to(new Gated(), { name: "slow" });
    const run = env.run();
    await atGate;
    const live = env.stats()!;
    expect(live.status).toBe("running");
    expect(live.run).toBe(0);
    const even = pick(live.operators, "even");
    expect(even.recordsIn).toBeGreaterThanOrEqual(40);
    expect(even.recordsIn).toBeLessThan(100);
    expect(live.nodes.find((n) => n.name === "slow")!.status).toBe("running");
    release();
    await run;
    const end = env.stats()!;
    expect(end.status).toBe("finished");
    expect(pick(end.operators, "even")).toMatchObject({ recordsIn: 100, recordsOut: 50 });
  });
});
