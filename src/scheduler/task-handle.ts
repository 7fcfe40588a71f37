import type { EventEmitter } from "node:events";
import type { Env } from "../env/env.js";
import type { RunReport } from "../env/report.js";
import { ConfigError } from "../errors.js";
import { checkKeys } from "../util/validate.js";
import { StreamTask } from "./stream-task.js";
import type { Progress } from "./task.js";
import type { RunStatus, TaskDef } from "./task-run.js";
import {
  AtTrigger,
  CronTrigger,
  EmitterTrigger,
  EveryTrigger,
  earliestFireAt,
  SignalTrigger,
  type Trigger,
} from "./triggers.js";

/** What a handle needs from its scheduler. @internal */
export interface HandleHost {
  enqueue(def: TaskDef, input: unknown, firedAt: number | null, mode: "executor" | "clean"): string | null;
  addTrigger(def: TaskDef, t: Trigger): void;
  cancel(def: TaskDef): number;
  pause(def: TaskDef): void;
  resume(def: TaskDef): void;
  stopTask(def: TaskDef, reason?: Error): Promise<void>;
}

/**
 * What `scheduler.spawnTask()` returns: triggers (`sched`, `at`, `atEvery`, `every`, `on`,
 * chainable), control (`cancel`, `pause`, `resume`, `stop`, `clean`) and the latest run's
 * `status` and `progress`.
 */
export class TaskHandle {
  /** @internal */
  constructor(
    private readonly host: HandleHost,
    /** @internal */ readonly def: TaskDef,
  ) {}

  /** The task id. */
  get id(): string {
    return this.def.options.id;
  }

  /** The task's display name (`name` or `taskName`; default: the id). */
  get name(): string {
    return this.def.options.name;
  }

  /** The task's description (`description` or `taskDescription`; default: empty). */
  get description(): string {
    return this.def.options.description;
  }

  /** Status of the latest run (`init` before any). */
  get status(): RunStatus {
    return this.def.latest?.status ?? "init";
  }

  /** Progress of the latest run. */
  get progress(): Progress {
    return this.def.latest?.progress ?? { now: 0 };
  }

  /** `'stream'` for a {@link StreamTask}, `'task'` otherwise. */
  get kind(): "task" | "stream" {
    return this.def.task instanceof StreamTask ? "stream" : "task";
  }

  /** `options.priority` (default 0). */
  get priority(): number {
    return this.def.options.priority;
  }

  /** Whether `pause()` is in effect. */
  get paused(): boolean {
    return this.def.paused;
  }

  /** Whether `stop()` was called: the task takes no new run. */
  get stopped(): boolean {
    return this.def.stopped;
  }

  /** The triggers, one line each (`"every 1000 ms"`, `"cron 0 9 * * * (Europe/Paris)"`, `"signal reindex"`). */
  get triggers(): string[] {
    return this.def.triggers.map((t) => t.describe());
  }

  /**
   * The earliest next fire time of the armed time triggers (`at`, `every`, `atEvery`), epoch ms;
   * `undefined` when none is armed (scheduler not started, task stopped, signal triggers only).
   */
  get nextFireAt(): number | undefined {
    return earliestFireAt(this.def.triggers);
  }

  /** For a stream task, the Envs of its running runs by run id (live: read their topology and stats); empty otherwise. */
  liveEnvs(): ReadonlyMap<string, Env> {
    return this.def.task instanceof StreamTask ? new Map(this.def.task.liveEnvs) : new Map();
  }

  /** For a stream task, the RunReport of its last ended run (finished, stopped or failed); `undefined` otherwise. */
  get lastReport(): RunReport | undefined {
    return this.def.task instanceof StreamTask ? this.def.task.lastReport : undefined;
  }

  /**
   * Queues a run now with `input` (one-shot). On a scheduler that is not started yet, the run
   * waits for `start()`.
   * @returns the run id, or `null` when the task is stopped (`handle.stop()`).
   * @throws LifecycleError when the scheduler is stopping or stopped.
   */
  sched(input?: unknown): string | null {
    return this.host.enqueue(this.def, input, null, "executor");
  }

  /** Runs once at `date` (at start if it is already past). */
  at(date: Date | number): this {
    const t = typeof date === "number" ? date : date.getTime();
    if (!Number.isFinite(t)) throw new ConfigError(`at(date): not a valid date: ${String(date)}`);
    this.host.addTrigger(this.def, new AtTrigger(t));
    return this;
  }

  /**
   * Runs on a cron schedule (croner syntax: 5 fields, or 6 with seconds first), in `tz` (IANA
   * name such as `"Europe/Paris"`, default the process's zone; DST handled by croner).
   * @throws ConfigError for an invalid expression, an unknown time zone or an unknown option key
   *   (checked here, not at `start()`).
   * @throws LifecycleError when the scheduler is stopping or stopped.
   */
  atEvery(cron: string, options: { tz?: string } = {}): this {
    checkKeys(`atEvery(${JSON.stringify(cron)}, options)`, options, ["tz"]);
    this.host.addTrigger(this.def, new CronTrigger(cron, options?.tz));
    return this;
  }

  /**
   * Alias of {@link TaskHandle.atEvery}: the original design's spelling (Mass v1/v2 code runs
   * unchanged).
   */
  at_every(cron: string, options: { tz?: string } = {}): this {
    return this.atEvery(cron, options);
  }

  /**
   * Runs every `ms` milliseconds.
   * @throws ConfigError unless `ms` is a positive integer.
   */
  every(ms: number): this {
    if (!Number.isInteger(ms) || ms <= 0)
      throw new ConfigError(`every(ms): ms must be a positive integer, got ${ms}`);
    this.host.addTrigger(this.def, new EveryTrigger(ms));
    return this;
  }

  /**
   * Runs on a named scheduler signal (`on('reindex')`, fired by `scheduler.signal('reindex',
   * payload)`), or on an EventEmitter event (`on(emitter, 'event')`, also `on(process, 'SIGHUP')`);
   * the payload is the run's input.
   */
  on(signal: string): this;
  on(emitter: EventEmitter | NodeJS.Process, event: string): this;
  on(a: string | EventEmitter | NodeJS.Process, event?: string): this {
    if (typeof a === "string") this.host.addTrigger(this.def, new SignalTrigger(a));
    else {
      if (typeof event !== "string") throw new ConfigError("on(emitter, event): event must be a string");
      this.host.addTrigger(this.def, new EmitterTrigger(a, event));
    }
    return this;
  }

  /** Removes this task's runs not yet started. @returns how many. */
  cancel(): number {
    return this.host.cancel(this.def);
  }

  /** Pauses: no new run starts, fires are skipped, a running run waits at its next `proceed()`. */
  pause(): void {
    this.host.pause(this.def);
  }

  /** Resumes after `pause()`. */
  resume(): void {
    this.host.resume(this.def);
  }

  /**
   * Stops the task for good: triggers removed, queued runs dropped, a running run stopped at its
   * next `proceed()` (TaskStoppedError; its signal aborts). Resolves when no run is running.
   */
  stop(reason?: Error): Promise<void> {
    return this.host.stopTask(this.def, reason);
  }

  /** Queues a run of the task's `clean(input, proceed, bus)` (the data-clean mode). */
  clean(input?: unknown): string | null {
    return this.host.enqueue(this.def, input, null, "clean");
  }
}
