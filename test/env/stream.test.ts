import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { arraySink, Calculator, ConfigError, Env } from "../../src/index.js";

describe("Stream operators", () => {
  it("map, filter, flatMap, mutate and tap compose like Array methods", async () => {
    const seen: number[] = [];
    const out = await new Env({ batchSize: 3 })
      .from([1, 2, 3, 4, 5, 6, 7])
      .map((x) => ({ v: x * 10 }))
      .filter((r) => r.v % 20 !== 0)
      .flatMap((r) => [r.v, r.v + 1])
      .tap((x) => seen.push(x))
      .map((x) => ({ x }))
      .mutate((r) => {
        r.x = -r.x;
      })
      .toArray();
    const expected = [1, 3, 5, 7].flatMap((x) => [x * 10, x * 10 + 1]);
    expect(out).toEqual(expected.map((x) => ({ x: -x })));
    expect(seen).toEqual(expected);
  });

  it("awaits async stage functions in order", async () => {
    const out = await new Env({ batchSize: 2 })
      .from([5, 1, 3])
      .map(async (x) => {
        await new Promise((r) => setTimeout(r, x));
        return x * 2;
      })
      .filter(async (x) => x > 2)
      .toArray();
    expect(out).toEqual([10, 6]);
  });

  it("record() is tap() under the original design's name", async () => {
    const seen: string[] = [];
    const out = await new Env()
      .from(["a", "b"])
      .record((x) => seen.push(x))
      .toArray();
    expect(out).toEqual(["a", "b"]);
    expect(seen).toEqual(["a", "b"]);
  });

  it("reads Iterables, AsyncIterables and Readables", async () => {
    function* gen() {
      yield* [1, 2, 3];
    }
    async function* agen() {
      yield* [4, 5];
    }
    const env = new Env();
    expect(await env.from(gen()).toArray()).toEqual([1, 2, 3]);
    expect(await new Env().from(agen()).toArray()).toEqual([4, 5]);
    expect(await new Env().from(Readable.from([6, 7, 8])).toArray()).toEqual([6, 7, 8]);
    expect(await new Env().from(new Set([9])).toArray()).toEqual([9]);
  });

  it("fan-out: every branch sees every record, shared stages run once", async () => {
    const env = new Env({ batchSize: 4 });
    let calls = 0;
    const s = env.from([1, 2, 3, 4, 5]).map((x) => {
      calls++;
      return x + 1;
    });
    const a = arraySink<number>();
    const b = arraySink<number>();
    s.filter((x) => x % 2 === 0).to(a);
    s.map((x) => x * 100).to(b);
    await env.run();
    expect(a.records).toEqual([2, 4, 6]);
    expect(b.records).toEqual([200, 300, 400, 500, 600]);
    expect(calls).toBe(5);
  });

  it("union merges streams; a shared Calculator instance is one fan-in node", async () => {
    class Tagger extends Calculator<number, string> {
      seen = 0;
      calc(x: number) {
        this.seen++;
        return x < 0 ? undefined : x % 2 ? [`odd${x}`, `again${x}`] : `even${x}`;
      }
      override done() {
        return [`total${this.seen}`];
      }
    }
    const env = new Env();
    const t = new Tagger();
    const a = env.from([1, 2, -1]).compute(t);
    const b = env.from([3]).compute(t);
    expect(a.node).toBe(b.node);
    const out = await a.toArray();
    expect(out.sort()).toEqual(["again1", "again3", "even2", "odd1", "odd3", "total4"].sort());
    expect(() => new Env().from([1, 2]).union(new Env().from([0]))).toThrow(ConfigError);
  });

  it("union of three streams keeps each input's order", async () => {
    const env = new Env({ batchSize: 2 });
    const out = await env
      .from([1, 2, 3, 4])
      .union(env.from([10, 20, 30]), env.from([100]))
      .toArray();
    expect(out.filter((x) => x < 10)).toEqual([1, 2, 3, 4]);
    expect(out.filter((x) => x >= 10 && x < 100)).toEqual([10, 20, 30]);
    expect(out.length).toBe(8);
  });

  it("topology() and toMermaid() show nodes and the stages fused on each edge", () => {
    const env = new Env();
    const s = env.from([1], { name: "numbers" }).map((x) => x, { name: "double" });
    s.filter(() => true).to(arraySink(), { name: "out" });
    const t = env.topology();
    expect(t.nodes.map((n) => [n.name, n.kind])).toEqual([
      ["numbers", "source"],
      ["out", "sink"],
    ]);
    expect(t.edges).toEqual([{ from: t.nodes[0].id, to: t.nodes[1].id, stages: ["double", "filter"] }]);
    expect(env.toMermaid()).toContain(`${t.nodes[0].id} -- "double → filter" --> ${t.nodes[1].id}`);
  });

  it("run() reports records in/out per node and runs new pipelines on the next call", async () => {
    const env = new Env();
    env
      .from([1, 2, 3])
      .filter((x) => x > 1)
      .to(arraySink());
    const r1 = await env.run();
    expect(r1.status).toBe("finished");
    expect(r1.recordsIn).toBe(3);
    expect(r1.recordsOut).toBe(2);
    expect(r1.nodes.find((n) => n.kind === "source")).toMatchObject({ recordsIn: 3, recordsOut: 2 });
    expect(await env.run()).toBe(r1);
    const out = await env.from([7]).toArray();
    expect(out).toEqual([7]);
  });

  it("rejects consumers on a stream whose run started, and bad options, with ConfigErrors", async () => {
    const env = new Env();
    const s = env.from([1]);
    await s.toArray();
    expect(() => s.map((x) => x).to(arraySink())).toThrow(/already ran/);
    expect(() => new Env({ batchSize: 0 })).toThrow("options.batchSize must be an integer >= 1, got 0");
    expect(() => new Env({ onError: "ignore" as never })).toThrow(ConfigError);
    expect(() => env.from(42 as never)).toThrow(/must be a Source, an Iterable/);
    expect(() => new Env().from([1]).mapAsync(async (x) => x, { concurrency: 0 })).toThrow(
      "mapAsync options.concurrency must be an integer >= 1, got 0",
    );
    expect(() => new Env().from([1]).to({} as never)).toThrow(/must be a Sink/);
    await expect(new Env().run()).rejects.toThrow(/nothing to run/);
  });

  it("plugins add methods through Stream.prototype and module augmentation", async () => {
    const out = await new Env()
      .from([1, 2, 3])
      .pipe((s) => s.map((x) => x * 3))
      .toArray();
    expect(out).toEqual([3, 6, 9]);
  });

  it("env.stop() ends a run gracefully: sources stop, in-flight data drains", async () => {
    const env = new Env({ batchSize: 10 });
    let i = 0;
    const infinite = {
      *[Symbol.iterator]() {
        for (;;) yield i++;
      },
    };
    const sink = arraySink<number>();
    const p = env.from(infinite).to(sink);
    const run = env.run();
    setTimeout(() => env.stop(), 5);
    const report = await run;
    await p;
    expect(report.status).toBe("stopped");
    expect(sink.records.length).toBe(report.recordsIn);
    expect(sink.records.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
  });
});
