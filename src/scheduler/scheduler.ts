import { ConfigError, LifecycleError, TaskError, TaskStoppedError } from "../errors.js";
import { systemClock } from "../util/clock.js";
import { getDefaultLogger } from "../util/logger.js";
import { Startable } from "../util/startable.js";
import { checkInt, checkKeys, checkOneOf } from "../util/validate.js";
import type { SchedulerContext } from "./context.js";
import type { ControlServer, ServeOptions } from "./control/serve.js";
import { DeadLetterQueue } from "./dead-letter-queue.js";
import { Dispatcher } from "./dispatcher.js";
import { drainAndStop } from "./drain.js";
import { EventHub, type EventListener } from "./event-hub.js";
import type { SchedulerEvent, SchedulerEvents } from "./events.js";
import type { Graph } from "./graph/graph.js";
import type { GraphHandle } from "./graph/graph-handle.js";
import { GraphRegistry } from "./graph/graph-registry.js";
import type { GraphInstanceRecord } from "./graph/graph-types.js";
import { SchedulerMetrics } from "./metrics.js";
import { Persistence } from "./persistence.js";
import { RunExecution } from "./run-execution.js";
import { type RunInfo, runInfo } from "./run-info.js";
import { SCHEDULER_OPTION_KEYS, type SchedulerOptions } from "./scheduler-options.js";
import { memoryStore } from "./store/memory-store.js";
import { type HandleHost, TaskHandle } from "./task-handle.js";
import { applyConfigStyle, type TaskInput, taskImpl } from "./task-impl.js";
import { resolveTaskOptions, type TaskOptions } from "./task-options.js";
import { type TaskDef, TaskRun } from "./task-run.js";
import { type FireTarget, TriggerFiring, taskTarget } from "./trigger-firing.js";
import type { Trigger } from "./triggers.js";
import { Waiters } from "./waiters.js";

/**
 * The scheduler (see docs/scheduler.md; also exported as `MassTaskScheduler`, the original
 * design's name): hosts tasks and stream tasks with one-shot and repeatable
 * triggers, regular or preemptive priority scheduling, retries, a persisted dead-letter queue, a
 * transactional task store, checkpoints, progress and lifecycle events, and prom-client metrics.
 * It is a service with the `READY -> STARTING -> STARTED -> STOPPING -> STOPPED` lifecycle.
 *
 * This class is the public surface; the work is done by its parts (see `context.ts`): the
 * dispatcher (queue, slots, preemption), run execution (attempts, commits, retries, dead
 * letters), the task bus, trigger firing, the drain at stop, persistence and the event hub.
 *
 * ```ts
 * const scheduler = new Scheduler({ concurrency: 4, store: fileStore("state") });
 * scheduler.spawnTask(SendReport, { retry: { attempts: 3 } }).atEvery("0 9 * * *", { tz: "Europe/Paris" });
 * await scheduler.start();
 * ```
 */
export class Scheduler extends Startable implements HandleHost {
  /** The dead-letter queue (persisted). */
  readonly deadLetters: DeadLetterQueue;
  /** Prometheus metrics. */
  readonly metrics: SchedulerMetrics;
  readonly concurrency: number;
  readonly mode: "regular" | "preemptive";
  /** @internal the parts' shared context. */
  protected readonly ctx: SchedulerContext;
  private readonly firing: TriggerFiring;
  private readonly graphReg: GraphRegistry;
  private seq = 0;
  private runCounter = 0;
  private readonly instance = Date.now().toString(36);
  private timing = { timeoutMs: 30_000, forceAfterMs: 5_000 };

