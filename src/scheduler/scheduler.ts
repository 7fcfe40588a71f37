import { EventEmitter } from "node:events";
import type { Registry } from "prom-client";
import {
  ConfigError,
  describeError,
  LifecycleError,
  TaskError,
  TaskStoppedError,
  TaskTimeoutError,
} from "../errors.js";
import { backoffDelay } from "../operators/fault-policy.js";
import { type Clock, systemClock } from "../util/clock.js";
import { getDefaultLogger, type Logger } from "../util/logger.js";
import { Startable } from "../util/startable.js";
import { checkInt, checkKeys, checkOneOf, show } from "../util/validate.js";
import { DeadLetterQueue } from "./dead-letter-queue.js";
import { EventBuffer, type LifecycleEvent, type SchedulerEvent, SchedulerEvents } from "./events.js";
import { SchedulerMetrics } from "./metrics.js";
import { RunQueue } from "./run-queue.js";
import { memoryStore } from "./store/memory-store.js";
import {
  type DeadLetterEntry,
  emptyState,
  type Json,
  type StoreState,
  type TaskStoreBackend,
} from "./store/store-state.js";
import { StreamTask } from "./stream-task.js";
import { Task, type TaskBus, type TaskClass, type TaskSpec, type TaskStoreTx } from "./task.js";
import { type HandleHost, TaskHandle } from "./task-handle.js";
import { resolveTaskOptions, type TaskOptions } from "./task-options.js";
import { DELETED, type RunStatus, type TaskDef, TaskRun } from "./task-run.js";
import type { Trigger, TriggerContext } from "./triggers.js";

/** Options of `new Scheduler(options)`. */
export interface SchedulerOptions {
  /** Runs at once, >= 1. Default 4. */
  concurrency?: number;
  /**
   * `'regular'` (default): a priority queue, FIFO within a priority. `'preemptive'`: when a
   * higher-priority run waits and no slot is free, the lowest-priority running run yields at its
   * next `proceed()` and is re-queued; it resumes later from its checkpoint.
   */
  mode?: "regular" | "preemptive";
  /** Where state persists (task store, checkpoints, dead letters, fire times). Default `memoryStore()`. */
  store?: TaskStoreBackend;
  /** Time and timers (inject a VirtualClock in tests). Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** A prom-client Registry for the metrics (default: a new one, at `scheduler.metrics.registry`). */
  metrics?: Registry;
  /** Events buffered per `events()` consumer before the oldest are dropped. Default 10,000. */
  eventBuffer?: number;
  /** Catch-up fires per trigger at most (`catchUp: 'all'`). Default 1,000. */
  maxCatchUp?: number;
}

const SCHEDULER_OPTION_KEYS = [
  "concurrency",
  "mode",
  "store",
  "clock",
  "logger",
  "metrics",
  "eventBuffer",
  "maxCatchUp",
];

/** Internal: thrown by proceed() in the run picked for preemption. */
class Preempted extends Error {}

