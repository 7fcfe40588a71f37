import { describe, expect, it } from "vitest";
import { arraySink, Calculator, Env, PipelineError, RunError, Sink, Source } from "../../src/index.js";

class Recorder extends Sink<number> {
  got: number[] = [];
  hooks: string[] = [];
  override open() {
    this.hooks.push("open");
  }
  produce(e: number[]) {
    this.got.push(...e);
  }
  override done() {
    this.hooks.push("done");
  }
  override fatal() {
    this.hooks.push("fatal");
  }
  override cleanup(err?: Error) {
    this.hooks.push(err ? `cleanup:${err.constructor.name}` : "cleanup");
  }
}

describe("failure isolation in a mesh", () => {
  it("a failing node ends only the pipelines through it", async () => {
    const env = new Env({ batchSize: 2 });
    const shared = env.from([1, 2, 3, 4, 5, 6]);
    const ok = new Recorder();
    const broken = new Recorder();
    const independent = new Recorder();
    shared.to(ok);
    class Explode extends Calculator<number, number> {
      calc(x: number) {
        if (x === 3) throw new Error("explode");
        return x;
      }
    }
    shared.compute(new Explode()).to(broken);
    env.from([10, 20]).to(independent);
    const err = (await env.run().catch((e) => e)) as RunError;
    expect(err).toBeInstanceOf(RunError);
    expect(err.errors).toHaveLength(1);
    const pe = err.errors[0];
    expect(pe).toBeInstanceOf(PipelineError);
    expect(pe).toMatchObject({ node: "compute:Explode", operator: "Explode", record: 3 });
    expect(ok.got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(independent.got).toEqual([10, 20]);
    expect(broken.got).toEqual([1, 2]);
    expect(ok.hooks).toEqual(["open", "done", "cleanup"]);
    expect(broken.hooks).toEqual(["open", "cleanup:PipelineError"]);
    const byName = Object.fromEntries(err.report.nodes.map((n) => [n.name, n.status]));
    expect(byName).toMatchObject({ "compute:Explode": "failed", "sink:Recorder#2": "cancelled" });
  });

  it("a failing sink cancels a source that feeds nothing else; cleanup runs once everywhere", async () => {
    let cleanups = 0;
    let fatal = 0;
    class Endless extends Source<number> {
      i = 0;
      consume(n: number) {
        return Array.from({ length: n }, () => this.i++);
      }
      override cleanup() {
        cleanups++;
      }
    }
    class Breaks extends Sink<number> {
      produce(e: number[]) {
        if (e[0] >= 30) throw new Error("full");
      }
      override fatal() {
        fatal++;
      }
      override cleanup() {
        cleanups++;
      }
    }
    const env = new Env({ batchSize: 10 });
    env.from(new Endless()).to(new Breaks());
    await expect(env.run()).rejects.toThrow(/full/);
    expect(cleanups).toBe(2);
    expect(fatal).toBe(1);
  });

  it("a source that throws fails its pipelines with the source named", async () => {
    class Broken extends Source<number> {
      consume(): number[] {
        throw new Error("connection refused");
      }
    }
    const env = new Env();
    const p = env.from(new Broken()).to(arraySink());
    const err = (await p.then(
      () => null,
      (e) => e,
    )) as PipelineError;
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.message).toMatch(/source:Broken.*connection refused/);
  });

  it("an operator whose open() throws fails its node", async () => {
    const sink = new (class OpenFails extends Sink<number> {
      override open() {
        throw new Error("cannot connect");
      }
      produce() {}
    })();
    await expect(new Env().from([1]).to(sink)).rejects.toThrow(/cannot connect/);
  });

  it("lifecycle: open, done, cleanup once each on success, in that order", async () => {
    const r = new Recorder();
    await new Env().from([1, 2]).to(r);
    expect(r.hooks).toEqual(["open", "done", "cleanup"]);
  });
});
