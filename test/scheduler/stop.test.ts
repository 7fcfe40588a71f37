import { describe, expect, it } from "vitest";
import { ConfigError, LifecycleError, TaskStoppedError } from "../../src/errors.js";
import { ArraySink, type Env } from "../../src/index.js";
import {
  memoryStore,
  type Proceed,
  Scheduler,
  StreamTask,
  type TaskBus,
  VirtualClock,
} from "../../src/scheduler/index.js";
import { gate, lifecycle } from "./events-helper.js";

describe("cron time zones are checked at atEvery()", () => {
  it("an unknown tz is a ConfigError at atEvery, and the other tasks still start", async () => {
    const s = new Scheduler({ clock: new VirtualClock() });
    const ok = s.spawnTask({ executor: () => {} }, { id: "ok" });
    const bad = s.spawnTask({ executor: () => {} }, { id: "bad" });
    let err: unknown;
    try {
      bad.atEvery("0 9 * * *", { tz: "Mars/Olympus_Mons" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/atEvery\("0 9 \* \* \*", \{ tz: "Mars\/Olympus_Mons" \}\)/);
    expect((err as ConfigError).message).toMatch(/unknown time zone "Mars\/Olympus_Mons"/);
    expect((err as ConfigError).option).toBe("tz");
    ok.atEvery("0 9 * * *", { tz: "Europe/Paris" });
    await s.start();
    expect(s.state).toBe("STARTED");
    await s.stop();
  });

  it("a bad expression and an unknown option key are ConfigErrors too", () => {
    const s = new Scheduler();
    const h = s.spawnTask({ executor: () => {} }, { id: "t" });
    expect(() => h.atEvery("61 * * * *")).toThrow(ConfigError);
    expect(() => h.atEvery("0 9 * * *", { tz: 42 as unknown as string })).toThrow(/IANA time zone name/);
    expect(() => h.atEvery("0 9 * * *", { tzz: "UTC" } as { tz?: string })).toThrow(
      'unknown option "tzz" (did you mean "tz"?)',
    );
  });
});

describe("a stopping or stopped scheduler takes no new run", () => {
  it("sched(), a trigger and a dead-letter replay throw LifecycleError instead of returning null", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ clock });
    const g = gate();
    const h = s.spawnTask({ executor: () => g.p }, { id: "t" });
    await s.start();
    const running = lifecycle(s, "t", "running");
    h.sched();
    await running;
    const stopped = s.stop({ timeoutMs: 1000 });
    expect(s.state).toBe("STOPPING");
    expect(() => h.sched()).toThrow(LifecycleError);
    expect(() => h.sched()).toThrow(/cannot queue a run of task "t" while STOPPING/);
    expect(() => h.every(1000)).toThrow(LifecycleError);
    g.open();
    await stopped;
    expect(() => h.sched()).toThrow(/while STOPPED/);
    expect(() => h.at(Date.now())).toThrow(LifecycleError);
    expect(() => h.clean()).toThrow(LifecycleError);
  });

  it("a stopped task (not scheduler) still answers null", async () => {
    const s = new Scheduler();
    const h = s.spawnTask({ executor: () => {} }, { id: "t" });
    await s.start();
    await h.stop();
    expect(h.sched()).toBeNull();
    await s.stop();
  });
});