  /** @throws ConfigError for an out-of-range or unknown option (`concurency` -> did you mean `concurrency`?). */
  constructor(options: SchedulerOptions = {}) {
    super();
    checkKeys("new Scheduler(options)", options, SCHEDULER_OPTION_KEYS);
    options ??= {};
    this.concurrency = checkInt("scheduler options.concurrency", options.concurrency ?? 4, 1);
    this.mode = checkOneOf("scheduler options.mode", options.mode ?? "regular", [
      "regular",
      "preemptive",
    ] as const);
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? getDefaultLogger();
    this.metrics = new SchedulerMetrics(options.metrics);
    const eventBuffer = checkInt("scheduler options.eventBuffer", options.eventBuffer ?? 10_000, 1);
    const maxCatchUp = checkInt("scheduler options.maxCatchUp", options.maxCatchUp ?? 1000, 1);
    const parts: Partial<{ -readonly [K in keyof SchedulerContext]: SchedulerContext[K] }> = {
      clock,
      logger,
      metrics: this.metrics,
      concurrency: this.concurrency,
      mode: this.mode,
      defs: new Map(),
      graphs: new Map(),
      events: new EventHub(eventBuffer, clock),
      persistence: new Persistence(options.store ?? memoryStore(), logger),
      waiters: new Waiters(clock),
      drain: new AbortController(),
      state: () => this.state,
      nextSeq: () => ++this.seq,
    };
    const ctx = parts as SchedulerContext;
    parts.dispatcher = new Dispatcher(ctx);
    parts.execution = new RunExecution(ctx);
    this.ctx = ctx;
    this.firing = new TriggerFiring(ctx, maxCatchUp);
    this.graphReg = new GraphRegistry(ctx, this.firing, {
      queueRun: (def, input, firedAt, setup) => this.queueRun(def, input, firedAt, "executor", setup),
      resumeDef: (def) => this.resume(def),
      assertAccepting: (action) => this.assertAccepting(action),
    });
    const state = () => ctx.persistence.state;
    this.deadLetters = new DeadLetterQueue({
      entries: () => state().deadLetters,
      remove: (id) => {
        const letters = state().deadLetters;
        const i = letters.findIndex((e) => e.id === id);
        if (i < 0) return undefined;
        const [e] = letters.splice(i, 1);
        this.metrics.deadLetters.set(letters.length);
        return e;
      },
      requeue: (e) => {
        const def = ctx.defs.get(e.taskId);
        if (def === undefined)
          throw new TaskError(`deadLetters.replay: task "${e.taskId}" is not spawned in this scheduler`);
        const runId = this.enqueue(def, e.input, null, "executor");
        if (runId === null) throw new TaskError(`deadLetters.replay: task "${e.taskId}" is stopped`);
        return runId;
      },
      persist: () => ctx.persistence.save(),
    });
  }

  protected get serviceName(): string {
    return "scheduler";
  }

  // ---- public API ----------------------------------------------------------------------

  /**
   * Registers a task: a Task class (`class X extends Task`), a Task instance, or a spec object
   * `{ executor(input, proceed, bus) {} }`. The original design's configuration style,
   * `spawnTask(MassTask, { executor })` or `spawnTask(MassStreamTask, { streamProcessExecutor })`,
   * works too: those functions replace the class's methods on the new instance.
   * @param options - see {@link TaskOptions} (unknown keys are rejected).
   * @throws ConfigError for a duplicate id, bad or unknown options, or a task without executor.
   */
  spawnTask<In, Out>(task: TaskInput<In, Out>, options: TaskOptions = {}): TaskHandle {
    const defs = this.ctx.defs;
    const { impl, defaultId } = taskImpl(task as TaskInput, `task${defs.size + 1}`);
    const o = resolveTaskOptions(defaultId, options);
    applyConfigStyle(impl, task as TaskInput, options, o.id, defaultId);
    if (defs.has(o.id))
      throw new ConfigError(`spawnTask: a task with id "${o.id}" exists already; give options.id`);
    const def: TaskDef = {
      task: impl,
      options: o,
      paused: false,
      stopped: false,
      active: 0,
      runningCount: 0,
      parked: [],
      triggers: [],
      latest: null,
    };
    defs.set(o.id, def);
    return new TaskHandle(this, def);
  }

