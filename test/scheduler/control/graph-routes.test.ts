import { afterEach, describe, expect, it } from "vitest";
import type {
  GraphInstanceSummary,
  GraphInstanceView,
  GraphView,
} from "../../../src/scheduler/control/graph-views.js";
import type { RunView } from "../../../src/scheduler/control/views.js";
import {
  type ControlServer,
  Graph,
  type GraphEvent,
  Scheduler,
  VirtualClock,
} from "../../../src/scheduler/index.js";
import { call, gate, nextEvent, quiet, SseReader } from "./control-helpers.js";

const TOKEN = "graph-routes-token";
let scheduler: Scheduler;
let server: ControlServer;
let readers: SseReader[] = [];

afterEach(async () => {
  for (const r of readers) r.close();
  readers = [];
  await server?.close();
  await scheduler?.stop({ timeoutMs: 0 });
});

/** extract -> (clean, stats) -> load; `clean` fails while `failing.on`; `stats` optional. */
function etl(failing: { on: boolean }) {
  return new Graph("etl", { description: "nightly ETL", maxParallel: 2, priority: 1 })
    .node("extract", { executor: (input: { day: string }) => ({ rows: 3, day: input.day }) })
    .node(
      "clean",
      {
        executor: (up: { extract: { rows: number } }) => {
          if (failing.on) throw new Error("dirty rows");
          return { rows: up.extract.rows - 1 };
        },
      },
      { after: "extract" },
    )
    .node("stats", { executor: () => ({ mean: 1.5 }) }, { after: "extract", optional: true })
    .node(
      "load",
      { executor: (up: { clean: { rows: number } }) => ({ loaded: up.clean.rows }) },
      {
        after: ["clean", "stats"],
        when: (up) => up.clean !== undefined,
      },
    );
}

async function start(graph: Graph, clock?: VirtualClock) {
  scheduler = new Scheduler({ ...(clock === undefined ? {} : { clock }), ...quiet });
  const h = scheduler.spawnGraph(graph);
  await scheduler.start();
  server = await scheduler.serve({ port: 0, token: TOKEN, ...quiet });
  return { h, url: server.url };
}

