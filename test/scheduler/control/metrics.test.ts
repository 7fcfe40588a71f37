import { afterEach, describe, expect, it } from "vitest";
import { count, Env, Sink, tumbling } from "../../../src/index.js";
import { EnvMetrics } from "../../../src/scheduler/control/env-metrics.js";
import { type ControlServer, Scheduler, StreamTask } from "../../../src/scheduler/index.js";
import { call, gate, nextEvent, quiet } from "./control-helpers.js";

/** Prometheus text to `{ 'name{labels}': value }` (comments dropped). */
function parse(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

const pick = (m: Record<string, number>, prefix: string) =>
  Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith(prefix)));

/** A sink that lets the test wait until it received `n` records. */
class WaitingSink<T> extends Sink<T> {
  readonly records: T[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  async produce(elems: T[]): Promise<void> {
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

interface Ev {
  k: string;
  ts: number;
}

/** A keyed event-time window job held mid-run: 3 records in, 2 windows fired, 1 window open. */
function windowJob(env: Env, release: Promise<void>, sink: WaitingSink<unknown>) {
  async function* events(): AsyncGenerator<Ev> {
    yield { k: "a", ts: 1000 };
    yield { k: "b", ts: 1500 };
    yield { k: "a", ts: 2500 };
    await release;
  }
  env
    .from(events())
    .withTimestamps((r: Ev) => r.ts, { maxOutOfOrderness: 0 })
    .keyBy((r: Ev) => r.k)
    .window(tumbling(1000))
    .agg({ n: count() })
    .to(sink);
}

describe("EnvMetrics", () => {
  it("reads a running Env's counters, watermark lag and window state at scrape time", async () => {
    const release = gate();
    const sink = new WaitingSink<unknown>();
    const env = new Env({ name: "win", ...quiet });
    windowJob(env, release.p, sink);
    const run = env.run();
    await sink.reach(2); // windows [1000, 2000) of a and b fired at watermark 2499
    const metrics = new EnvMetrics(
      () => [{ task: "t", runId: "r1", env }],
      undefined,
      () => 10_000,
    );
    const m = parse(await metrics.registry.metrics());
    const node = (n: string) => `task="t",node="${n}"`;
    const [src, ts, win, snk] = env.topology().nodes.map((n) => n.name);
    expect(m['mass_env_running{task="t"}']).toBe(1);
    expect(pick(m, "mass_env_records_in_total")).toEqual({
      [`mass_env_records_in_total{${node(src)},kind="source"}`]: 3,
      [`mass_env_records_in_total{${node(ts)},kind="timestamps"}`]: 3,
      [`mass_env_records_in_total{${node(win)},kind="window"}`]: 3,
      [`mass_env_records_in_total{${node(snk)},kind="sink"}`]: 2,
    });
    expect(m[`mass_env_records_out_total{${node(win)},kind="window"}`]).toBe(2);
    // processing time 10,000 minus the window's watermark 2499 (= 2500 - 0 - 1)
    expect(pick(m, "mass_env_event_time_lag_seconds")).toEqual({
      [`mass_env_event_time_lag_seconds{${node(win)}}`]: 7.501,
    });
    // window [2000, 3000) of key a is held; only stateful kinds are listed
    expect(pick(m, "mass_env_window_state_entries")).toEqual({
      [`mass_env_window_state_entries{${node(win)}}`]: 1,
    });
    expect(m[`mass_env_dead_letters_total{${node(snk)}}`]).toBe(0);
    release.open();
    await run;
    // a second scrape reads fresh figures (no stale cache): the run ended, its Env no longer listed
    const ended = new EnvMetrics(
      () => [],
      undefined,
      () => 10_000,
    );
    expect(pick(parse(await ended.registry.metrics()), "mass_env_records_in_total")).toEqual({});
  });

  it("counts late records past allowed lateness by outcome", async () => {
    const env = new Env({ name: "late", ...quiet });
    const release = gate();
    const sink = new WaitingSink<unknown>();
    async function* events(): AsyncGenerator<Ev> {
      yield { k: "a", ts: 5000 }; // watermark 4999: window [0, 1000) is closed
      yield { k: "a", ts: 100 }; // late, nobody listens: counted and dropped
      yield { k: "a", ts: 6500 }; // watermark 6499: fires [5000, 6000)
      await release.p;
    }
    env
      .from(events())
      .withTimestamps((r: Ev) => r.ts, { maxOutOfOrderness: 0 })
      .keyBy((r: Ev) => r.k)
      .window(tumbling(1000))
      .agg({ n: count() })
      .to(sink);
    const run = env.run();
    await sink.reach(1);
    const metrics = new EnvMetrics(() => [{ task: "t", runId: "r", env }]);
    const late = pick(parse(await metrics.registry.metrics()), "mass_env_late_records_total");
    expect(Object.values(late)).toEqual([1]);
    expect(Object.keys(late)[0]).toMatch(/outcome="dropped"/);
    release.open();
    await run;
  });

  it("plug points: the runtime's live env.stats() operators, backpressure time and a connector's partition lag", async () => {
    // the shapes of the runtime's env.stats() and of the Kafka source's metrics()
    const fakeEnv = {
      name: "plug",
      topology: () => ({ nodes: [{ id: "n1", name: "source:kafka", kind: "source" }], edges: [] }),
      stats: () => ({
        operators: [
          {
            id: "n1",
            name: "source:kafka",
            kind: "source",
            nodeId: "n1",
            recordsIn: 5,
            recordsOut: 5,
            deadLettered: 0,
          },
          {
            id: "n1.s1",
            name: "parse",
            kind: "map",
            nodeId: "n1",
            recordsIn: 5,
            recordsOut: 4,
            deadLettered: 1,
          },
        ],
      }),
      runtimeNodes: () => [
        {
          id: "n1",
          name: "source:kafka",
          kind: "source",
          status: "running",
          stats: {
            recordsIn: 5,
            recordsOut: 4,
            skipped: 0,
            deadLettered: 1,
            retries: 0,
            lateRecords: 0,
            lateDropped: 0,
            backpressureMs: 1500,
          },
          watermark: Number.NEGATIVE_INFINITY,
          stateCount: 0,
          operator: {
            metrics: () => ({
              groupId: "g",
              lag: 12,
              partitions: [
                { topic: "orders", partition: 0, committed: 88, highWatermark: 100, lag: 12 },
                { topic: "orders", partition: 1, committed: 5, highWatermark: 5, lag: 0 },
                { topic: "orders", partition: 2, committed: null, highWatermark: null, lag: null },
              ],
            }),
          },
        },
      ],
    } as unknown as Env;
    const metrics = new EnvMetrics(() => [{ task: "k", runId: "r", env: fakeEnv }]);
    const m = parse(await metrics.registry.metrics());
    const n = 'task="k",node="source:kafka"';
    expect(m[`mass_env_backpressure_blocked_seconds_total{${n}}`]).toBe(1.5);
    expect(pick(m, "mass_env_operator_records_in_total")).toEqual({
      [`mass_env_operator_records_in_total{${n},operator="source:kafka",kind="source"}`]: 5,
      [`mass_env_operator_records_in_total{${n},operator="parse",kind="map"}`]: 5,
    });
    expect(m[`mass_env_operator_records_out_total{${n},operator="parse",kind="map"}`]).toBe(4);
    // a partition whose lag is not known yet has no series
    expect(pick(m, "mass_kafka_consumer_lag")).toEqual({
      [`mass_kafka_consumer_lag{${n},topic="orders",partition="0"}`]: 12,
      [`mass_kafka_consumer_lag{${n},topic="orders",partition="1"}`]: 0,
    });
    expect(pick(m, "mass_env_event_time_lag_seconds")).toEqual({});
  });
});

describe("GET /metrics", () => {
  let scheduler: Scheduler;
  let server: ControlServer;
  afterEach(async () => {
    await server?.close();
    await scheduler?.stop();
  });

  it("serves the scheduler's metrics and every running Env's, in Prometheus text format", async () => {
    scheduler = new Scheduler(quiet);
    const release = gate();
    const sink = new WaitingSink<unknown>();
    class Windows extends StreamTask {
      streamProcessExecutor(env: Env) {
        windowJob(env, release.p, sink);
      }
    }
    scheduler.spawnTask(Windows, { id: "windows" });
    scheduler.spawnTask({ name: "ok", executor() {} }, { id: "ok" });
    scheduler.spawnTask({ name: "bad", executor: () => Promise.reject(new Error("x")) }, { id: "bad" });
    await scheduler.start();
    server = await scheduler.serve({ port: 0, token: "metrics-token", ...quiet });
    scheduler.task("ok")!.sched();
    scheduler.task("bad")!.sched();
    const streamRun = scheduler.task("windows")!.sched()!;
    await sink.reach(2);
    const r = await call(`${server.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parse(r.text);
    expect(m['mass_scheduler_runs_total{task="ok",status="finished"}']).toBe(1);
    expect(m['mass_scheduler_runs_total{task="bad",status="failed"}']).toBe(1);
    expect(m.mass_scheduler_dead_letters).toBe(1);
    expect(m.mass_scheduler_running).toBe(1);
    expect(m.mass_scheduler_queue_depth).toBe(0);
    expect(m['mass_scheduler_run_duration_seconds_count{task="ok"}']).toBe(1);
    expect(m['mass_env_running{task="windows"}']).toBe(1);
    expect(Object.values(pick(m, 'mass_env_records_in_total{task="windows"'))).toEqual([3, 3, 3, 2]);
    expect(r.text).toMatch(/^# TYPE mass_env_records_in_total counter$/m);
    expect(r.text).toMatch(/^# TYPE mass_env_event_time_lag_seconds gauge$/m);

    const finished = nextEvent(
      scheduler,
      (e) => e.type === "lifecycle" && e.runId === streamRun && e.status === "finished",
    );
    release.open();
    await finished;
    const after = parse((await call(`${server.url}/metrics`)).text);
    expect(pick(after, "mass_env_running")).toEqual({});
    expect(after['mass_scheduler_stream_records_total{task="windows",direction="in"}']).toBe(3);
    expect(after['mass_scheduler_runs_total{task="windows",status="finished"}']).toBe(1);
  });
});
