import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { TaskStoppedError } from "../../src/errors.js";
import { ArraySink, type Env } from "../../src/index.js";
import {
  type LifecycleEvent,
  memoryStore,
  type ProgressEvent,
  Scheduler,
  type SchedulerEvent,
  StreamTask,
  Task,
  type TaskBus,
  VirtualClock,
} from "../../src/scheduler/index.js";
import { gate, lifecycle } from "./events-helper.js";

describe("triggers on a virtual clock", () => {
  it("at(), every() and atEvery() (seconds, time zone) fire at the right instants", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 2, 28, 12, 0, 0));
    const s = new Scheduler({ clock });
    const fired: Record<string, string[]> = { at: [], every: [], cron: [], paris: [] };
    const rec = (k: string) => ({
      executor(_i: unknown, _p: unknown, bus: TaskBus) {
        fired[k].push(new Date(bus.firedAt).toISOString());
      },
    });
    s.spawnTask(rec("at"), { id: "at" }).at(Date.UTC(2026, 2, 28, 12, 0, 42));
    s.spawnTask(rec("every"), { id: "every" }).every(90_000);
    s.spawnTask(rec("cron"), { id: "cron" }).atEvery("*/20 * * * * *");
    s.spawnTask(rec("paris"), { id: "paris" }).atEvery("0 9 * * *", { tz: "Europe/Paris" });
    await s.start();
    await clock.advance(60_000);
    expect(fired.at).toEqual(["2026-03-28T12:00:42.000Z"]);
    expect(fired.cron).toEqual([
      "2026-03-28T12:00:20.000Z",
      "2026-03-28T12:00:40.000Z",
      "2026-03-28T12:01:00.000Z",
    ]);
    expect(fired.every).toEqual([]);
    await clock.advance(60_000);
    expect(fired.every).toEqual(["2026-03-28T12:01:30.000Z"]);
    // 09:00 in Paris is 08:00Z on March 28 (CET) and 07:00Z on March 29 (CEST after the DST change)
    fired.cron = [];
    await clock.advanceTo(Date.UTC(2026, 2, 29, 7, 30));
    expect(fired.paris).toEqual(["2026-03-29T07:00:00.000Z"]);
    await s.stop();
  });

  it("named signals and EventEmitter events fire runs with their payload", async () => {
    const s = new Scheduler();
    const got: unknown[] = [];
    const ee = new EventEmitter();
    s.spawnTask(
      { executor: (input: unknown) => void got.push(["sig", input]) },
      { id: "a", overlap: "allow" },
    ).on("reindex");
    s.spawnTask(
      { executor: (input: unknown) => void got.push(["ee", input]) },
      { id: "b", overlap: "allow" },
    ).on(ee, "change");
    await s.start();
    expect(s.signal("reindex", { full: true })).toBe(1);
    ee.emit("change", 42);
    await s.idle();
    expect(got).toEqual([
      ["sig", { full: true }],
      ["ee", 42],
    ]);
    expect(s.signal("nobody")).toBe(0);
    await s.stop();
  });

  it("timeouts fail the run (TaskTimeoutError), abort its signal, and retry", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ clock });
    const aborted: string[] = [];
    let calls = 0;
    s.spawnTask(
      {
        async executor(_i: unknown, _p: unknown, bus: TaskBus) {
          calls++;
          bus.signal.addEventListener("abort", () => aborted.push((bus.signal.reason as Error).name));
          await new Promise(() => {});
        },
      },
      { id: "slow", timeoutMs: 1000, retry: { attempts: 2, backoff: { type: "fixed", delayMs: 500 } } },
    ).sched();
    await s.start();
    await clock.advance(999);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(aborted).toEqual(["TaskTimeoutError"]);
    await clock.advance(500);
    expect(calls).toBe(2);
    await clock.advance(1000);
    const dl = s.deadLetters.list();
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ taskId: "slow", attempts: 2, error: { name: "TaskTimeoutError" } });
    await s.stop({ timeoutMs: 0 });
  });

  it("retry backoff follows the policy on the clock; programming errors are not retried", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ clock });
    const times: number[] = [];
    const t0 = clock.now();
    s.spawnTask(
      {
        executor() {
          times.push(clock.now() - t0);
          throw new Error("flaky");
        },
      },
      { id: "exp", retry: { attempts: 4, backoff: { type: "exponential", delayMs: 100, factor: 3 } } },
    ).sched();
    let typeErrors = 0;
    s.spawnTask(
      {
        executor() {
          typeErrors++;
          throw new TypeError("x is undefined");
        },
      },
      { id: "bug", retry: { attempts: 5 } },
    ).sched();
    await s.start();
    await clock.advance(10_000);
    expect(times).toEqual([0, 100, 400, 1300]);
    expect(typeErrors).toBe(1);
    expect(s.deadLetters.list().map((d) => [d.taskId, d.attempts])).toEqual([
      ["bug", 1],
      ["exp", 4],
    ]);
    await s.stop();
  });
});

