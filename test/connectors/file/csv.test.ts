import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ConnectorError,
  csvSink,
  csvSource,
  Env,
  type MemoryDeadLetters,
  PipelineError,
} from "../../../src/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mass-csv-"));
});

describe("CSV connectors", () => {
  it("round-trips records with quoting", async () => {
    const path = join(dir, "round.csv");
    const records = Array.from({ length: 3000 }, (_, i) => ({
      id: String(i),
      name: i % 7 ? `n${i}` : `a, "quoted"\nline`,
    }));
    await new Env({ batchSize: 100 }).from(records).to(csvSink(path));
    const text = await readFile(path, "utf8");
    expect(text.startsWith("id,name\n")).toBe(true);
    expect(await new Env().from(csvSource(path)).toArray()).toEqual(records);
  });

  it("casts numbers when asked", async () => {
    const path = join(dir, "cast.csv");
    await writeFile(path, "a,b\n1,x\n2.5,y\n");
    expect(await new Env().from(csvSource(path, { cast: true })).toArray()).toEqual([
      { a: 1, b: "x" },
      { a: 2.5, b: "y" },
    ]);
  });

  it("a row with the wrong column count fails naming file and line", async () => {
    const path = join(dir, "bad.csv");
    await writeFile(path, "a,b\n1,2\n3\n4,5\n");
    const err = (await new Env()
      .from(csvSource(path))
      .toArray()
      .catch((e) => e)) as PipelineError;
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.cause).toBeInstanceOf(ConnectorError);
    expect(err.cause).toMatchObject({ file: path, line: 3 });
  });

  it("skips a bad row under 'skip' and reads the rest", async () => {
    const path = join(dir, "bad2.csv");
    await writeFile(path, "a,b\n1,2\n3\n4,5\n");
    const env = new Env();
    env
      .from(csvSource(path), { onError: "skip" })
      .to(new (await import("../../../src/index.js")).ArraySink());
    const report = await env.run();
    expect(report.nodes[0]).toMatchObject({ recordsIn: 2, skipped: 1 });
    const env2 = new Env({ onError: "dead-letter" });
    expect(await env2.from(csvSource(path)).toArray()).toEqual([
      { a: "1", b: "2" },
      { a: "4", b: "5" },
    ]);
    expect((env2.deadLetters as MemoryDeadLetters).letters[0].record).toEqual(["3"]);
  });

  it("a missing file fails with a ConnectorError", async () => {
    await expect(new Env().from(csvSource(join(dir, "missing.csv"))).toArray()).rejects.toThrow(
      /csv: cannot open/,
    );
  });
});