  /**
   * Registers an execution graph (a DAG of tasks and stream tasks; see {@link Graph} and
   * docs/scheduler.md, "Execution graphs"). Its triggers make instances; unfinished instances in
   * the store continue when the scheduler starts.
   * @throws ConfigError for a duplicate id, an unknown upstream or a cycle (naming its path).
   */
  spawnGraph(graph: Graph): GraphHandle {
    return this.graphReg.spawn(graph);
  }

  /** The spawned graphs (for a control plane: list, then read or act through each handle). */
  graphs(): GraphHandle[] {
    return this.graphReg.list();
  }

  /** A spawned graph by id, or undefined. */
  graph(id: string): GraphHandle | undefined {
    return this.graphReg.get(id);
  }

  /** A graph instance (a copy, with its node states) by instance id, with its graph's handle; or undefined. */
  graphInstance(instanceId: string): { handle: GraphHandle; instance: GraphInstanceRecord } | undefined {
    return this.graphReg.findInstance(instanceId);
  }

  /** Handles of every spawned task, in spawn order (read accessors for the control plane). */
  tasks(): TaskHandle[] {
    return [...this.ctx.defs.values()].map((def) => new TaskHandle(this, def));
  }

  /** The handle of task `id`, or `undefined` when no task has that id. */
  task(id: string): TaskHandle | undefined {
    const def = this.ctx.defs.get(id);
    return def === undefined ? undefined : new TaskHandle(this, def);
  }

  /**
   * Snapshots of the runs that have not ended, graph node runs included: running and paused ones
   * first (by start time), then those waiting in the queue, for a retry, or parked, in no
   * particular order.
   */
  runs(): RunInfo[] {
    const now = this.ctx.clock.now();
    const d = this.ctx.dispatcher;
    const out = [...d.running]
      .sort((a, b) => a.startTime - b.startTime)
      .map((r) => runInfo(r, now, undefined));
    for (const r of d.queue.values()) out.push(runInfo(r, now, "queue"));
    for (const r of d.retryTimers.keys()) out.push(runInfo(r, now, "retry"));
    for (const def of this.ctx.defs.values()) for (const r of def.parked) out.push(runInfo(r, now, "parked"));
    for (const g of this.ctx.graphs.values())
      for (const def of g.nodeDefs()) for (const r of def.parked) out.push(runInfo(r, now, "parked"));
    return out;
  }

  /**
   * Starts the HTTP control plane on this scheduler (see docs/control-plane.md): read and act
   * routes, live events over SSE and WebSocket, `/metrics`, the web dashboard. Bound to
   * 127.0.0.1 unless `host` says otherwise. Loads fastify on first use.
   * @returns the running server (`url`, `token`, `close()`).
   * @throws ConfigError for bad options (a non-loopback host without a token).
   */
  async serve(options: ServeOptions = {}): Promise<ControlServer> {
    const { serve } = await import("./control/serve.js");
    return serve(this, options);
  }

  /**
   * Fires the named signal: every task `on(name)` gets a run with `payload` as input.
   * @returns how many runs were queued.
   * @throws LifecycleError unless the scheduler is STARTED.
   */
  signal(name: string, payload?: unknown): number {
    this.assertStarted("signal()");
    const d = this.ctx.dispatcher;
    const before = d.queue.size + d.running.size;
    if (!this.firing.signal(name, payload)) return 0;
    return d.queue.size + d.running.size - before;
  }

  /** Listens to events of one type (or `'*'` for all). */
  on<T extends SchedulerEvent["type"] | "*">(
    type: T,
    fn: (e: T extends "*" ? SchedulerEvent : Extract<SchedulerEvent, { type: T }>) => void,
  ): this {
    this.ctx.events.on(type, fn as EventListener);
    return this;
  }

  /** Stops listening. */
  off(type: SchedulerEvent["type"] | "*", fn: (e: never) => void): this {
    this.ctx.events.off(type, fn as EventListener);
    return this;
  }