describe("runs: store, checkpoints, pause/resume/stop, progress, overlap, clean", () => {
  it("the task store commits a run's writes on success and discards them on failure", async () => {
    const store = memoryStore();
    const s = new Scheduler({ store });
    let attempt = 0;
    const h = s.spawnTask(
      {
        executor(input: string, _p: unknown, bus: TaskBus) {
          const n = (bus.store.get<number>("n") ?? 0) + 1;
          bus.store.set("n", n);
          bus.store.set(`seen:${input}`, true);
          if (input === "bad" && ++attempt < 2) throw new Error("fails once");
          if (input === "worse") throw new Error("always");
        },
      },
      { id: "counter", overlap: "queue", retry: { attempts: 2, backoff: { delayMs: 0 } } },
    );
    let other: unknown;
    s.spawnTask(
      {
        executor: (_i: unknown, _p: unknown, bus: TaskBus) => {
          other = bus.store.keys();
        },
      },
      { id: "other" },
    ).sched();
    await s.start();
    h.sched("a");
    h.sched("bad");
    h.sched("worse");
    await s.idle();
    await s.stop();
    expect(other).toEqual([]); // namespaces are per task
    // a new scheduler on the same store reads what was committed: "a" and "bad" (its retry
    // started from the committed state, so n counts it once); nothing of "worse"
    const again = new Scheduler({ store });
    let view: unknown;
    again
      .spawnTask(
        {
          executor(_i: unknown, _p: unknown, bus: TaskBus) {
            view = [
              bus.store.get("n"),
              bus.store.get("seen:a"),
              bus.store.get("seen:bad"),
              bus.store.get("seen:worse"),
            ];
          },
        },
        { id: "counter" },
      )
      .sched();
    await again.start();
    await again.idle();
    expect(view).toEqual([2, true, true, undefined]);
    await again.stop();
  });

  it("checkpoints survive a failed attempt and are restored with restore: true", async () => {
    const s = new Scheduler();
    const seen: unknown[] = [];
    s.spawnTask(
      {
        async executor(_i: unknown, _p: unknown, bus: TaskBus) {
          seen.push(bus.checkpoint.load());
          const from = bus.checkpoint.load<number>() ?? 0;
          await bus.checkpoint.save(from + 10);
          if (bus.attempt === 1) throw new Error("crash after checkpoint");
        },
      },
      { id: "resumable", restore: true, retry: { attempts: 2, backoff: { delayMs: 0 } } },
    ).sched();
    let plain: unknown = "unset";
    s.spawnTask(
      {
        async executor(_i: unknown, _p: unknown, bus: TaskBus) {
          await bus.checkpoint.save(5);
          plain = bus.checkpoint.load();
        },
      },
      { id: "plain" },
    ).sched();
    await s.start();
    await s.idle();
    expect(seen).toEqual([undefined, 10]);
    expect(plain).toBeUndefined();
    await s.stop();
  });

  it("pause holds a run at proceed(); remaining time leaves paused time out; resume goes on; stop ends it", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ clock });
    const progress: ProgressEvent[] = [];
    const statuses: string[] = [];
    s.on("progress", (e) => progress.push(e));
    s.on("lifecycle", (e) => statuses.push(e.status));
    const step = gate();
    const h = s.spawnTask(
      {
        async executor(_i: unknown, proceed: (p?: { now: number; total?: number }) => Promise<void>) {
          for (let i = 1; i <= 4; i++) {
            await new Promise<void>((r) => clock.setTimeout(r, 1000));
            await proceed({ now: i, total: 4 });
            if (i === 2) await step.p;
          }
        },
      },
      { id: "job" },
    );
    await s.start();
    h.sched();
    await clock.advance(2000);
    expect(progress.at(-1)).toMatchObject({ now: 2, total: 4, progress: 0.5, usedMs: 2000, remainMs: 2000 });
    h.pause();
    step.open();
    await clock.advance(1000);
    expect(h.status).toBe("paused");
    await clock.advance(60_000);
    expect(h.status).toBe("paused");
    h.resume();
    await clock.advance(1000);
    // 64 s elapsed, 60 s of them paused: 4 s used, nothing left
    expect(progress.at(-1)).toMatchObject({ now: 4, total: 4, usedMs: 4000, remainMs: 0 });
    await s.idle();
    expect(h.status).toBe("finished");
    expect(statuses).toEqual(["init", "running", "paused", "running", "finished"]);
    await s.stop();
  });

  it("stop() makes proceed() throw TaskStoppedError; the run ends as stopped, its writes discarded", async () => {
    const s = new Scheduler();
    const g = gate();
    let caught: unknown;
    let committed: unknown = "none";
    const h = s.spawnTask(
      {
        async executor(_i: unknown, proceed: () => Promise<void>, bus: TaskBus) {
          bus.store.set("x", 1);
          await g.p;
          try {
            await proceed();
          } catch (e) {
            caught = e;
            throw e;
          }
        },
      },
      { id: "stoppable" },
    );
    await s.start();
    const running = lifecycle(s, "stoppable", "running");
    h.sched();
    h.sched();
    await running;
    const stopped = h.stop(new Error("operator"));
    g.open();
    await stopped;
    expect(caught).toBeInstanceOf(TaskStoppedError);
    expect(h.status).toBe("stopped");
    expect(h.sched()).toBeNull();
    s.spawnTask(
      {
        executor: (_i: unknown, _p: unknown, bus: TaskBus) => {
          committed = bus.store.get("x");
        },
      },
      { id: "stoppable-probe" },
    ).sched();
    await s.idle();
    expect(committed).toBeUndefined();
    await s.stop();
  });

  it("cancel() removes runs not yet started and says how many", async () => {
    const s = new Scheduler({ concurrency: 1 });
    const g = gate();
    let runs = 0;
    const h = s.spawnTask(
      {
        executor: async () => {
          runs++;
          await g.p;
        },
      },
      { id: "c", overlap: "allow" },
    );
    await s.start();
    const running = lifecycle(s, "c", "running");
    h.sched();
    h.sched();
    h.sched();
    await running;
    expect(h.cancel()).toBe(2);
    g.open();
    await s.idle();
    expect(runs).toBe(1);
    await s.stop();
  });

  it("overlap: skip drops fires while a run is active, queue serialises them, allow runs them together", async () => {
    // every 1 s for 5 s, each run takes 2.5 s
    for (const [overlap, expected] of [
      ["skip", { runs: 2, maxActive: 1, waiting: 0 }],
      ["queue", { runs: 2, maxActive: 1, waiting: 3 }],
      ["allow", { runs: 5, maxActive: 3, waiting: 0 }],
    ] as const) {
      const clock = new VirtualClock();
      const s = new Scheduler({ clock, concurrency: 4 });
      let active = 0;
      let maxActive = 0;
      let runs = 0;
      const h = s
        .spawnTask(
          {
            async executor() {
              runs++;
              active++;
              maxActive = Math.max(maxActive, active);
              await new Promise<void>((r) => clock.setTimeout(r, 2500));
              active--;
            },
          },
          { id: overlap, overlap },
        )
        .every(1000);
      await s.start();
      await clock.advance(5000);
      const waiting = h.cancel();
      await s.stop({ timeoutMs: 0, forceAfterMs: 0 });
      expect({ overlap, runs, maxActive, waiting }).toEqual({ overlap, ...expected });
    }
  });

  it("clean() runs the task's clean(input, proceed, bus) (the data-clean mode)", async () => {
    const s = new Scheduler();
    const calls: string[] = [];
    class Reports extends Task<string, void> {
      executor(input: string) {
        calls.push(`run ${input}`);
      }
      override clean(input: string) {
        calls.push(`clean ${input}`);
      }
    }
    const h = s.spawnTask(Reports);
    await s.start();
    h.sched("2026-01");
    h.clean("2025-12");
    await s.idle();
    expect(calls).toEqual(["run 2026-01", "clean 2025-12"]);
    expect(h.id).toBe("Reports");
    await s.stop();
  });

  it("events() yields lifecycle, progress and custom events in order", async () => {
    const s = new Scheduler();
    const it = s.events();
    s.spawnTask(
      {
        async executor(
          _i: unknown,
          proceed: (p: { now: number; total: number }) => Promise<void>,
          bus: TaskBus,
        ) {
          await proceed({ now: 1, total: 1 });
          bus.emit("rows", 42);
        },
      },
      { id: "e" },
    ).sched();
    await s.start();
    await s.idle();
    await s.stop();
    const got: SchedulerEvent[] = [];
    for await (const e of it) got.push(e);
    expect(
      got.map((e) => (e.type === "lifecycle" ? `${e.type}:${(e as LifecycleEvent).status}` : e.type)),
    ).toEqual(["lifecycle:init", "lifecycle:running", "progress", "custom", "lifecycle:finished"]);
    expect(got[3]).toMatchObject({ event: "rows", payload: 42 });
  });
});