describe("stop({ timeoutMs }) drains (BullMQ close(), Temporal worker shutdown)", () => {
  it("a running run goes on untouched during the grace period; it is recorded finished and its writes committed", async () => {
    const clock = new VirtualClock();
    const store = memoryStore();
    const s = new Scheduler({ clock, store });
    const g = gate();
    const seen: { signal?: boolean; draining?: boolean; proceedOk?: boolean } = {};
    const h = s.spawnTask(
      {
        async executor(_i: unknown, proceed: Proceed, bus: TaskBus) {
          bus.store.set("done", true);
          await g.p;
          await proceed({ now: 1, total: 1 }); // does not throw while draining
          seen.proceedOk = true;
          seen.signal = bus.signal.aborted;
          seen.draining = bus.draining.aborted;
        },
      },
      { id: "long" },
    );
    await s.start();
    const running = lifecycle(s, "long", "running");
    h.sched();
    await running;
    const finished = lifecycle(s, "long", "finished");
    const stopped = s.stop({ timeoutMs: 10_000 });
    await clock.advance(9_999);
    expect(h.status).toBe("running");
    expect(s.state).toBe("STOPPING");
    g.open();
    const e = await finished;
    await stopped;
    expect(seen).toEqual({ proceedOk: true, signal: false, draining: true });
    expect(h.status).toBe("finished");
    expect(e.msg).toMatch(/completed before the requested stop/);
    expect((await store.load()).data.long).toEqual({ done: true });
  });

  it("a run still running when the grace period is over is aborted (TaskStoppedError) and its writes discarded", async () => {
    const clock = new VirtualClock();
    const store = memoryStore();
    const s = new Scheduler({ clock, store });
    let reason: unknown;
    const h = s.spawnTask(
      {
        async executor(_i: unknown, proceed: Proceed, bus: TaskBus) {
          bus.store.set("x", 1);
          await new Promise((r) => bus.signal.addEventListener("abort", r));
          reason = bus.signal.reason;
          await proceed();
        },
      },
      { id: "slow" },
    );
    await s.start();
    const running = lifecycle(s, "slow", "running");
    h.sched();
    await running;
    const stoppedEvent = lifecycle(s, "slow", "stopped");
    const stopped = s.stop({ timeoutMs: 1000 });
    await clock.advance(999);
    expect(reason).toBeUndefined();
    await clock.advance(1);
    const e = await stoppedEvent;
    await stopped;
    expect(reason).toBeInstanceOf(TaskStoppedError);
    expect(e.msg).toMatch(/still running 1000 ms after the stop/);
    expect((await store.load()).data.slow).toBeUndefined();
  });

  it("a run that ignores the abort is abandoned forceAfterMs later, and stop() resolves", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ clock });
    const h = s.spawnTask({ executor: () => new Promise(() => {}) }, { id: "stuck" });
    await s.start();
    const running = lifecycle(s, "stuck", "running");
    h.sched();
    await running;
    const abandoned = lifecycle(s, "stuck", "stopped");
    const stopped = s.stop({ timeoutMs: 100, forceAfterMs: 200 });
    await clock.advance(299);
    expect(h.status).toBe("running");
    await clock.advance(1);
    expect((await abandoned).msg).toMatch(/abandoned: still running 200 ms after it was aborted/);
    await stopped;
    expect(s.state).toBe("STOPPED");
    const text = await s.metrics.registry.metrics();
    expect(text).toContain('mass_scheduler_runs_total{task="stuck",status="stopped"} 1');
  });

  it("a run that fails during the drain is not retried: it goes to the dead-letter queue", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ clock });
    const g = gate();
    let calls = 0;
    const h = s.spawnTask(
      {
        async executor() {
          calls++;
          await g.p;
          throw new Error("boom");
        },
      },
      { id: "f", retry: { attempts: 3, backoff: { type: "fixed", delayMs: 10 } } },
    );
    await s.start();
    const running = lifecycle(s, "f", "running");
    h.sched({ order: 7 });
    await running;
    const failed = lifecycle(s, "f", "failed");
    const stopped = s.stop({ timeoutMs: 1000 });
    g.open();
    const e = await failed;
    await stopped;
    expect(calls).toBe(1);
    expect(e.msg).toMatch(/not retried: the scheduler is stopping/);
    expect(s.deadLetters.list()).toMatchObject([{ taskId: "f", input: { order: 7 }, attempts: 1 }]);
  });

  it("a run that returns successfully after handle.stop() is recorded finished, its writes committed", async () => {
    const store = memoryStore();
    const s = new Scheduler({ store });
    const g = gate();
    const h = s.spawnTask(
      {
        async executor(_i: unknown, _p: Proceed, bus: TaskBus) {
          bus.store.set("kept", 1);
          await g.p; // never calls proceed(): it finishes its work
        },
      },
      { id: "t" },
    );
    await s.start();
    const running = lifecycle(s, "t", "running");
    h.sched();
    await running;
    const stopping = h.stop();
    g.open();
    await stopping;
    expect(h.status).toBe("finished");
    expect((await store.load()).data.t).toEqual({ kept: 1 });
    await s.stop();
  });

  it("a StreamTask drains its Env at a graceful scheduler stop and ends finished with what it processed", async () => {
    const s = new Scheduler();
    const first = gate();
    const sink = new ArraySink<number>();
    class Endless extends StreamTask {
      streamProcessExecutor(env: Env) {
        let i = 0;
        env
          .from({
            *[Symbol.iterator]() {
              for (;;) yield i++;
            },
          })
          .tap(() => first.open())
          .to(sink);
      }
    }
    const h = s.spawnTask(Endless);
    await s.start();
    h.sched();
    await first.p;
    const finished = lifecycle(s, "Endless", "finished");
    await s.stop({ timeoutMs: 60_000 });
    await finished;
    expect(h.status).toBe("finished");
    expect(sink.records.length).toBeGreaterThan(0);
    expect(sink.records.slice(0, 3)).toEqual([0, 1, 2]);
    const text = await s.metrics.registry.metrics();
    expect(text).toContain(
      `mass_scheduler_stream_records_total{task="Endless",direction="out"} ${sink.records.length}`,
    );
  });
});
