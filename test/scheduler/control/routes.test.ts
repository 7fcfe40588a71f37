import { afterEach, describe, expect, it } from "vitest";
import { type Env, Sink } from "../../../src/index.js";
import type { RunView, StreamView, TaskView } from "../../../src/scheduler/control/views.js";
import {
  type ControlServer,
  type LifecycleEvent,
  type Proceed,
  type ProgressEvent,
  Scheduler,
  type SchedulerEvent,
  StreamTask,
  type TaskBus,
  VirtualClock,
} from "../../../src/scheduler/index.js";
import { call, gate, nextEvent, quiet } from "./control-helpers.js";

const TOKEN = "route-test-token-123";
const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);
let scheduler: Scheduler;
let server: ControlServer;

afterEach(async () => {
  await server?.close();
  await scheduler?.stop();
});

async function serveIt() {
  await scheduler.start();
  server = await scheduler.serve({ port: 0, token: TOKEN, ...quiet });
  return server.url;
}

const lifecycle = (runId: string, status: string) => (e: SchedulerEvent) =>
  e.type === "lifecycle" && (e as LifecycleEvent).runId === runId && (e as LifecycleEvent).status === status;

describe("read routes", () => {
  it("GET /tasks: kind, triggers and the next fire times", async () => {
    const clock = new VirtualClock(T0);
    scheduler = new Scheduler({ clock, ...quiet });
    scheduler.spawnTask({ name: "every", executor() {} }, { description: "each minute" }).every(60_000);
    scheduler.spawnTask({ name: "cron", executor() {} }).atEvery("30 9 * * *", { tz: "UTC" });
    scheduler.spawnTask({ name: "once", executor() {} }, { priority: 3 }).at(T0 + 5_000);
    scheduler.spawnTask({ name: "signal", executor() {} }).on("reindex");
    class Stream extends StreamTask {
      streamProcessExecutor(env: Env) {
        env.from([1]).toArray();
      }
    }
    scheduler.spawnTask(Stream);
    const url = await serveIt();
    const tasks = (await call(`${url}/tasks`)).body as TaskView[];
    const byId = Object.fromEntries(tasks.map((t) => [t.id, t]));
    expect(tasks.map((t) => t.id)).toEqual(["every", "cron", "once", "signal", "Stream"]);
    expect(byId.every).toMatchObject({
      kind: "task",
      description: "each minute",
      triggers: ["every 60000 ms"],
      nextFireAt: T0 + 60_000,
      status: "init",
      paused: false,
      stopped: false,
      activeRuns: 0,
    });
    expect(byId.cron).toMatchObject({
      triggers: ["cron 30 9 * * * (UTC)"],
      nextFireAt: Date.UTC(2026, 0, 1, 9, 30),
    });
    expect(byId.once).toMatchObject({ priority: 3, nextFireAt: T0 + 5_000 });
    expect(byId.signal).toMatchObject({ triggers: ["signal reindex"], nextFireAt: null });
    expect(byId.Stream.kind).toBe("stream");
    // after the one-shot fired, it has no next fire time; every() moved on
    await clock.advance(60_000);
    await scheduler.idle();
    const after = Object.fromEntries(((await call(`${url}/tasks`)).body as TaskView[]).map((t) => [t.id, t]));
    expect(after.once.nextFireAt).toBeNull();
    expect(after.once.status).toBe("finished");
    expect(after.every.nextFireAt).toBe(T0 + 120_000);
  });

  it("a run's progress: now, total, progress, startTime, usedMs, remainMs, pause durations; then its end", async () => {
    const clock = new VirtualClock(T0);
    scheduler = new Scheduler({ clock, ...quiet });
    const steps = [gate(), gate(), gate()];
    scheduler.spawnTask(
      {
        name: "load",
        async executor(_input: unknown, proceed: Proceed) {
          await proceed({ now: 0, total: 4 });
          await steps[0].p;
          await proceed({ now: 1, total: 4 });
          await steps[1].p;
          await proceed({ now: 2, total: 4 });
          await steps[2].p;
          await proceed({ now: 4, total: 4 });
        },
      },
      { id: "load" },
    );
    const url = await serveIt();
    const started = nextEvent<LifecycleEvent>(
      scheduler,
      (e) => e.type === "lifecycle" && e.status === "running",
    );
    const posted = await call(`${url}/tasks/load/run`, { method: "POST", token: TOKEN, json: {} });
    expect(posted.status).toBe(201);
    const runId = (posted.body as { runId: string }).runId;
    expect((await started).runId).toBe(runId);

    await clock.advance(1000);
    const progressed = nextEvent<ProgressEvent>(scheduler, (e) => e.type === "progress" && e.now === 1);
    steps[0].open();
    await progressed;
    let run = (await call(`${url}/runs/${encodeURIComponent(runId)}`)).body as RunView;
    expect(run).toEqual({
      taskId: "load",
      runId,
      status: "running",
      ended: false,
      waiting: null,
      attempt: 1,
      startTime: T0,
      endTime: null,
      now: 1,
      total: 4,
      progress: 0.25,
      usedMs: 1000,
      remainMs: 3000,
      pausedMs: 0,
      pausedSince: null,
      msg: null,
      graph: null,
    });

    // pause: the run stops at its next proceed(); paused time is left out of usedMs and remainMs
    expect((await call(`${url}/tasks/load/pause`, { method: "POST", token: TOKEN })).body).toMatchObject({
      paused: true,
    });
    const paused = nextEvent(scheduler, lifecycle(runId, "paused"));
    steps[1].open();
    await paused;
    await clock.advance(500);
    run = (await call(`${url}/runs/${encodeURIComponent(runId)}`)).body as RunView;
    expect(run).toMatchObject({
      status: "paused",
      now: 2,
      pausedSince: T0 + 1000,
      pausedMs: 500,
      usedMs: 1000,
      remainMs: 1000,
    });
    expect(((await call(`${url}/tasks/load`)).body as TaskView & { runs: RunView[] }).runs).toEqual([run]);

    const resumed = nextEvent(scheduler, lifecycle(runId, "running"));
    expect((await call(`${url}/tasks/load/resume`, { method: "POST", token: TOKEN })).status).toBe(200);
    await resumed;
    await clock.advance(1000);
    run = (await call(`${url}/runs/${encodeURIComponent(runId)}`)).body as RunView;
    expect(run).toMatchObject({ status: "running", pausedMs: 500, pausedSince: null, usedMs: 2000 });

    const finished = nextEvent(scheduler, lifecycle(runId, "finished"));
    steps[2].open();
    await finished;
    const runs = (await call(`${url}/runs`)).body as RunView[];
    expect(runs).toEqual([
      {
        taskId: "load",
        runId,
        status: "finished",
        ended: true,
        waiting: null,
        attempt: 1,
        startTime: T0,
        endTime: T0 + 2500,
        now: null,
        total: null,
        progress: 1,
        usedMs: 2500,
        remainMs: null,
        pausedMs: 0,
        pausedSince: null,
        msg: "finished",
        graph: null,
      },
    ]);
    expect((await call(`${url}/runs?status=running`)).body).toEqual([]);
    expect((await call(`${url}/runs?task=other`)).body).toEqual([]);
  });

  it("GET /runs lists waiting runs (queue, parked) before ended ones, newest first, and honours limit", async () => {
    scheduler = new Scheduler({ concurrency: 1, ...quiet });
    const hold = gate();
    scheduler.spawnTask({ name: "slow", executor: () => hold.p }, { id: "slow", overlap: "allow" });
    scheduler.spawnTask({ name: "quick", executor() {} }, { id: "quick" });
    const url = await serveIt();
    const done1 = nextEvent(
      scheduler,
      (e) => e.type === "lifecycle" && e.id === "quick" && e.status === "finished",
    );
    scheduler.task("quick")!.sched();
    await done1;
    const running = nextEvent(
      scheduler,
      (e) => e.type === "lifecycle" && e.id === "slow" && e.status === "running",
    );
    const a = scheduler.task("slow")!.sched()!;
    await running;
    const b = scheduler.task("slow")!.sched()!;
    const runs = (await call(`${url}/runs`)).body as RunView[];
    expect(runs.map((r) => [r.runId, r.status, r.waiting, r.ended])).toEqual([
      [a, "running", null, false],
      [b, "init", "queue", false],
      [expect.stringMatching(/^quick:/), "finished", null, true],
    ]);
    expect(((await call(`${url}/runs?limit=1`)).body as RunView[]).map((r) => r.runId)).toEqual([a]);
    hold.open();
    await scheduler.idle();
  });

  it("stream tasks: topology and live counters while running, the run report after", async () => {
    scheduler = new Scheduler(quiet);
    const release = gate();
    const sink = new WaitingSink();
    class Doubler extends StreamTask {
      streamProcessExecutor(env: Env) {
        async function* source() {
          for (let i = 0; i < 10; i++) yield i;
          await release.p;
          for (let i = 10; i < 15; i++) yield i;
        }
        env
          .from(source())
          .map((x: number) => x * 2)
          .to(sink);
      }
    }
    scheduler.spawnTask(Doubler, { id: "doubler" });
    const url = await serveIt();
    const runId = scheduler.task("doubler")!.sched()!;
    await sink.reach(10);
    const view = (await call(`${url}/streams/doubler`)).body as StreamView;
    expect(view.taskId).toBe("doubler");
    expect(view.status).toBe("running");
    expect(view.lastReport).toBeNull();
    expect(view.running).toHaveLength(1);
    const live = view.running[0];
    expect(live.runId).toBe(runId);
    expect(live.stats.env).toBe("doubler");
    const { nodes, edges } = live.stats.topology;
    expect(nodes.map((n) => n.kind)).toEqual(["source", "sink"]);
    expect(edges).toEqual([{ from: nodes[0].id, to: nodes[1].id, stages: ["map"] }]);
    const [src, snk] = live.stats.nodes;
    expect(src).toMatchObject({ kind: "source", status: "running", recordsIn: 10, recordsOut: 10 });
    expect(snk).toMatchObject({ kind: "sink", recordsIn: 10, deadLettered: 0 });
    expect((await call(`${url}/streams`)).body).toEqual([expect.objectContaining({ taskId: "doubler" })]);

    const finished = nextEvent(scheduler, lifecycle(runId, "finished"));
    release.open();
    await finished;
    const after = (await call(`${url}/streams/doubler`)).body as StreamView;
    expect(after.running).toEqual([]);
    expect(after.lastReport).toMatchObject({
      status: "finished",
      recordsIn: 15,
      recordsOut: 15,
      deadLetters: 0,
    });
    expect(sink.records).toEqual(Array.from({ length: 15 }, (_, i) => i * 2));
  });
});

