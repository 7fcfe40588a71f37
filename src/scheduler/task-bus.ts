import { TaskStoppedError } from "../errors.js";
import type { Logger } from "../util/logger.js";
import type { SchedulerContext } from "./context.js";
import type { GraphRunContext } from "./graph/graph-types.js";
import type { Json } from "./store/store-state.js";
import type { Checkpoint, Proceed, TaskBus, TaskStoreTx } from "./task.js";
import { type AttemptSignal, DELETED, type TaskRun } from "./task-run.js";

/** Thrown by `proceed()` in the run picked for preemption. @internal */
export class Preempted extends Error {}

/** A run's transactional view of its task's namespace: reads see its staged writes over the committed state. */
class RunStore implements TaskStoreTx {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly run: TaskRun,
    private readonly id: string,
  ) {}

  private committed(): Record<string, Json> | undefined {
    return this.ctx.persistence.state.data[this.id];
  }

  get<T extends Json = Json>(key: string): T | undefined {
    const v = this.run.staged?.get(key);
    if (v === DELETED) return undefined;
    if (v !== undefined) return v as T;
    return this.committed()?.[key] as T | undefined;
  }

  set(key: string, value: Json): void {
    this.run.staged ??= new Map();
    this.run.staged.set(key, structuredClone(value));
  }

  delete(key: string): void {
    this.run.staged ??= new Map();
    this.run.staged.set(key, DELETED);
  }

  keys(): string[] {
    const ks = new Set(Object.keys(this.committed() ?? {}));
    for (const [k, v] of this.run.staged ?? []) {
      if (v === DELETED) ks.delete(k);
      else ks.add(k);
    }
    return [...ks];
  }
}

/** Checkpoints of a run's task: saved at once, outside the transaction. */
class RunCheckpoint implements Checkpoint {
  constructor(
    private readonly ctx: SchedulerContext,
    private readonly run: TaskRun,
    private readonly id: string,
  ) {}

  load<T extends Json = Json>(): T | undefined {
    return this.run.def.options.restore || this.run.preempted
      ? (this.ctx.persistence.state.checkpoints[this.id] as T | undefined)
      : undefined;
  }

  async save(value: Json): Promise<void> {
    this.ctx.persistence.state.checkpoints[this.id] = structuredClone(value);
    await this.ctx.persistence.save();
  }
}

/**
 * The `bus` of one attempt of a run (the original design's bus): its signals, its transactional
 * view of the task store, checkpoints, custom events and context. Methods on prototypes, and
 * the attempt's AbortController made only when `signal` is read: a bus is cheap to make.
 * @internal
 */
class RunBus implements TaskBus {
  readonly store: TaskStoreTx;
  readonly checkpoint: Checkpoint;
  readonly attempt: number;
  readonly taskId: string;
  readonly runId: string;
  readonly firedAt: number;
  readonly graph?: GraphRunContext;

  constructor(
    private readonly ctx: SchedulerContext,
    run: TaskRun,
    private readonly attemptSignal: AttemptSignal,
  ) {
    const id = run.def.options.id;
    this.store = new RunStore(ctx, run, id);
    this.checkpoint = new RunCheckpoint(ctx, run, id);
    this.attempt = run.attempt;
    this.taskId = id;
    this.runId = run.runId;
    this.firedAt = run.firedAt;
    if (run.graph !== null) this.graph = run.graph;
  }

  get signal(): AbortSignal {
    return this.attemptSignal.signal;
  }

  get draining(): AbortSignal {
    return this.ctx.drain.signal;
  }

  get logger(): Logger {
    return this.ctx.logger;
  }

  emit(event: string, payload?: unknown): void {
    this.ctx.events.emit({
      type: "custom",
      id: this.taskId,
      runId: this.runId,
      event,
      payload,
      occurAt: this.ctx.clock.now(),
    });
  }
}

/** The `bus` of the current attempt of `run`. @internal */
export function createBus(ctx: SchedulerContext, run: TaskRun): TaskBus {
  return new RunBus(ctx, run, run.controller);
}

/**
 * The `proceed({ now, total })` of `run`: records progress (a progress event when someone
 * listens, paused time left out) and is where stop, preemption and pause take effect.
 * @internal
 */
export function createProceed(ctx: SchedulerContext, run: TaskRun): Proceed {
  return async (p?: { now: number; total?: number }): Promise<void> => {
    if (run.settled) throw run.controller.reason ?? new TaskStoppedError("run already ended");
    if (p !== undefined) {
      run.progress = { now: p.now, ...(p.total === undefined ? {} : { total: p.total }) };
      if (ctx.events.listening("progress")) {
        const usedMs = ctx.clock.now() - run.startTime - run.pausedMs;
        const total = p.total;
        ctx.events.emit({
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
    if (run.stopRequested) throw run.controller.reason ?? new TaskStoppedError("stopped");
    if (run.controller.aborted) throw run.controller.reason;
    if (run.preemptRequested) throw new Preempted();
    if (run.def.paused) {
      run.pausedSince = ctx.clock.now();
      ctx.execution.setStatus(run, "paused", "paused at proceed()");
      await new Promise<void>((resolve) => {
        run.wake = resolve;
      });
      run.pausedMs += ctx.clock.now() - run.pausedSince;
      if (run.stopRequested) throw run.controller.reason ?? new TaskStoppedError("stopped");
      ctx.execution.setStatus(run, "running", "resumed");
    }
  };
}