  /**
   * Every event from now on as an IxJS `AsyncIterableX` (see {@link SchedulerEvents}): bounded
   * buffer (`eventBuffer`, default 10,000, oldest dropped), ends when the scheduler stops.
   *
   * ```ts
   * import { filter, map } from "ix/asynciterable/operators";
   * for await (const id of scheduler.events().pipe(
   *   filter((e) => e.type === "lifecycle" && e.status === "failed"),
   *   map((e) => e.runId),
   * )) alert(id);
   * ```
   */
  events(): SchedulerEvents {
    return this.ctx.events.subscribe(this.state === "STOPPED");
  }

  /** Resolves when no run is queued, waiting for a retry, or running. */
  idle(): Promise<void> {
    return this.ctx.waiters.waitFor(() => this.ctx.dispatcher.isIdle());
  }

  /**
   * Stops gracefully, as BullMQ's `close()` and Temporal's worker shutdown do: triggers are
   * removed and queued runs dropped at once; **running runs go on untouched** (their
   * `bus.signal` is not aborted; `bus.draining` is, so a run may wrap up early: a StreamTask
   * drains its Env) for up to `timeoutMs`. Whatever still runs then is aborted (`bus.signal`
   * aborts with a TaskStoppedError, `proceed()` throws it) and, if it has not ended
   * `forceAfterMs` later, abandoned. A run that returns successfully meanwhile is recorded
   * `finished` and its task-store writes are committed; a run that fails meanwhile is not
   * retried: it goes to the dead-letter queue. The store is saved last.
   * @param options - an Error (the reason), or `{ timeoutMs, forceAfterMs, reason }`:
   *   `timeoutMs` the grace period in ms (default 30,000), `forceAfterMs` how long aborted runs
   *   get to end in ms (default 5,000); both on the scheduler's clock.
   * @throws ConfigError for an unknown option key or a negative time.
   */
  override stop(
    options?: Error | { timeoutMs?: number; forceAfterMs?: number; reason?: Error },
  ): Promise<void> {
    if (options instanceof Error || options === undefined) return super.stop(options);
    checkKeys("scheduler.stop(options)", options, ["timeoutMs", "forceAfterMs", "reason"]);
    if (options.timeoutMs !== undefined)
      this.timing.timeoutMs = checkInt("stop options.timeoutMs", options.timeoutMs, 0);
    if (options.forceAfterMs !== undefined)
      this.timing.forceAfterMs = checkInt("stop options.forceAfterMs", options.forceAfterMs, 0);
    return super.stop(options.reason);
  }

  /** Starts (see Startable): loads the store, catches up missed fires, arms triggers, runs what is queued. */
  override async start(): Promise<void> {
    await super.start();
    this.ctx.dispatcher.pump();
  }

  /** Alias of {@link Scheduler.start}: the original design's name (`await scheduler.bootstrap()`). */
  bootstrap(): Promise<void> {
    return this.start();
  }

