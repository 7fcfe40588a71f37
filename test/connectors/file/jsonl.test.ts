import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ConnectorError,
  Env,
  jsonLinesSink,
  jsonLinesSource,
  type MemoryDeadLetters,
  PipelineError,
} from "../../../src/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mass-jsonl-"));
});

describe("JSON Lines connectors", () => {
  it("round-trips records through sink and source, across chunk boundaries", async () => {
    const path = join(dir, "sub", "round.jsonl");
    const records = Array.from({ length: 5000 }, (_, i) => ({
      id: i,
      text: `héllo ${"x".repeat(i % 50)}`,
      n: i / 3,
    }));
    await new Env({ batchSize: 333 }).from(records).to(jsonLinesSink(path));
    const text = await readFile(path, "utf8");
    expect(text.split("\n")).toHaveLength(5001);
    const back = await new Env().from(jsonLinesSource<(typeof records)[0]>(path)).toArray();
    expect(back).toEqual(records);
  });

  it("handles CRLF, blank lines and a last line without newline", async () => {
    const path = join(dir, "crlf.jsonl");
    await writeFile(path, '{"a":1}\r\n\r\n{"a":2}\n{"a":3}');
    expect(await new Env().from(jsonLinesSource(path)).toArray()).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it("a malformed line fails with a ConnectorError naming file and line", async () => {
    const path = join(dir, "bad.jsonl");
    await writeFile(path, '{"a":1}\n{"a":2}\n{"a":\n{"a":4}\n');
    const err = (await new Env()
      .from(jsonLinesSource(path))
      .toArray()
      .catch((e) => e)) as PipelineError;
    expect(err).toBeInstanceOf(PipelineError);
    const cause = err.cause as ConnectorError;
    expect(cause).toBeInstanceOf(ConnectorError);
    expect(cause).toMatchObject({ file: path, line: 3, connector: "jsonl" });
    expect(cause.message).toContain(`${path}:3`);
  });

  it("a malformed line goes to the dead letters under that policy, and reading goes on", async () => {
    const path = join(dir, "bad2.jsonl");
    await writeFile(path, '{"a":1}\nnot json\n{"a":3}\n');
    const env = new Env();
    const out = await env.from(jsonLinesSource(path), { onError: "dead-letter" }).toArray();
    expect(out).toEqual([{ a: 1 }, { a: 3 }]);
    const dl = env.deadLetters as MemoryDeadLetters;
    expect(dl.letters[0].record).toBe("not json");
    expect((dl.letters[0].error as ConnectorError).line).toBe(2);
  });

  it("a missing file fails with the path in the message", async () => {
    const path = join(dir, "nope.jsonl");
    await expect(new Env().from(jsonLinesSource(path)).toArray()).rejects.toThrow(
      /cannot open ".*nope.jsonl": ENOENT/,
    );
  });
});