describe("act routes", () => {
  it("run now with an input; a failure becomes a dead letter that replay runs again", async () => {
    scheduler = new Scheduler(quiet);
    const inputs: unknown[] = [];
    let fail = true;
    scheduler.spawnTask(
      {
        name: "flaky",
        executor(input: unknown) {
          inputs.push(input);
          if (fail) throw new Error("downstream unavailable");
        },
      },
      { id: "flaky" },
    );
    const url = await serveIt();
    const failed = nextEvent(scheduler, (e) => e.type === "lifecycle" && e.status === "failed");
    const r = await call(`${url}/tasks/flaky/run`, {
      method: "POST",
      token: TOKEN,
      json: { input: { day: 7 } },
    });
    expect(r.status).toBe(201);
    await failed;
    await scheduler.idle();
    const letters = (await call(`${url}/dead-letters`)).body as {
      id: string;
      input: unknown;
      error: object;
    }[];
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      taskId: "flaky",
      input: { day: 7 },
      attempts: 1,
      error: { name: "Error", message: "downstream unavailable" },
    });
    fail = false;
    const finished = nextEvent(scheduler, (e) => e.type === "lifecycle" && e.status === "finished");
    const replay = await call(`${url}/dead-letters/${encodeURIComponent(letters[0].id)}/replay`, {
      method: "POST",
      token: TOKEN,
    });
    expect(replay.status).toBe(201);
    const replayRun = (replay.body as { runId: string }).runId;
    expect(((await finished) as LifecycleEvent).runId).toBe(replayRun);
    expect(inputs).toEqual([{ day: 7 }, { day: 7 }]);
    expect((await call(`${url}/dead-letters`)).body).toEqual([]);
    const ended = ((await call(`${url}/runs`)).body as RunView[]).map((x) => [
      x.runId === replayRun,
      x.status,
    ]);
    expect(ended).toEqual([
      [true, "finished"],
      [false, "failed"],
    ]);
  });

  it("discard removes a dead letter", async () => {
    scheduler = new Scheduler(quiet);
    scheduler.spawnTask({ name: "bad", executor: () => Promise.reject(new Error("no")) }, { id: "bad" });
    const url = await serveIt();
    scheduler.task("bad")!.sched();
    await scheduler.idle();
    const [dl] = scheduler.deadLetters.list();
    const r = await call(`${url}/dead-letters/${encodeURIComponent(dl.id)}`, {
      method: "DELETE",
      token: TOKEN,
    });
    expect(r.status).toBe(204);
    expect(scheduler.deadLetters.list()).toEqual([]);
  });

  it("cancel drops queued runs; stop ends a running run as stopped and refuses new runs (409)", async () => {
    scheduler = new Scheduler(quiet);
    const seen: string[] = [];
    scheduler.spawnTask(
      {
        name: "worker",
        async executor(input: string, proceed: Proceed, bus: TaskBus) {
          seen.push(input);
          await new Promise<void>((resolve) => bus.signal.addEventListener("abort", () => resolve()));
          await proceed();
        },
      },
      { id: "worker", overlap: "queue" },
    );
    const url = await serveIt();
    const running = nextEvent(scheduler, (e) => e.type === "lifecycle" && e.status === "running");
    const first = await call(`${url}/tasks/worker/run`, {
      method: "POST",
      token: TOKEN,
      json: { input: "a" },
    });
    await running;
    for (const input of ["b", "c"])
      expect(
        (await call(`${url}/tasks/worker/run`, { method: "POST", token: TOKEN, json: { input } })).status,
      ).toBe(201);
    const cancelled = await call(`${url}/tasks/worker/cancel`, { method: "POST", token: TOKEN });
    expect(cancelled.body).toEqual({ cancelled: 2 });
    const stopped = nextEvent<LifecycleEvent>(
      scheduler,
      lifecycle((first.body as { runId: string }).runId, "stopped"),
    );
    const stop = await call(`${url}/tasks/worker/stop`, {
      method: "POST",
      token: TOKEN,
      json: { reason: "maintenance" },
    });
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ id: "worker", stopped: true });
    expect((await stopped).msg).toMatch(/maintenance/);
    expect(seen).toEqual(["a"]);
    const again = await call(`${url}/tasks/worker/run`, { method: "POST", token: TOKEN, json: {} });
    expect(again.status).toBe(409);
    expect((again.body as { message: string }).message).toMatch(/stopped/);
  });
});

/** A sink that lets the test wait until it received `n` records. */
class WaitingSink extends Sink<number> {
  readonly records: number[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  async produce(elems: number[]): Promise<void> {
    this.records.push(...elems);
    this.waiters = this.waiters.filter((w) => {
      if (this.records.length < w.n) return true;
      w.resolve();
      return false;
    });
  }
  reach(n: number): Promise<void> {
    if (this.records.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}