  /**
   * Revives dead letters, the original design's `MassTaskScheduler.failback()`. The default
   * replays every dead letter whose task is spawned in this scheduler, once: a new run with the
   * same input, attempt 1 (failing again makes a new dead letter); dead letters of unknown tasks
   * stay. Override it in a subclass for another strategy (replay some, discard others, alert):
   * `this.deadLetters` has `list()`, `replay(id)` and `discard(id)`. The scheduler never calls it
   * on its own: call it when it suits (a cron task, a signal, an operator's action).
   * @returns the ids of the runs queued.
   * @throws LifecycleError when the scheduler is stopping or stopped.
   */
  async failback(): Promise<string[]> {
    const runIds: string[] = [];
    for (const entry of this.deadLetters.list()) {
      if (!this.ctx.defs.has(entry.taskId)) continue;
      runIds.push(await this.deadLetters.replay(entry.id));
    }
    return runIds;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  protected async onStarting(): Promise<void> {
    const ctx = this.ctx;
    await ctx.persistence.load();
    this.metrics.deadLetters.set(ctx.persistence.state.deadLetters.length);
    for (const def of ctx.defs.values()) {
      const target = this.target(def);
      this.firing.catchUp(target);
      for (const t of def.triggers) t.arm(this.firing.context(target));
    }
    this.graphReg.start();
  }

  protected async onStopping(reason?: Error): Promise<void> {
    await drainAndStop(this.ctx, this.timing, reason);
  }

  // ---- HandleHost ------------------------------------------------------------------------

  /** @internal */
  enqueue(def: TaskDef, input: unknown, firedAt: number | null, mode: "executor" | "clean"): string | null {
    this.assertAccepting(`queue a run of task "${def.options.id}"`);
    if (def.stopped) return null;
    return this.queueRun(def, input, firedAt ?? this.ctx.clock.now(), mode).runId;
  }

  /** Makes a run, queues it, and starts what may start. */
  private queueRun(
    def: TaskDef,
    input: unknown,
    firedAt: number,
    mode: "executor" | "clean",
    setup?: (run: TaskRun) => void,
  ): TaskRun {
    const ctx = this.ctx;
    const runId = `${def.options.id}:${this.instance}-${++this.runCounter}`;
    const run = new TaskRun(def, runId, input, firedAt, mode, ++this.seq);
    setup?.(run);
    def.active++;
    def.latest = run;
    ctx.dispatcher.push(run);
    ctx.events.lifecycle(run, "init", "queued");
    if (this.state === "STARTED") ctx.dispatcher.pump();
    return run;
  }

  /** @internal */
  addTrigger(def: TaskDef, t: Trigger): void {
    this.assertAccepting(`add a ${t.kind} trigger to task "${def.options.id}"`);
    if (def.stopped) throw new TaskError(`task "${def.options.id}" is stopped: it takes no new trigger`);
    def.triggers.push(t);
    if (this.state === "STARTED") t.arm(this.firing.context(this.target(def)));
  }

  /** @internal */
  cancel(def: TaskDef): number {
    const ctx = this.ctx;
    const d = ctx.dispatcher;
    const removed = [...d.queue.removeWhere((r) => r.def === def), ...def.parked.splice(0)];
    for (const [run, timer] of d.retryTimers) {
      if (run.def !== def) continue;
      ctx.clock.clearTimeout(timer);
      d.retryTimers.delete(run);
      removed.push(run);
    }
    for (const run of removed) ctx.execution.drop(run, "cancelled before it started");
    this.metrics.queueDepth.set(d.queue.size);
    ctx.waiters.check();
    return removed.length;
  }

  /** @internal */
  pause(def: TaskDef): void {
    def.paused = true;
  }

  /** @internal */
  resume(def: TaskDef): void {
    def.paused = false;
    const d = this.ctx.dispatcher;
    for (const run of d.running) {
      if (run.def === def && run.wake !== null) {
        const w = run.wake;
        run.wake = null;
        w();
      }
    }
    d.unpark(def);
    d.pump();
  }

  /** @internal */
  async stopTask(def: TaskDef, reason?: Error): Promise<void> {
    def.stopped = true;
    for (const t of def.triggers) t.disarm();
    this.cancel(def);
    const err = new TaskStoppedError(
      `task "${def.options.id}" stopped${reason ? `: ${reason.message}` : ""}`,
      {
        task: def.options.id,
        cause: reason,
      },
    );
    const d = this.ctx.dispatcher;
    const runs = [...d.running].filter((r) => r.def === def);
    for (const run of runs) d.requestStop(run, err);
    await this.ctx.waiters.waitFor(() => def.runningCount === 0);
  }

  /** @throws LifecycleError when the scheduler is STOPPING or STOPPED. */
  private assertAccepting(action: string): void {
    if (this.state === "STOPPING" || this.state === "STOPPED") {
      throw new LifecycleError(
        `scheduler: cannot ${action} while ${this.state}; create a new Scheduler to run more`,
      );
    }
  }

  /** A task as what its triggers fire. */
  private target(def: TaskDef): FireTarget {
    return taskTarget(this.ctx, def, (d, input, firedAt) => this.enqueue(d, input, firedAt, "executor"));
  }
}