describe("preemptive mode", () => {
  it("a higher-priority run makes the lowest running one yield at proceed(); it resumes from its checkpoint", async () => {
    const s = new Scheduler({ concurrency: 1, mode: "preemptive" });
    const log: string[] = [];
    const g = gate();
    const atGate = gate();
    const low = s.spawnTask(
      {
        async executor(_i: unknown, proceed: () => Promise<void>, bus: TaskBus) {
          const from = bus.checkpoint.load<number>() ?? 0;
          log.push(`low from ${from}`);
          for (let i = from; i < 4; i++) {
            await bus.checkpoint.save(i);
            if (i === 1 && from === 0) {
              atGate.open();
              await g.p;
            }
            await proceed();
          }
          log.push("low done");
        },
      },
      { id: "low", priority: 0 },
    );
    const high = s.spawnTask({ executor: () => void log.push("high") }, { id: "high", priority: 10 });
    await s.start();
    low.sched();
    await atGate.p; // low has saved checkpoint 1
    high.sched();
    g.open();
    await s.idle();
    expect(log).toEqual(["low from 0", "high", "low from 1", "low done"]);
    await s.stop();
  });
});

describe("stream tasks", () => {
  it("a StreamTask holds its slot until its Env ended, and stops cleanly", async () => {
    const s = new Scheduler({ concurrency: 1 });
    const sink = new ArraySink<number>();
    const busy = gate();
    let i = 0;
    class Counter extends StreamTask {
      streamProcessExecutor(env: Env) {
        env
          .from({
            *[Symbol.iterator]() {
              for (;;) yield i++;
            },
          })
          .tap((x) => {
            if (x === 50_000) busy.open(); // many batches in: the second task had every chance to start
          })
          .to(sink);
      }
    }
    const order: string[] = [];
    const h = s.spawnTask(Counter);
    await s.start();
    h.sched();
    const after = s.spawnTask({ executor: () => void order.push("second") }, { id: "second" });
    after.sched();
    await busy.p;
    expect(order).toEqual([]);
    expect(h.status).toBe("running");
    await h.stop();
    expect(h.status).toBe("stopped");
    expect(sink.records.length).toBeGreaterThan(0);
    expect(sink.records.slice(0, 3)).toEqual([0, 1, 2]);
    await s.idle();
    expect(order).toEqual(["second"]);
    await s.stop();
  });

  it("a finished StreamTask's records reach the prom-client metrics", async () => {
    const s = new Scheduler();
    class Copy extends StreamTask {
      streamProcessExecutor(env: Env) {
        env
          .from([1, 2, 3, 4])
          .filter((x) => x % 2 === 0)
          .to(new ArraySink<number>());
      }
    }
    s.spawnTask(Copy).sched();
    await s.start();
    await s.idle();
    const text = await s.metrics.registry.metrics();
    expect(text).toContain('mass_scheduler_stream_records_total{task="Copy",direction="in"} 4');
    expect(text).toContain('mass_scheduler_stream_records_total{task="Copy",direction="out"} 2');
    expect(text).toContain('mass_scheduler_runs_total{task="Copy",status="finished"} 1');
    await s.stop();
  });
});

