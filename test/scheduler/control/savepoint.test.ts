import { afterEach, expect, it } from "vitest";
import { type Env, type EnvOptions, memoryCheckpointStore, type RunOptions } from "../../../src/index.js";
import {
  type ControlServer,
  type LifecycleEvent,
  Scheduler,
  type SchedulerEvent,
  StreamTask,
  type TaskBus,
} from "../../../src/scheduler/index.js";
import { CommittingSink, PositionedSource, Recorder } from "../../runtime/checkpoint/fixtures.js";
import { call, nextEvent, quiet } from "./control-helpers.js";

const TOKEN = "savepoint-test-token-123";
let scheduler: Scheduler;
let server: ControlServer;

afterEach(async () => {
  await server?.close();
  await scheduler?.stop();
});

const ended = (runId: string) => (e: SchedulerEvent) =>
  e.type === "lifecycle" &&
  (e as LifecycleEvent).runId === runId &&
  ["finished", "failed", "stopped"].includes((e as LifecycleEvent).status);

const N = 5000;
const records = Array.from({ length: N }, (_, i) => i);

it("POST /tasks/:id/savepoint stops the running stream job with a savepoint; a run started from it goes on where it stopped", async () => {
  const store = memoryCheckpointStore();
  const out: number[] = [];
  let from: string | undefined;
  const recorders: Recorder<number>[] = [];
  let reached: () => void = () => {};
  const halfway = new Promise<void>((r) => {
    reached = r;
  });
  class Job extends StreamTask {
    override envOptions(bus: TaskBus): EnvOptions {
      return { ...super.envOptions(bus), batchSize: 50, checkpoint: { intervalMs: 0, store } };
    }
    override runOptions(): RunOptions {
      return from === undefined ? {} : { restore: { from } };
    }
    streamProcessExecutor(env: Env) {
      const src = new PositionedSource(records, 50);
      src.gate = (pos) => {
        if (pos >= 1000) reached();
        return new Promise((r) => setTimeout(r, 1));
      };
      const rec = new Recorder<number>();
      recorders.push(rec);
      env
        .from(src, { name: "src" })
        .compute(rec, { name: "rec" })
        .to(new CommittingSink(out), { name: "out" });
    }
  }
  scheduler = new Scheduler(quiet);
  scheduler.spawnTask(Job, { id: "job" });
  await scheduler.start();
  server = await scheduler.serve({ port: 0, token: TOKEN, ...quiet });
  const url = server.url;

  const first = scheduler.task("job")!.sched()!;
  const firstEnded = nextEvent(scheduler, ended(first));
  await halfway;
  const r = await call(`${url}/tasks/job/savepoint`, { method: "POST", token: TOKEN, json: {} });
  expect(r.status).toBe(200);
  const { savepoints } = r.body as { savepoints: string[] };
  expect(savepoints).toHaveLength(1);
  expect(savepoints[0]).toMatch(/^mem:\d+$/);
  await firstEnded;
  const sp = await store.load(savepoints[0]);
  const at = sp.parts.src.position as number;
  expect(at).toBeGreaterThanOrEqual(1000);
  expect(at).toBeLessThan(N);
  expect(out).toEqual(records.slice(0, at));

  // no running job now: 409 naming the task
  const none = await call(`${url}/tasks/job/savepoint`, { method: "POST", token: TOKEN, json: {} });
  expect(none.status).toBe(409);
  expect((none.body as { message: string }).message).toMatch(/task "job" has no running stream job/);

  from = savepoints[0];
  const second = scheduler.task("job")!.sched()!;
  const secondEnded = nextEvent(scheduler, ended(second));
  expect(((await secondEnded) as LifecycleEvent).status).toBe("finished");
  expect(recorders[1].restored).toEqual(records.slice(0, at));
  expect(recorders[1].seen).toEqual(records);
  expect(out).toEqual(records);
});

it("a StreamTask's retry restores the latest checkpoint: the output ends exactly as an uninterrupted run's", async () => {
  const store = memoryCheckpointStore();
  const out: number[] = [];
  const envs: Env[] = [];
  class Job extends StreamTask {
    override envOptions(bus: TaskBus): EnvOptions {
      return { ...super.envOptions(bus), batchSize: 50, checkpoint: { intervalMs: 2, store } };
    }
    streamProcessExecutor(env: Env, bus: TaskBus) {
      const src = new PositionedSource(records, 50);
      src.gate = (pos) => (pos % 500 === 0 ? new Promise((r) => setTimeout(r, 3)) : undefined);
      const sink = new CommittingSink(out);
      if (bus.attempt === 1) sink.failAfter = 3000; // the first attempt crashes mid-way
      env
        .from(src, { name: "src" })
        .compute(new Recorder<number>(), { name: "rec" })
        .to(sink, { name: "out" });
      envs.push(env);
    }
  }
  scheduler = new Scheduler(quiet);
  scheduler.spawnTask(Job, { id: "job", retry: { attempts: 2 } });
  await scheduler.start();
  const run = scheduler.task("job")!.sched()!;
  const e = (await nextEvent(
    scheduler,
    (ev) => ended(run)(ev) && (ev as LifecycleEvent).status !== "failed",
  )) as LifecycleEvent;
  expect(e.status).toBe("finished");
  expect(envs).toHaveLength(2);
  expect(envs[0].stats()?.status).toBe("failed");
  expect(envs[0].stats()?.checkpoints?.restoredFrom).toBeUndefined();
  expect(envs[1].stats()?.checkpoints?.restoredFrom).toMatch(/^mem:\d+$/);
  expect(envs[1].stats()?.recordsIn).toBeLessThan(N); // it did not start over
  expect(out).toEqual(records);
});
