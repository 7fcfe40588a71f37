import { describe, expect, it, vi } from "vitest";
import { Env, Sink, StdoutSink } from "../../../src/index.js";

describe("memory sources and the stdout sink", () => {
  it("a slow async source delivers a partial batch within lingerMs", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* slow() {
      yield 1;
      yield 2;
      await gate;
      yield 3;
    }
    const batches: number[][] = [];
    let sawPartial!: () => void;
    const partial = new Promise<void>((r) => {
      sawPartial = r;
    });
    const env = new Env({ batchSize: 100, lingerMs: 5 });
    env.from(slow()).to(
      new (class extends Sink<number> {
        produce(e: number[]) {
          batches.push([...e]);
          if (e.includes(2)) sawPartial();
        }
      })(),
    );
    const run = env.run();
    await partial;
    expect(batches).toEqual([[1, 2]]);
    release();
    await run;
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it("stdout sink writes one line per record", async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await new Env().from([{ a: 1 }, { a: 2 }]).to(new StdoutSink());
      await new Env().from([3]).to(new StdoutSink({ format: (x: number) => `n=${x}` }));
    } finally {
      spy.mockRestore();
    }
    expect(writes.join("")).toBe('{"a":1}\n{"a":2}\nn=3\n');
  });
});
