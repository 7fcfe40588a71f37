import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CommanderError } from "commander";
import { describe, expect, it, vi } from "vitest";
import type { CliIo } from "../../src/cli/cli-io.js";
import { buildProgram } from "../../src/cli/program.js";

// each test spawns Node with tsx: slow on a loaded machine
vi.setConfig({ testTimeout: 120_000 });

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

/** Runs `mass ...args` from source (node --import tsx src/cli/main.ts). */
function mass(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { env: { ...process.env, MASS_LOG_LEVEL: "silent", ...env }, maxBuffer: 1 << 24 },
      (err, out, errOut) => resolve({ code: err === null ? 0 : Number(err.code ?? 1), out, err: errOut }),
    );
  });
}

/** `mass ...args` in this process (commander's output captured). */
async function massInProcess(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  let code = 0;
  const io: CliIo = {
    out: (l) => void out.push(l),
    err: (l) => void out.push(l),
    errTTY: false,
    errStream: process.stderr,
    exit: (c) => {
      throw new Error(`exit ${c}`);
    },
  };
  try {
    await buildProgram(io, (c) => {
      code = c;
    }).parseAsync(["node", "mass", ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode;
  }
  return { code, out: out.join("\n") };
}

describe("mass --help", () => {
  it("the bin answers --help", async () => {
    const top = await mass(["--help"]);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/^Usage: mass \[options\] \[command\]/m);
  });

  it("every command has help", async () => {
    const top = await massInProcess(["--help"]);
    expect(top.code).toBe(0);
    const commands = [
      "run",
      "topology",
      "bench",
      "status",
      "pause",
      "resume",
      "cancel",
      "stop",
      "rerun",
      "replay",
    ];
    for (const c of commands) expect(top.out).toMatch(new RegExp(`^  ${c} `, "m"));
    for (const c of commands) {
      const h = await massInProcess([c, "--help"]);
      expect(h.code, c).toBe(0);
      expect(h.out, c).toMatch(new RegExp(`^Usage: mass ${c} `, "m"));
      if (["run", "topology", "bench"].includes(c))
        expect(h.out, c).toMatch(/export.* default a function \(env, \{ args, records \}\)/s);
      else expect(h.out, c).toMatch(/MASS_URL/);
    }
  });

  it("usage errors exit 1 with the reason and no stack", async () => {
    const r = await mass(["topology", fixture("evens.job.ts"), "--format", "dot"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/argument 'dot' is invalid\. Allowed choices are text, mermaid, json/);
    const unknown = await mass(["frobnicate"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown command 'frobnicate'/);
    expect(unknown.err).not.toMatch(/\n\s+at /);
  });
});

describe("mass run", () => {
  it("runs a job file with its arguments and prints the report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mass-cli-"));
    const out = join(dir, "evens.jsonl");
    const r = await mass(["run", fixture("evens.job.ts"), "--", "1000", out]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^env evens: finished in /);
    expect(r.out).toMatch(/records in 1000, out 500 /);
    expect(r.out).toMatch(/^source:array\s+source\s+finished\s+1000\s+500\s/m);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(500);
    expect(JSON.parse(lines[1])).toEqual({ x: 4 });
  });

  it("--json prints the RunReport", async () => {
    const r = await mass(["run", "--json", fixture("evens.job.ts"), "--", "300"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ env: "evens", status: "finished", recordsIn: 300, recordsOut: 150 });
    expect(report.nodes.map((n: { kind: string }) => n.kind)).toEqual(["source", "sink"]);
  });

  it("a failing job exits 1, the report says which node failed on which record", async () => {
    const r = await mass(["run", fixture("failing.job.ts")]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^env failing: failed/);
    expect(r.err).toMatch(
      /^error: node "source:array", operator "map" failed on record 7: seven is not allowed/m,
    );
  });

  it("a file without a job, or no file, is explained", async () => {
    const none = await mass(["run", fixture("no-job.ts")]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no job: export default a function \(env, \{ args, records \}\)/);
    const missing = await mass(["run", "no/such/job.ts"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/job file .*no\/such\/job\.ts not found/);
  });

  it("SIGINT stops the job gracefully: the report says stopped, exit 0", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", CLI, "run", "--no-progress", fixture("endless.job.ts")],
      {
        env: { ...process.env, MASS_LOG_LEVEL: "silent" },
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    const ready = new Promise<void>((resolve) =>
      child.stderr.on("data", (d) => {
        err += d;
        if (err.includes("ready")) resolve();
      }),
    );
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    await ready;
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toMatch(/^env endless: stopped in /);
    expect(err).toMatch(/stopping: sources stop, records in flight drain/);
  });
});

describe("mass topology", () => {
  it("prints the graph as text, Mermaid or JSON without running it", async () => {
    const text = await mass(["topology", fixture("evens.job.ts")]);
    expect(text.code).toBe(0);
    expect(text.out.trim()).toBe(
      [
        "id  node          kind",
        "n1  source:array  source",
        "n2  sink:Count    sink",
        "",
        "source:array --[filter → map]--> sink:Count",
      ].join("\n"),
    );
    const mermaid = await mass(["topology", "-f", "mermaid", fixture("evens.job.ts")]);
    expect(mermaid.out.trim()).toBe(
      [
        "flowchart LR",
        '  n1(["source:array"])',
        '  n2[/"sink:Count"/]',
        '  n1 -- "filter → map" --> n2',
      ].join("\n"),
    );
    const json = await mass(["topology", "--format", "json", fixture("evens.job.ts")]);
    expect(JSON.parse(json.out)).toEqual({
      nodes: [
        // stateId: the node's id in checkpoints (docs/checkpoints.md)
        {
          id: "n1",
          name: "source:array",
          kind: "source",
          operators: ["n1", "n1.s1", "n1.s2"],
          stateId: "source@n1",
        },
        { id: "n2", name: "sink:Count", kind: "sink", operators: ["n2"], stateId: "sink@n2" },
      ],
      edges: [{ from: "n1", to: "n2", stages: ["filter", "map"] }],
      // every operator as a vertex (the stream graph), with the physical node it is chained into
      operators: [
        { id: "n1", name: "array", kind: "source", node: "n1" },
        { id: "n1.s1", name: "filter", kind: "filter", node: "n1" },
        { id: "n1.s2", name: "map", kind: "map", node: "n1" },
        { id: "n2", name: "Count", kind: "sink", node: "n2" },
      ],
      operatorEdges: [
        { from: "n1", to: "n1.s1" },
        { from: "n1.s1", to: "n1.s2" },
        { from: "n1.s2", to: "n2" },
      ],
    });
  });
});

describe("mass bench", () => {
  it("measures the job in fresh processes with the bench kit and checks its record count", async () => {
    const r = await mass(["bench", fixture("evens.job.ts"), "--records", "20000", "--runs", "2", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result).toMatchObject({ name: "evens", records: 20000, checksum: "evens:10000" });
    expect(result.runs).toHaveLength(2);
    expect(result.recordsPerSecond).toBeGreaterThan(0);
    expect(result.peakRssMB).toBeGreaterThan(0);
    const text = await mass(["bench", fixture("evens.job.ts"), "-n", "5000", "-r", "1"]);
    expect(text.out).toMatch(/^evens: 5,000 records, 1 run\(s\) in fresh processes, checksum evens:2500$/m);
    expect(text.out).toMatch(/^median\s+[\d,]+\s+\d/m);
  });

  it("a job that ignores --records is refused with the count it read", async () => {
    const r = await mass(["bench", fixture("fixed.job.ts"), "--records", "10", "--runs", "1"]);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(
      'mass: benchmark "fixed" run 1 failed: Error: the job read 5 records but --records is 10: size the job by its context.records, or pass --records 5',
    );
  });
});
