import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileStore, type GraphEvent, Scheduler } from "../../../src/scheduler/index.js";
import { etlGraph } from "../fixtures/graph-crash-graph.js";

describe("a scheduler restarted from a file store in the middle of a graph instance", () => {
  it("continues the instance after SIGKILL; succeeded nodes are not run again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mass-graph-crash-"));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/scheduler/fixtures/graph-crash-child.ts", dir],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const id = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /ready (\S+)\n/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));

    const raw = JSON.parse(await readFile(join(dir, "mass-scheduler.json"), "utf8"));
    expect(raw.graphs[id]).toMatchObject({ status: "running", nodes: { extract: { status: "succeeded" } } });

    const ran: string[] = [];
    const s = new Scheduler({ store: fileStore(dir) });
    const events: GraphEvent[] = [];
    s.on("graph", (e) => events.push(e));
    const h = s.spawnGraph(etlGraph({ ran, block: false }));
    await s.start();
    const done = await h.whenDone(id);
    expect(done.status).toBe("succeeded");
    expect(ran).toEqual(["transform", "load"]); // extract is not run again
    expect(done.nodes.extract).toMatchObject({
      status: "succeeded",
      runs: 1,
      output: { rows: 3, day: "2026-03-28" },
    });
    expect(done.nodes.transform.runs).toBe(2); // once in the killed process, once after the restart
    expect(done.nodes.load.output).toEqual({
      transform: { transformed: { extract: { rows: 3, day: "2026-03-28" } } },
    });
    expect(events.filter((e) => e.node === "extract")).toEqual([]);
    await s.stop();
    const after = JSON.parse(await readFile(join(dir, "mass-scheduler.json"), "utf8"));
    expect(after.graphs[id].status).toBe("succeeded");
  }, 60_000);
});
