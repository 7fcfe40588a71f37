import { TaskStoppedError } from "../errors.js";
import type { SchedulerContext } from "./context.js";
import type { Json } from "./store/store-state.js";
import type { Proceed, TaskBus, TaskStoreTx } from "./task.js";
import { DELETED, type TaskRun } from "./task-run.js";

/** Thrown by `proceed()` in the run picked for preemption. @internal */
export class Preempted extends Error {}

/**
 * The `bus` of one attempt of `run` (the original design's bus): its signals, its transactional
 * view of the task store (reads see its own staged writes over the committed state), checkpoints,
 * custom events and context.
 * @internal
 */
export function createBus(ctx: SchedulerContext, run: TaskRun): TaskBus {
  const id = run.def.options.id;
  const committed = () => ctx.persistence.state.data[id];
  const store: TaskStoreTx = {
    get: <T extends Json>(key: string) => {
      const v = run.staged?.get(key);
      if (v === DELETED) return undefined;
      if (v !== undefined) return v as T;
      return committed()?.[key] as T | undefined;
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
      const ks = new Set(Object.keys(committed() ?? {}));
      for (const [k, v] of run.staged ?? []) {
        if (v === DELETED) ks.delete(k);
        else ks.add(k);
      }
      return [...ks];
    },
  };
  return {
    signal: run.controller.signal,
    draining: ctx.drain.signal,
    store,
    checkpoint: {
      load: <T extends Json>() =>
        run.def.options.restore || run.preempted
          ? (ctx.persistence.state.checkpoints[id] as T | undefined)
          : undefined,
      save: async (value) => {
        ctx.persistence.state.checkpoints[id] = structuredClone(value);
        await ctx.persistence.save();
      },
    },
    emit: (event, payload) => {
      ctx.events.emit({ type: "custom", id, runId: run.runId, event, payload, occurAt: ctx.clock.now() });
    },
    attempt: run.attempt,
    logger: ctx.logger,
    taskId: id,
    runId: run.runId,
    firedAt: run.firedAt,
    ...(run.graph === null ? {} : { graph: run.graph }),
  };
}

/**
 * The `proceed({ now, total })` of `run`: records progress (a progress event when someone
 * listens, paused time left out) and is where stop, preemption and pause take effect.
 * @internal
 */
export function createProceed(ctx: SchedulerContext, run: TaskRun): Proceed {
  return async (p?: { now: number; total?: number }): Promise<void> => {
    if (run.settled) throw run.controller.signal.reason ?? new TaskStoppedError("run already ended");
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
    if (run.stopRequested) throw run.controller.signal.reason ?? new TaskStoppedError("stopped");
    if (run.controller.signal.aborted) throw run.controller.signal.reason;
    if (run.preemptRequested) throw new Preempted();
    if (run.def.paused) {
      run.pausedSince = ctx.clock.now();
      ctx.execution.setStatus(run, "paused", "paused at proceed()");
      await new Promise<void>((resolve) => {
        run.wake = resolve;
      });
      run.pausedMs += ctx.clock.now() - run.pausedSince;
      if (run.stopRequested) throw run.controller.signal.reason ?? new TaskStoppedError("stopped");
      ctx.execution.setStatus(run, "running", "resumed");
    }
  };
}