describe("graph routes", () => {
  it("GET /graphs: nodes in order with upstreams, flags, triggers and next fire time, instance counts", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const g = etl({ on: false });
    const { h, url } = await start(g, clock);
    h.every(3_600_000);
    const [view] = (await call(`${url}/graphs`)).body as GraphView[];
    expect(view).toEqual({
      id: "etl",
      description: "nightly ETL",
      priority: 1,
      maxParallel: 2,
      paused: false,
      stopped: false,
      triggers: ["every 3600000 ms"],
      nextFireAt: Date.UTC(2026, 0, 1, 1),
      nodes: [
        { name: "extract", after: [], optional: false, conditional: false, description: "" },
        { name: "clean", after: ["extract"], optional: false, conditional: false, description: "" },
        { name: "stats", after: ["extract"], optional: true, conditional: false, description: "" },
        { name: "load", after: ["clean", "stats"], optional: false, conditional: true, description: "" },
      ],
      instances: { waiting: 0, running: 0, succeeded: 0, failed: 0, stopped: 0 },
    });
    expect((await call(`${url}/graphs/etl`)).body).toEqual(view);
    expect((await call(`${url}/graphs/nope`)).status).toBe(404);
  });

  it("run an instance, read its node states and outputs; rerun the failed nodes from the route", async () => {
    const failing = { on: true };
    const { h, url } = await start(etl(failing));
    const posted = await call(`${url}/graphs/etl/run`, {
      method: "POST",
      token: TOKEN,
      json: { input: { day: "d1" } },
    });
    expect(posted.status).toBe(201);
    const id = (posted.body as { instanceId: string }).instanceId;
    await h.whenDone(id);
    let inst = (await call(`${url}/graph-instances/${encodeURIComponent(id)}`)).body as GraphInstanceView;
    expect(inst).toMatchObject({ id, graphId: "etl", status: "failed", input: { day: "d1" }, reruns: 0 });
    expect(inst.order).toEqual(["extract", "clean", "stats", "load"]);
    expect(inst.edges).toEqual([
      ["extract", "clean"],
      ["extract", "stats"],
      ["clean", "load"],
      ["stats", "load"],
    ]);
    expect(inst.nodes.extract).toMatchObject({ status: "succeeded", output: { rows: 3, day: "d1" } });
    expect(inst.nodes.clean).toMatchObject({ status: "failed", error: { message: "dirty rows" } });
    expect(inst.nodes.stats).toMatchObject({ status: "succeeded", output: { mean: 1.5 } });
    expect(inst.nodes.load).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(inst.mermaid).toMatch(/^flowchart/);

    const list = (await call(`${url}/graphs/etl/instances?status=failed&limit=5`))
      .body as GraphInstanceSummary[];
    expect(list).toEqual([
      {
        id,
        graphId: "etl",
        status: "failed",
        firedAt: inst.firedAt,
        createdAt: inst.createdAt,
        endedAt: inst.endedAt,
        reruns: 0,
        nodes: { extract: "succeeded", clean: "failed", stats: "succeeded", load: "skipped" },
      },
    ]);
    expect((await call(`${url}/graphs/etl`)).body).toMatchObject({ instances: { failed: 1 } });

    failing.on = false;
    const rerun = await call(`${url}/graph-instances/${encodeURIComponent(id)}/rerun`, {
      method: "POST",
      token: TOKEN,
      json: { kind: "failed" },
    });
    expect(rerun.status).toBe(202);
    expect(rerun.body).toEqual({ instanceId: id, kind: "failed", nodes: ["clean", "load"] });
    await h.whenDone(id);
    inst = (await call(`${url}/graph-instances/${encodeURIComponent(id)}`)).body as GraphInstanceView;
    expect(inst.status).toBe("succeeded");
    expect(inst.reruns).toBe(1);
    expect(inst.nodes.extract.runs).toBe(1); // reused, not run again
    expect(inst.nodes.clean).toMatchObject({ status: "succeeded", runs: 2, output: { rows: 2 } });
    expect(inst.nodes.load).toMatchObject({ status: "succeeded", output: { loaded: 2 } });

    // one node, then a node and its downstream
    const one = await call(`${url}/graph-instances/${encodeURIComponent(id)}/rerun`, {
      method: "POST",
      token: TOKEN,
      json: { kind: "node", node: "stats" },
    });
    expect((one.body as { nodes: string[] }).nodes).toEqual(["stats"]);
    await h.whenDone(id);
    const down = await call(`${url}/graph-instances/${encodeURIComponent(id)}/rerun`, {
      method: "POST",
      token: TOKEN,
      json: { kind: "downstream", node: "clean" },
    });
    expect((down.body as { nodes: string[] }).nodes).toEqual(["clean", "load"]);
    await h.whenDone(id);
    inst = (await call(`${url}/graph-instances/${encodeURIComponent(id)}`)).body as GraphInstanceView;
    expect([
      inst.nodes.extract.runs,
      inst.nodes.clean.runs,
      inst.nodes.stats.runs,
      inst.nodes.load.runs,
      // load: skipped at first (never ran), then run by the two reruns
    ]).toEqual([1, 3, 2, 2]);
  });

  it("malformed reruns and acts: 400 naming the field, 404, 409, 401 — never a 500", async () => {
    const hold = gate();
    const g = new Graph("slow").node("wait", { executor: () => hold.p }).node(
      "after",
      { executor() {} },
      {
        after: "wait",
      },
    );
    const { h, url } = await start(g);
    const id = h.sched();
    const path = `${url}/graph-instances/${encodeURIComponent(id)}`;
    const cases: { json?: unknown; token?: string; status: number; re: RegExp }[] = [
      { json: { kind: "failed" }, status: 401, re: /token/ },
      { json: {}, token: TOKEN, status: 400, re: /body\.kind: required/ },
      { json: { kind: "everything" }, token: TOKEN, status: 400, re: /body\.kind must be equal to one of/ },
      { json: { kind: "node" }, token: TOKEN, status: 400, re: /body\.node: required for a "node" rerun/ },
      { json: { kind: "failed", nodes: ["x"] }, token: TOKEN, status: 400, re: /body\.nodes: unknown field/ },
      { json: { kind: "failed" }, token: TOKEN, status: 409, re: /not finished|unfinished|running/ },
    ];
    for (const c of cases) {
      const r = await call(`${path}/rerun`, {
        method: "POST",
        json: c.json,
        ...(c.token ? { token: c.token } : {}),
      });
      expect(r.status, JSON.stringify(c.json)).toBe(c.status);
      expect((r.body as { message: string }).message, JSON.stringify(c.json)).toMatch(c.re);
    }
    expect((await call(`${url}/graph-instances/nope`)).status).toBe(404);
    expect(
      (
        await call(`${url}/graph-instances/nope/rerun`, {
          method: "POST",
          token: TOKEN,
          json: { kind: "failed" },
        })
      ).status,
    ).toBe(404);
    expect((await call(`${url}/graphs/slow/instances?status=done`)).status).toBe(400);

    // an active graph node run shows in GET /runs with its graph, instance and node
    const runs = (await call(`${url}/runs`)).body as RunView[];
    expect(runs.find((r) => r.taskId === "slow/wait")).toMatchObject({
      status: "running",
      graph: { graphId: "slow", instanceId: id, node: "wait" },
    });

    // stop the instance; a finished one cannot be stopped again
    const stopped = nextEvent<GraphEvent>(
      scheduler,
      (e) => e.type === "graph" && e.instanceId === id && e.node === undefined && e.status === "stopped",
    );
    expect(
      (await call(`${path}/stop`, { method: "POST", token: TOKEN, json: { reason: "maintenance" } })).status,
    ).toBe(202);
    expect((await stopped).msg).toMatch(/maintenance/);
    hold.open();
    await h.whenDone(id);
    const again = await call(`${path}/stop`, { method: "POST", token: TOKEN });
    expect(again.status).toBe(409);
    expect(((await call(path)).body as GraphInstanceView).nodes.after.status).not.toBe("succeeded");
    // a node that does not exist
    const bad = await call(`${path}/rerun`, {
      method: "POST",
      token: TOKEN,
      json: { kind: "node", node: "wiat" },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toMatch(/has no node "wiat" \(did you mean "wait"\?\)/);
  });

  it("pause, resume and stop a graph; graph events stream over SSE", async () => {
    const { h, url } = await start(etl({ on: false }));
    const sse = new SseReader();
    readers.push(sse);
    await sse.open(`${url}/events?types=graph`);
    expect(
      ((await call(`${url}/graphs/etl/pause`, { method: "POST", token: TOKEN })).body as GraphView).paused,
    ).toBe(true);
    expect(h.paused).toBe(true);
    expect(
      ((await call(`${url}/graphs/etl/resume`, { method: "POST", token: TOKEN })).body as GraphView).paused,
    ).toBe(false);
    const id = h.sched({ day: "d2" });
    await sse.waitFor(
      (e) => e.data.instanceId === id && e.data.node === null && e.data.status === "succeeded",
    );
    const mine = sse.events.filter((e) => e.data.instanceId === id).map((e) => e.data);
    expect(mine[0]).toMatchObject({ type: "graph", id: "etl", graphId: "etl", instanceId: id });
    expect(mine.filter((e) => e.node === "load").map((e) => e.status)).toEqual(["running", "succeeded"]);
    expect(Object.keys(mine.at(-1)!).sort()).toEqual(
      ["graphId", "id", "instanceId", "msg", "node", "occurAt", "status", "type"].sort(),
    );
    const stop = await call(`${url}/graphs/etl/stop`, { method: "POST", token: TOKEN, json: {} });
    expect(stop.status).toBe(202);
    expect((stop.body as GraphView).stopped).toBe(true);
    const refused = await call(`${url}/graphs/etl/run`, { method: "POST", token: TOKEN, json: {} });
    expect(refused.status).toBe(409);
    expect((refused.body as { message: string }).message).toMatch(/stopped/);
  });
});