describe("idle and slots", () => {
  it("idle() resolves only once every run is settled and committed (a run holds its slot until then)", async () => {
    const store = memoryStore();
    const s = new Scheduler({ concurrency: 8, store });
    let finished = 0;
    let maxCommitsPending = 0;
    let started = 0;
    s.on("lifecycle", (e) => {
      if (e.status === "running") started++;
      if (e.status === "finished") finished++;
      maxCommitsPending = Math.max(maxCommitsPending, started - finished);
    });
    const h = s.spawnTask(
      { executor: (i: number, _p: unknown, bus: TaskBus) => bus.store.set(`k${i}`, i) },
      { id: "many", overlap: "allow" },
    );
    await s.start();
    for (let i = 0; i < 500; i++) h.sched(i);
    await s.idle();
    expect(finished).toBe(500);
    expect(maxCommitsPending).toBeLessThanOrEqual(8);
    expect(Object.keys((await store.load()).data.many)).toHaveLength(500);
    await s.stop();
  });
});

describe("dead letters", () => {
  it("list() gives task id, run id, input, error with stack, attempts, first and last failure; discard() removes for good", async () => {
    const clock = new VirtualClock();
    const store = memoryStore();
    const s = new Scheduler({ clock, store });
    const t0 = clock.now();
    s.spawnTask(
      {
        executor() {
          throw new Error("bad payload");
        },
      },
      { id: "parse", retry: { attempts: 3, backoff: { type: "fixed", delayMs: 1000 } } },
    ).sched({ file: "a.csv" });
    await s.start();
    await clock.advance(5000);
    const [d] = s.deadLetters.list();
    expect(d).toMatchObject({
      taskId: "parse",
      input: { file: "a.csv" },
      attempts: 3,
      firstFailureAt: t0,
      lastFailureAt: t0 + 2000,
      error: { name: "Error", message: "bad payload" },
    });
    expect(d.runId).toMatch(/^parse:/);
    expect(d.error.stack).toContain("bad payload");
    await s.deadLetters.discard(d.id);
    expect(s.deadLetters.list()).toEqual([]);
    expect((await store.load()).deadLetters).toEqual([]);
    await expect(s.deadLetters.discard(d.id)).rejects.toThrow(/no dead letter/);
    await s.stop();
  });
});
