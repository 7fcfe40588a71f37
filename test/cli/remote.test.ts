import { type AddressInfo, createServer } from "node:net";
import { CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/cli-io.js";
import { buildProgram } from "../../src/cli/program.js";
import { silentLogger } from "../../src/index.js";
import {
  type ControlServer,
  Graph,
  type Proceed,
  Scheduler,
  type SchedulerEvent,
} from "../../src/scheduler/index.js";

const TOKEN = "cli-remote-token";
let scheduler: Scheduler;
let server: ControlServer;
const inputs: unknown[] = [];
let failNext = true;
let bFails = true;
let release!: () => void;

/** Runs `mass ...args` in this process; returns the exit code and what it wrote. */
async function mass(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const io: CliIo = {
    out: (l) => void out.push(l),
    err: (l) => void err.push(l),
    errTTY: false,
    errStream: process.stderr,
    exit: (c) => {
      throw new Error(`exit ${c}`);
    },
  };
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(["node", "mass", ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode;
  }
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A port nothing listens on (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function nextEvent(pred: (e: SchedulerEvent) => boolean): Promise<SchedulerEvent> {
  return new Promise((resolve) => {
    const fn = (e: SchedulerEvent) => {
      if (!pred(e)) return;
      scheduler.off("*", fn);
      resolve(e);
    };
    scheduler.on("*", fn);
  });
}

beforeAll(async () => {
  scheduler = new Scheduler({ logger: silentLogger });
  scheduler.spawnTask({ name: "nightly", executor() {} }, { id: "nightly" }).every(86_400_000);
  scheduler.spawnTask(
    {
      name: "ingest",
      executor(input: unknown) {
        inputs.push(input);
        if (failNext) {
          failNext = false;
          throw new Error("source offline");
        }
      },
    },
    { id: "ingest" },
  );
  scheduler.spawnTask(
    {
      name: "long",
      async executor(_i: unknown, proceed: Proceed) {
        await proceed({ now: 1, total: 4 });
        await new Promise<void>((r) => {
          release = r;
        });
        await proceed({ now: 2, total: 4 });
      },
    },
    { id: "long" },
  );
  scheduler.spawnGraph(
    new Graph("etl")
      .node("a", { executor: () => 1 })
      .node(
        "b",
        {
          executor: () => {
            if (bFails) throw new Error("b broke");
            return 2;
          },
        },
        { after: "a" },
      )
      .node("c", { executor: () => 3 }, { after: "b" }),
  );
  await scheduler.start();
  server = await scheduler.serve({ port: 0, token: TOKEN, logger: silentLogger });
});

afterAll(async () => {
  release?.();
  await server?.close();
  await scheduler?.stop();
});

describe("mass commands against a control plane", () => {
  it("status lists tasks with next fire times and runs with progress", async () => {
    const running = nextEvent((e) => e.type === "progress" && e.id === "long");
    scheduler.task("long")!.sched();
    await running;
    const r = await mass("status", "--url", server.url);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^scheduler STARTED at ${server.url}: 4 slots, regular$`, "m"));
    expect(r.out).toMatch(/^nightly\s+task\s+init\s+every 86400000 ms\s+in (23 h|1440 min|1439 min)/m);
    expect(r.out).toMatch(/^long:\S+\s+long\s+running\s+25%\s+/m);
    const json = JSON.parse((await mass("status", "--json", "--url", server.url)).out);
    expect(json.tasks.map((t: { id: string }) => t.id)).toEqual(["nightly", "ingest", "long"]);
    expect(json.runs[0]).toMatchObject({
      taskId: "long",
      status: "running",
      now: 1,
      total: 4,
      progress: 0.25,
    });
  });

  it("actions without the token fail with 401 and a hint; with --token or MASS_TOKEN they act", async () => {
    const denied = await mass("pause", "nightly", "--url", server.url);
    expect(denied.code).toBe(1);
    expect(denied.err).toBe(
      `mass: POST /tasks/nightly/pause: 401 this route needs Authorization: Bearer <token> (the serve() token) (pass --token or MASS_TOKEN)`,
    );
    expect(scheduler.task("nightly")!.paused).toBe(false);
    const wrong = await mass("pause", "nightly", "--url", server.url, "--token", "wrong-token");
    expect(wrong.err).toMatch(/401 wrong token/);

    const paused = await mass("pause", "nightly", "--url", server.url, "--token", TOKEN);
    expect(paused).toEqual({ code: 0, out: "task nightly: paused", err: "" });
    expect(scheduler.task("nightly")!.paused).toBe(true);
    process.env.MASS_URL = server.url;
    process.env.MASS_TOKEN = TOKEN;
    try {
      expect((await mass("resume", "nightly")).out).toBe("task nightly: running");
      expect(scheduler.task("nightly")!.paused).toBe(false);
    } finally {
      delete process.env.MASS_URL;
      delete process.env.MASS_TOKEN;
    }
  });

  it("rerun queues a run with an input; replay runs a dead letter again", async () => {
    const failed = nextEvent((e) => e.type === "lifecycle" && e.id === "ingest" && e.status === "failed");
    const rerun = await mass(
      "rerun",
      "ingest",
      "--input",
      '{"day":"2026-01-01"}',
      "--url",
      server.url,
      "--token",
      TOKEN,
    );
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/^ingest:\S+$/);
    await failed; // emitted once the dead letter is stored
    const [dl] = scheduler.deadLetters.list();
    expect(dl.runId).toBe(rerun.out);
    const finished = nextEvent((e) => e.type === "lifecycle" && e.id === "ingest" && e.status === "finished");
    const replay = await mass("replay", dl.id, "--url", server.url, "--token", TOKEN);
    expect(replay.code).toBe(0);
    const done = await finished;
    expect(done.type === "lifecycle" && done.runId).toBe(replay.out);
    expect(inputs).toEqual([{ day: "2026-01-01" }, { day: "2026-01-01" }]);
    const bad = await mass("rerun", "ingest", "--input", "{nope", "--url", server.url, "--token", TOKEN);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^--input must be JSON/);
  });

  it("stop and cancel; unknown tasks and an absent server are one-line errors", async () => {
    const stopped = nextEvent((e) => e.type === "lifecycle" && e.id === "long" && e.status === "stopped");
    const r = await mass("stop", "long", "--reason", "deploy", "--url", server.url, "--token", TOKEN);
    expect(r.out).toMatch(/^task long: stopping/);
    release();
    expect((await stopped).type === "lifecycle" && (await stopped)).toMatchObject({
      msg: expect.stringMatching(/deploy/),
    });
    expect((await mass("cancel", "nightly", "--url", server.url, "--token", TOKEN)).out).toBe(
      "task nightly: 0 queued run(s) cancelled",
    );
    const unknown = await mass("pause", "ghost", "--url", server.url, "--token", TOKEN);
    expect(unknown).toEqual({
      code: 1,
      out: "",
      err: 'mass: POST /tasks/ghost/pause: 404 no task "ghost"; GET /tasks lists them',
    });
    const port = await freePort();
    const absent = await mass("status", "--url", `http://127.0.0.1:${port}`);
    expect(absent.code).toBe(1);
    expect(absent.err).toBe(
      `mass: no control plane at http://127.0.0.1:${port} (ECONNREFUSED): start one with scheduler.serve(), or pass --url / MASS_URL`,
    );
  });

  it("graphs: a new instance, status with node states, reruns (failed, node and downstream), pause and stop", async () => {
    const auth = ["--url", server.url, "--token", TOKEN];
    const etl = scheduler.graph("etl")!;
    const made = await mass("rerun", "etl", "--graph", "--input", '{"day":1}', ...auth);
    expect(made.err).toBe("");
    expect(made.code).toBe(0);
    const id = made.out;
    expect((await etl.whenDone(id)).status).toBe("failed");
    const status = await mass("status", "--url", server.url);
    expect(status.out).toMatch(/^etl\s+active\s+—\s+—\s+1 failed$/m);
    expect(status.out).toContain(`  ${id} failed: a succeeded, b failed, c skipped`);

    bFails = false;
    const failed = await mass("rerun", id, "--failed", ...auth);
    expect(failed).toEqual({ code: 0, out: "b c", err: "" });
    expect((await etl.whenDone(id)).status).toBe("succeeded");
    const down = await mass("rerun", id, "--node", "a", "--downstream", ...auth);
    expect(down.out).toBe("a b c");
    await etl.whenDone(id);
    const one = await mass("rerun", id, "--node", "c", ...auth);
    expect(one.out).toBe("c");
    const done = await etl.whenDone(id);
    expect([done.nodes.a.runs, done.nodes.b.runs, done.nodes.c.runs, done.reruns]).toEqual([2, 3, 3, 3]);

    const both = await mass("rerun", id, "--failed", "--node", "a", ...auth);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/either --failed or --node/);
    const unknown = await mass("rerun", id, "--node", "zz", ...auth);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/400 .*has no node "zz"/);

    expect((await mass("pause", "etl", "--graph", ...auth)).out).toBe("graph etl: paused");
    expect(etl.paused).toBe(true);
    expect((await mass("resume", "etl", "--graph", ...auth)).out).toBe("graph etl: running");
    expect((await mass("stop", "etl", "--graph", ...auth)).out).toMatch(/^graph etl: stopping/);
    expect(etl.stopped).toBe(true);
  });
});
