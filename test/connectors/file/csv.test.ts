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
    // the dead letter keeps the row's raw text
    expect((env2.deadLetters as MemoryDeadLetters).letters[0].record).toEqual("3\n");
  });

  it("error lines are right after a quoted multi-line field; the raw text of each bad row is kept", async () => {
    const path = join(dir, "multiline.csv");
    // line 1 header; 2-4 one record with a quoted field over three lines; 5 bad; 6 good;
    // 7-8 a row whose quote never closes (runs to the end of the file)
    await writeFile(path, 'a,b\n1,"multi\nline\nfield"\n2,3,4\n5,6\n7,"open\n8,9\n');
    const env = new Env({ onError: "dead-letter" });
    const out = await env.from(csvSource(path)).toArray();
    expect(out).toEqual([
      { a: "1", b: "multi\nline\nfield" },
      { a: "5", b: "6" },
    ]);
    const letters = (env.deadLetters as MemoryDeadLetters).letters;
    expect(letters.map((l) => l.record)).toEqual(["2,3,4\n", '7,"open\n8,9\n']);
    expect(letters.map((l) => (l.error as ConnectorError).line)).toEqual([5, 7]);
    expect(letters[0].error.message).toContain(`${path}:5`);
    expect(letters.map((l) => l.operatorKind)).toEqual(["source", "source"]);
  });

  it("keeps csv-parse's { record, raw } shape when the parser options ask for raw", async () => {
    const path = join(dir, "raw.csv");
    await writeFile(path, "a\n1\n");
    expect(await new Env().from(csvSource(path, { parser: { raw: true } })).toArray()).toEqual([
      { record: { a: "1" }, raw: "1\n" },
    ]);
  });

  it("a missing file fails with a ConnectorError", async () => {
    await expect(new Env().from(csvSource(join(dir, "missing.csv"))).toArray()).rejects.toThrow(
      /csv: cannot open/,
    );
  });
});
