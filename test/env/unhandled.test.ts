import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { arraySink, Env, tumbling } from "../../src/index.js";
import { TestHarness } from "../../src/testing/index.js";

describe("no unhandled rejections, runs start after building", () => {
  it("a process that handles env.run()'s rejection exits 0 with unawaited Pipelines, toArray() and lateRecords() results", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "test/env/fixtures/unhandled.ts"], {
      encoding: "utf8",
      env: { ...process.env, NODE_ENV: "test" },
    });
    expect(r.stderr).not.toMatch(/Unhandled|unhandled/);
    expect(r.stdout).toMatch(/run rejected: .*bad record/);
    expect(r.stdout).toMatch(/exit clean/);
    expect(r.status).toBe(0);
  });

  it("then() on a Pipeline does not start the run synchronously: a second sink added right after joins the run", async () => {
    const env = new Env();
    const src = env.from([1, 2, 3]);
    const a = arraySink<number>();
    const b = arraySink<number>();
    const done = src.to(a).then((report) => report.recordsOut);
    src.map((x) => x * 10).to(b);
    expect(await done).toBe(3);
    const report = await env.run();
    expect(a.records).toEqual([1, 2, 3]);
    expect(b.records).toEqual([10, 20, 30]);
    expect(report.nodes.filter((n) => n.kind === "sink")).toHaveLength(2);
  });

  it("toArray() called twice in the same synchronous code runs both in one run", async () => {
    const env = new Env();
    const src = env.from([1, 2]);
    const [x, y] = await Promise.all([src.toArray(), src.map((v) => -v).toArray()]);
    expect(x).toEqual([1, 2]);
    expect(y).toEqual([-1, -2]);
  });

  it("TestHarness takes several outputs, declared across awaits before the job starts", async () => {
    const h = new TestHarness();
    const input = h.input<number>("in");
    h.output("all", input);
    await Promise.resolve();
    h.output(
      "doubled",
      input.map((x) => x * 2),
    );
    await h.push("in", 1, 10);
    await h.push("in", 2, 20);
    expect(h.received("all")).toEqual([1, 2]);
    expect(h.received("doubled")).toEqual([2, 4]);
    const report = await h.finish();
    expect(report.status).toBe("finished");
    expect(() => h.output("late", input)).toThrow(/after the job started/);
  });

  it("a node that got no input (lateRecords() of a window never aggregated) ends at once with an empty stream", async () => {
    const env = new Env();
    const windowed = env
      .from([1, 2])
      .withTimestamps((x) => x)
      .window(tumbling(10));
    const late = windowed.lateRecords().toArray();
    const all = env.from([5]).toArray();
    expect(await late).toEqual([]);
    expect(await all).toEqual([5]);
  });
});