/**
 * The scheduler (see docs/scheduler.md; also exported as `MassTaskScheduler`, the original
 * design's name): hosts tasks and stream tasks with one-shot and repeatable
 * triggers, regular or preemptive priority scheduling, retries, a persisted dead-letter queue, a
 * transactional task store, checkpoints, progress and lifecycle events, and prom-client metrics.
 * It is a service with the `READY -> STARTING -> STARTED -> STOPPING -> STOPPED` lifecycle.
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
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly backend: TaskStoreBackend;
  private store: StoreState = emptyState();
  private readonly defs = new Map<string, TaskDef>();
  private readonly queue = new RunQueue<TaskRun>();
  private readonly running = new Set<TaskRun>();
  private readonly emitter = new EventEmitter();
  private readonly buffers = new Set<EventBuffer>();
  private readonly signals = new Map<string, Set<(payload: unknown) => void>>();
  private readonly retryTimers = new Map<TaskRun, unknown>();
  private readonly eventBuffer: number;
  private readonly maxCatchUp: number;
  private saving: Promise<void> = Promise.resolve();
  private seq = 0;
  private runCounter = 0;
  private readonly instance = Date.now().toString(36);
  private waiters: { cond: () => boolean; resolve: () => void }[] = [];
  private stopTimeoutMs = 30_000;
  private forceAfterMs = 5_000;
  /** Aborted when a graceful stop begins: `bus.draining` of every run. */
  private readonly drain = new AbortController();

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
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? getDefaultLogger();
    this.backend = options.store ?? memoryStore();
    this.metrics = new SchedulerMetrics(options.metrics);
    this.eventBuffer = checkInt("scheduler options.eventBuffer", options.eventBuffer ?? 10_000, 1);
    this.maxCatchUp = checkInt("scheduler options.maxCatchUp", options.maxCatchUp ?? 1000, 1);
    this.emitter.setMaxListeners(0);
    this.deadLetters = new DeadLetterQueue({
      entries: () => this.store.deadLetters,
      remove: (id) => {
        const i = this.store.deadLetters.findIndex((e) => e.id === id);
        if (i < 0) return undefined;
        const [e] = this.store.deadLetters.splice(i, 1);
        this.metrics.deadLetters.set(this.store.deadLetters.length);
        return e;
      },
      requeue: (e) => {
        const def = this.defs.get(e.taskId);
        if (def === undefined)
          throw new TaskError(`deadLetters.replay: task "${e.taskId}" is not spawned in this scheduler`);
        const runId = this.enqueue(def, e.input, null, "executor");
        if (runId === null) throw new TaskError(`deadLetters.replay: task "${e.taskId}" is stopped`);
        return runId;
      },
      persist: () => this.persist(),
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
  spawnTask<In, Out>(
    task: TaskClass<In, Out> | Task<In, Out> | TaskSpec<In, Out>,
    options: TaskOptions = {},
  ): TaskHandle {
    let impl: Task | TaskSpec;
    let defaultId: string;
    if (typeof task === "function") {
      impl = new (task as TaskClass)();
      defaultId = task.name;
    } else if (
      task !== null &&
      typeof task === "object" &&
      typeof (task as TaskSpec).executor === "function"
    ) {
      impl = task as Task | TaskSpec;
      defaultId =
        task instanceof Task
          ? task.constructor.name
          : ((task as TaskSpec).name ?? `task${this.defs.size + 1}`);
    } else {
      throw new ConfigError(
        "spawnTask(task): expected a Task class, a Task instance or { executor(input, proceed, bus) }",
      );
    }
    const o = resolveTaskOptions(defaultId, options);
    if (options !== null && typeof options === "object") {
      if (typeof task !== "function" && !(task instanceof Task)) {
        for (const k of ["executor", "streamProcessExecutor", "clean"] as const)
          if (options[k] !== undefined)
            throw new ConfigError(
              `spawnTask(spec, options): options.${k} is for a Task class (spawnTask(MassTask, { ${k} })); put it in the spec object`,
            );
      }
      const methods = impl as unknown as Record<string, unknown>;
      for (const k of ["executor", "streamProcessExecutor", "clean"] as const) {
        const fn = options[k];
        if (fn === undefined) continue;
        if (typeof fn !== "function")
          throw new ConfigError(`spawnTask options.${k} must be a function, got ${show(fn)}`);
        if (k === "streamProcessExecutor" && !(impl instanceof StreamTask))
          throw new ConfigError(
            `spawnTask options.streamProcessExecutor needs a StreamTask class (MassStreamTask), got ${defaultId}`,
          );
        methods[k] = fn;
      }
    }
    if (typeof impl.executor !== "function")
      throw new ConfigError(
        `spawnTask: task "${o.id}" has no executor(input, proceed, bus); implement it or give options.executor`,
      );
    if (this.defs.has(o.id))
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
    this.defs.set(o.id, def);
    return new TaskHandle(this, def);
  }

  /**
   * Fires the named signal: every task `on(name)` gets a run with `payload` as input.
   * @returns how many runs were queued.
   * @throws LifecycleError unless the scheduler is STARTED.
   */
  signal(name: string, payload?: unknown): number {
    this.assertStarted("signal()");
    const fns = this.signals.get(name);
    if (fns === undefined) return 0;
    const before = this.queue.size + this.running.size;
    for (const fn of fns) fn(payload);
    return this.queue.size + this.running.size - before;
  }

  /** Listens to events of one type (or `'*'` for all). */
  on<T extends SchedulerEvent["type"] | "*">(
    type: T,
    fn: (e: T extends "*" ? SchedulerEvent : Extract<SchedulerEvent, { type: T }>) => void,
  ): this {
    this.emitter.on(type, fn as (e: SchedulerEvent) => void);
    return this;
  }

  /** Stops listening. */
  off(type: SchedulerEvent["type"] | "*", fn: (e: never) => void): this {
    this.emitter.off(type, fn as (e: SchedulerEvent) => void);
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
    const buffer = new EventBuffer(this.eventBuffer, () => this.buffers.delete(buffer));
    this.buffers.add(buffer);
    if (this.state === "STOPPED") buffer.end();
    return new SchedulerEvents(buffer);
  }

  /** Resolves when no run is queued, waiting for a retry, or running. */
  idle(): Promise<void> {
    return this.waitFor(() => this.isIdle());
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
      this.stopTimeoutMs = checkInt("stop options.timeoutMs", options.timeoutMs, 0);
    if (options.forceAfterMs !== undefined)
      this.forceAfterMs = checkInt("stop options.forceAfterMs", options.forceAfterMs, 0);
    return super.stop(options.reason);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  protected async onStarting(): Promise<void> {
    this.store = await this.backend.load();
    this.metrics.deadLetters.set(this.store.deadLetters.length);
    for (const def of this.defs.values()) {
      this.catchUp(def);
      for (const t of def.triggers) t.arm(this.triggerContext(def));
    }
  }

  /** Starts (see Startable): loads the store, catches up missed fires, arms triggers, runs what is queued. */
  override async start(): Promise<void> {
    await super.start();
    this.pump();
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
      if (!this.defs.has(entry.taskId)) continue;
      runIds.push(await this.deadLetters.replay(entry.id));
    }
    return runIds;
  }

  protected async onStopping(reason?: Error): Promise<void> {
    for (const def of this.defs.values()) for (const t of def.triggers) t.disarm();
    for (const [run, timer] of this.retryTimers) {
      this.clock.clearTimeout(timer);
      this.dropRun(run, "scheduler stopped before the retry");
    }
    this.retryTimers.clear();
    for (const run of this.queue.removeWhere(() => true))
      this.dropRun(run, "scheduler stopped before the run started");
    for (const def of this.defs.values())
      for (const run of def.parked.splice(0)) this.dropRun(run, "scheduler stopped before the run started");
    // drain: running runs go on untouched for the grace period
    for (const run of this.running) run.preemptRequested = false;
    const why = reason ? `: ${reason.message}` : "";
    this.drain.abort(
      new TaskStoppedError(`scheduler stopping${why}: runs have ${this.stopTimeoutMs} ms to end`, {
        cause: reason,
      }),
    );
    await this.waitForAtMost(() => this.running.size === 0, this.stopTimeoutMs);
    if (this.running.size > 0) {
      const stopping = new TaskStoppedError(
        `scheduler stopped${why}: the run was still running ${this.stopTimeoutMs} ms after the stop`,
        { cause: reason },
      );
      for (const run of this.running) this.requestStop(run, stopping);
      await this.waitForAtMost(() => this.running.size === 0, this.forceAfterMs);
    }
    for (const run of [...this.running]) {
      run.settled = true;
      run.staged = null;
      this.running.delete(run);
      run.def.runningCount--;
      this.finish(
        run,
        "stopped",
        `abandoned: still running ${this.forceAfterMs} ms after it was aborted at the scheduler stop`,
      );
    }
    this.metrics.running.set(0);
    await this.persist();
    for (const b of this.buffers) b.end();
    this.checkIdle();
  }

  // ---- HandleHost ------------------------------------------------------------------------

  /** @internal */
  enqueue(def: TaskDef, input: unknown, firedAt: number | null, mode: "executor" | "clean"): string | null {
    this.assertAccepting(`queue a run of task "${def.options.id}"`);
    if (def.stopped) return null;
    const runId = `${def.options.id}:${this.instance}-${++this.runCounter}`;
    const run = new TaskRun(def, runId, input, firedAt ?? this.clock.now(), mode, ++this.seq);
    def.active++;
    def.latest = run;
    this.queue.push(run);
    this.metrics.queueDepth.set(this.queue.size);
    this.emitLifecycle(run, "init", "queued");
    if (this.state === "STARTED") this.pump();
    return runId;
  }

  /** @internal */
  addTrigger(def: TaskDef, t: Trigger): void {
    this.assertAccepting(`add a ${t.kind} trigger to task "${def.options.id}"`);
    if (def.stopped) throw new TaskError(`task "${def.options.id}" is stopped: it takes no new trigger`);
    def.triggers.push(t);
    if (this.state === "STARTED") t.arm(this.triggerContext(def));
  }

  /** @internal */
  cancel(def: TaskDef): number {
    const removed = [...this.queue.removeWhere((r) => r.def === def), ...def.parked.splice(0)];
    for (const [run, timer] of this.retryTimers) {
      if (run.def !== def) continue;
      this.clock.clearTimeout(timer);
      this.retryTimers.delete(run);
      removed.push(run);
    }
    for (const run of removed) this.dropRun(run, "cancelled before it started");
    this.metrics.queueDepth.set(this.queue.size);
    this.checkIdle();
    return removed.length;
  }

  /** @internal */
  pause(def: TaskDef): void {
    def.paused = true;
  }

  /** @internal */
  resume(def: TaskDef): void {
    def.paused = false;
    for (const run of this.running) {
      if (run.def === def && run.wake !== null) {
        const w = run.wake;
        run.wake = null;
        w();
      }
    }
    this.unpark(def);
    this.pump();
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
    const runs = [...this.running].filter((r) => r.def === def);
    for (const run of runs) this.requestStop(run, err);
    await this.waitFor(() => def.runningCount === 0);
  }

  /** @throws LifecycleError when the scheduler is STOPPING or STOPPED. */
  private assertAccepting(action: string): void {
    if (this.state === "STOPPING" || this.state === "STOPPED") {
      throw new LifecycleError(
        `scheduler: cannot ${action} while ${this.state}; create a new Scheduler to run more`,
      );
    }
  }

  // ---- triggers and catch-up -------------------------------------------------------------

  private triggerContext(def: TaskDef): TriggerContext {
    return {
      clock: this.clock,
      fire: (firedAt, input) => this.fire(def, firedAt, input),
      onSignal: (name, fn) => {
        let set = this.signals.get(name);
        if (set === undefined) {
          set = new Set();
          this.signals.set(name, set);
        }
        set.add(fn);
        return () => set.delete(fn);
      },
    };
  }

  /** A repeatable fire: follows `overlap`, records the fire time for catch-up. */
  private fire(def: TaskDef, firedAt: number, input: unknown): void {
    if (def.stopped || this.state !== "STARTED") return;
    this.store.fires[def.options.id] = firedAt;
    void this.persist();
    if (def.paused) {
      this.logger.debug({ task: def.options.id }, "fire skipped: task paused");
      return;
    }
    if (def.options.overlap === "skip" && def.active > 0) {
      this.logger.debug(
        { task: def.options.id },
        "fire skipped: a run is still queued or running (overlap: 'skip')",
      );
      return;
    }
    this.enqueue(def, input, firedAt, "executor");
  }

  private catchUp(def: TaskDef): void {
    const last = this.store.fires[def.options.id];
    if (last === undefined || def.options.catchUp === "none") return;
    const now = this.clock.now();
    let missed: number[] = [];
    for (const t of def.triggers) if (t.missed) missed.push(...t.missed(last, now, this.maxCatchUp));
    missed.sort((a, b) => a - b);
    if (missed.length === 0) return;
    if (def.options.catchUp === "last") missed = [missed[missed.length - 1]];
    for (const at of missed) this.enqueue(def, undefined, at, "executor");
    this.store.fires[def.options.id] = missed[missed.length - 1];
  }

  // ---- dispatch --------------------------------------------------------------------------

  private eligible(run: TaskRun): boolean {
    const def = run.def;
    if (def.paused) return false;
    if (def.options.overlap !== "allow" && def.runningCount > 0) return false;
    return true;
  }

  private unpark(def: TaskDef): void {
    for (const run of def.parked.splice(0)) this.queue.push(run);
  }

  private pump(): void {
    if (this.state !== "STARTED") return;
    while (this.running.size < this.concurrency) {
      const run = this.queue.pop();
      if (run === undefined) break;
      if (!this.eligible(run)) {
        run.def.parked.push(run);
        continue;
      }
      void this.execute(run);
    }
    this.metrics.queueDepth.set(this.queue.size);
    if (this.mode === "preemptive" && this.running.size >= this.concurrency) {
      const top = this.queue.peek();
      if (top !== undefined) {
        let victim: TaskRun | null = null;
        for (const r of this.running) {
          if (r.preemptRequested || r.stopRequested || r.priority >= top.priority) continue;
          if (
            victim === null ||
            r.priority < victim.priority ||
            (r.priority === victim.priority && r.startTime > victim.startTime)
          ) {
            victim = r;
          }
        }
        if (victim !== null) victim.preemptRequested = true;
      }
    }
    this.checkIdle();
  }

  private async execute(run: TaskRun): Promise<void> {
    const def = run.def;
    const o = def.options;
    this.running.add(run);
    def.runningCount++;
    this.metrics.running.set(this.running.size);
    run.controller = new AbortController();
    run.settled = false;
    run.staged = null; // every attempt starts from the committed state
    run.preemptRequested = false;
    if (run.startTime === 0) run.startTime = this.clock.now();
    this.setStatus(
      run,
      "running",
      run.attempt > 1 ? `attempt ${run.attempt}` : run.preempted ? "resumed after preemption" : "started",
    );
    const bus = this.bus(run);
    const proceed = this.proceed(run);
    let timer: unknown = null;
    let outcome: { ok: true; value: unknown } | { ok: false; err: unknown };
    try {
      const impl = def.task;
      const work = Promise.resolve().then(() =>
        run.mode === "clean"
          ? (impl.clean?.(run.input as never, proceed, bus) ?? undefined)
          : impl.executor(run.input as never, proceed, bus),
      );
      let value: unknown;
      if (Number.isFinite(o.timeoutMs)) {
        value = await new Promise<unknown>((resolve, reject) => {
          timer = this.clock.setTimeout(() => {
            const err = new TaskTimeoutError(
              `task "${o.id}" run ${run.runId} took longer than ${o.timeoutMs} ms`,
              { task: o.id },
            );
            run.controller.abort(err);
            reject(err);
          }, o.timeoutMs);
          work.then(resolve, reject);
        });
      } else value = await work;
      outcome = { ok: true, value };
    } catch (err) {
      outcome = { ok: false, err };
    }
    if (timer !== null) this.clock.clearTimeout(timer);
    if (run.settled) return; // abandoned at stop
    run.settled = true;
    // the run keeps its slot until its outcome is durable (store commit, dead letter): the
    // number of commits in flight stays bounded by `concurrency`, and idle() means settled
    await this.settle(run, outcome);
    this.running.delete(run);
    def.runningCount--;
    this.metrics.running.set(this.running.size);
    this.unpark(def);
    this.pump();
    this.checkIdle();
  }

  private async settle(
    run: TaskRun,
    outcome: { ok: true; value: unknown } | { ok: false; err: unknown },
  ): Promise<void> {
    if (outcome.ok) return this.commit(run, outcome.value);
    run.staged = null;
    if (outcome.err instanceof Preempted) {
      if (this.state !== "STARTED") {
        this.finish(run, "stopped", "preempted while the scheduler stopped: not re-queued");
        return;
      }
      run.preempted = true;
      run.seq = ++this.seq;
      this.emitLifecycle(run, "init", "preempted: re-queued, resumes from its checkpoint");
      run.status = "init";
      this.queue.push(run);
      return;
    }
    if (run.stopRequested) {
      this.finish(run, "stopped", describeError(run.controller.signal.reason ?? "stopped"));
      return;
    }
    await this.failed(run, outcome.err);
  }

  /**
   * A run returned: its staged writes are committed with its success (even if a stop was
   * requested meanwhile: finished work is kept). A failed commit is rolled back in memory and
   * fails the attempt (retried per policy, the retry starting from the committed state).
   */
  private async commit(run: TaskRun, value: unknown): Promise<void> {
    const def = run.def;
    const id = def.options.id;
    const hadData = Object.hasOwn(this.store.data, id);
    const before = this.store.data[id];
    const hadCheckpoint = Object.hasOwn(this.store.checkpoints, id);
    const checkpoint = this.store.checkpoints[id];
    if (run.staged !== null) {
      const ns = { ...before };
      for (const [k, v] of run.staged) {
        if (v === DELETED) delete ns[k];
        else ns[k] = v;
      }
      this.store.data[id] = ns;
    }
    if (def.options.restore || run.preempted) delete this.store.checkpoints[id];
    run.staged = null;
    try {
      await this.persist();
    } catch (err) {
      if (hadData) this.store.data[id] = before;
      else delete this.store.data[id];
      if (hadCheckpoint) this.store.checkpoints[id] = checkpoint;
      return this.failed(
        run,
        new TaskError(`task "${id}": committing the task store failed: ${describeError(err)}`, {
          task: id,
          cause: err,
          retriable: true,
        }),
      );
    }
    const report = value as { recordsIn?: unknown; recordsOut?: unknown; lateDropped?: unknown } | null;
    if (def.task instanceof StreamTask && report !== null && typeof report === "object") {
      this.metrics.streamRecords.inc({ task: id, direction: "in" }, Number(report.recordsIn) || 0);
      this.metrics.streamRecords.inc({ task: id, direction: "out" }, Number(report.recordsOut) || 0);
      this.metrics.streamRecords.inc(
        { task: id, direction: "late_dropped" },
        Number(report.lateDropped) || 0,
      );
    }
    const done = run.mode === "clean" ? "cleaned" : "finished";
    this.finish(
      run,
      "finished",
      run.stopRequested || this.state !== "STARTED"
        ? `${done} (it completed before the requested stop)`
        : done,
    );
  }

  private async failed(run: TaskRun, err: unknown): Promise<void> {
    const def = run.def;
    const o = def.options;
    const now = this.clock.now();
    if (run.firstFailureAt === 0) run.firstFailureAt = now;
    const p = o.retry;
    const retriable = run.attempt < p.attempts && p.retryOn(err);
    if (retriable && this.state === "STARTED") {
      const delay = backoffDelay(p.backoff, run.attempt + 1);
      this.emitLifecycle(
        run,
        "failed",
        `attempt ${run.attempt} of ${p.attempts} failed: ${describeError(err)}; retrying in ${Math.round(delay)} ms`,
      );
      run.status = "init";
      const timer = this.clock.setTimeout(() => {
        this.retryTimers.delete(run);
        run.attempt++;
        run.seq = ++this.seq;
        this.queue.push(run);
        this.pump();
      }, delay);
      this.retryTimers.set(run, timer);
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    const entry: DeadLetterEntry = {
      id: `dl:${run.runId}`,
      taskId: o.id,
      runId: run.runId,
      input: toJson(run.input),
      error: { name: e.name, message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) },
      attempts: run.attempt,
      firstFailureAt: run.firstFailureAt,
      lastFailureAt: now,
    };
    this.store.deadLetters.push(entry);
    this.metrics.deadLetters.set(this.store.deadLetters.length);
    try {
      await this.persist();
    } catch (perr) {
      this.logger.error({ task: o.id, err: perr }, "could not persist a dead letter");
    }
    this.finish(
      run,
      "failed",
      `failed after ${run.attempt} attempt(s): ${describeError(err)}; ` +
        (retriable ? "not retried: the scheduler is stopping; " : "") +
        `dead letter ${entry.id}`,
    );
  }

  private finish(run: TaskRun, status: RunStatus, msg: string): void {
    run.def.active--;
    this.setStatus(run, status, msg);
    this.metrics.runs.inc({ task: run.def.options.id, status });
    this.metrics.duration.observe({ task: run.def.options.id }, (this.clock.now() - run.startTime) / 1000);
    this.checkIdle();
  }

  private dropRun(run: TaskRun, msg: string): void {
    run.def.active--;
    this.setStatus(run, "stopped", msg);
  }

  private requestStop(run: TaskRun, err: Error): void {
    run.stopRequested = true;
    if (!run.controller.signal.aborted) run.controller.abort(err);
    if (run.wake !== null) {
      const w = run.wake;
      run.wake = null;
      w();
    }
  }

  private isIdle(): boolean {
    if (this.queue.size > 0 || this.running.size > 0 || this.retryTimers.size > 0) return false;
    for (const d of this.defs.values()) if (d.parked.length > 0 && !d.paused) return false;
    return true;
  }

  /** Resolves when `cond()` holds (re-checked at every change of runs). */
  private waitFor(cond: () => boolean): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ cond, resolve }));
  }

  /** Resolves when `cond()` holds or after `ms` on the scheduler's clock (at once for 0). */
  private async waitForAtMost(cond: () => boolean, ms: number): Promise<void> {
    if (cond() || ms === 0) return;
    let timedOut!: () => void;
    const timeout = new Promise<void>((resolve) => {
      timedOut = resolve;
    });
    const waiter = { cond, resolve: () => {} };
    const met = new Promise<void>((resolve) => {
      waiter.resolve = resolve;
    });
    this.waiters.push(waiter);
    const timer = this.clock.setTimeout(timedOut, ms);
    await Promise.race([met, timeout]);
    this.clock.clearTimeout(timer);
    this.waiters = this.waiters.filter((w) => w !== waiter);
  }

  /** Re-checks the waiters' conditions. */
  private checkIdle(): void {
    if (this.waiters.length === 0) return;
    const still: { cond: () => boolean; resolve: () => void }[] = [];
    for (const w of this.waiters) {
      if (w.cond()) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  // ---- the bus ---------------------------------------------------------------------------

  private bus(run: TaskRun): TaskBus {
    const id = run.def.options.id;
    const store: TaskStoreTx = {
      get: <T extends Json>(key: string) => {
        const v = run.staged?.get(key);
        if (v === DELETED) return undefined;
        if (v !== undefined) return v as T;
        return this.store.data[id]?.[key] as T | undefined;
      },
      set: (key, value) => {
        run.staged ??= new Map();
        run.staged.set(key, structuredClone(value));
      },
      delete: (key) => {
        run.staged ??= new Map();
        run.staged.set(key, DELETED);
      },
      keys: () => {
        const ks = new Set(Object.keys(this.store.data[id] ?? {}));
        for (const [k, v] of run.staged ?? []) {
          if (v === DELETED) ks.delete(k);
          else ks.add(k);
        }
        return [...ks];
      },
    };
    return {
      signal: run.controller.signal,
      draining: this.drain.signal,
      store,
      checkpoint: {
        load: <T extends Json>() =>
          run.def.options.restore || run.preempted
            ? (this.store.checkpoints[id] as T | undefined)
            : undefined,
        save: async (value) => {
          this.store.checkpoints[id] = structuredClone(value);
          await this.persist();
        },
      },
      emit: (event, payload) => {
        this.emit({ type: "custom", id, runId: run.runId, event, payload, occurAt: this.clock.now() });
      },
      attempt: run.attempt,
      logger: this.logger,
      taskId: id,
      runId: run.runId,
      firedAt: run.firedAt,
    };
  }

  private proceed(run: TaskRun) {
    return async (p?: { now: number; total?: number }): Promise<void> => {
      if (run.settled) throw run.controller.signal.reason ?? new TaskStoppedError("run already ended");
      if (p !== undefined) {
        run.progress = { now: p.now, ...(p.total === undefined ? {} : { total: p.total }) };
        if (
          this.emitter.listenerCount("progress") + this.emitter.listenerCount("*") + this.buffers.size >
          0
        ) {
          const usedMs = this.clock.now() - run.startTime - run.pausedMs;
          const total = p.total;
          this.emit({
            type: "progress",
            id: run.def.options.id,
            runId: run.runId,
            now: p.now,
            total,
            progress: total === undefined || total === 0 ? undefined : p.now / total,
            startTime: run.startTime,
            usedMs,
            remainMs: total === undefined || p.now <= 0 ? undefined : (usedMs / p.now) * (total - p.now),
          });
        }
      }
      if (run.stopRequested) throw run.controller.signal.reason ?? new TaskStoppedError("stopped");
      if (run.controller.signal.aborted) throw run.controller.signal.reason;
      if (run.preemptRequested) throw new Preempted();
      if (run.def.paused) {
        run.pausedSince = this.clock.now();
        this.setStatus(run, "paused", "paused at proceed()");
        await new Promise<void>((resolve) => {
          run.wake = resolve;
        });
        run.pausedMs += this.clock.now() - run.pausedSince;
        if (run.stopRequested) throw run.controller.signal.reason ?? new TaskStoppedError("stopped");
        this.setStatus(run, "running", "resumed");
      }
    };
  }

  // ---- events and persistence --------------------------------------------------------------

  private setStatus(run: TaskRun, status: RunStatus, msg: string): void {
    run.status = status;
    this.emitLifecycle(run, status, msg);
  }

  private emitLifecycle(run: TaskRun, status: RunStatus, msg: string): void {
    if (this.emitter.listenerCount("lifecycle") + this.emitter.listenerCount("*") + this.buffers.size === 0)
      return;
    const e: LifecycleEvent = {
      type: "lifecycle",
      id: run.def.options.id,
      runId: run.runId,
      status,
      msg,
      occurAt: this.clock.now(),
      attempt: run.attempt,
    };
    this.emit(e);
  }

  private emit(e: SchedulerEvent): void {
    this.emitter.emit(e.type, e);
    this.emitter.emit("*", e);
    for (const b of this.buffers) b.push(e);
  }

  /** Saves the state (serialised). */
  private persist(): Promise<void> {
    const p = this.saving.then(() => this.backend.save(this.store));
    this.saving = p.catch((err) => this.logger.error({ store: this.backend.name, err }, "store save failed"));
    return p;
  }
}

function toJson(x: unknown): Json {
  if (x === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(x)) as Json;
  } catch {
    return String(x);
  }
}
