import type { RunStatus, TaskRun } from "./task-run.js";

/**
 * A snapshot of one run that has not ended (queued, waiting for a retry, running or paused), as
 * `scheduler.runs()` returns it and the control plane serves it (see docs/control-plane.md). Times
 * are epoch ms of the scheduler's clock; durations are ms. Progress fields follow the batch
 * component's model: `usedMs` and `remainMs` leave paused time out.
 */
export interface RunInfo {
  readonly taskId: string;
  readonly runId: string;
  /** `init` (queued or waiting for a retry), `running` or `paused`. */
  readonly status: RunStatus;
  /** Where an `init` run waits: the priority `queue`, a `retry` backoff timer, or `parked` (its task is paused or runs one at a time). */
  readonly waiting: "queue" | "retry" | "parked" | undefined;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly priority: number;
  /** `executor`, or `clean` for a `handle.clean()` run. */
  readonly mode: "executor" | "clean";
  /** When its trigger fired. */
  readonly firedAt: number;
  /** When its first attempt started; `undefined` before. */
  readonly startTime: number | undefined;
  /** Units done (the last `proceed({ now })`), 0 before any. */
  readonly now: number;
  /** Units in all, when the task said. */
  readonly total: number | undefined;
  /** `now / total` in [0, 1], or `undefined` without a total. */
  readonly progress: number | undefined;
  /** Time spent running so far, paused time left out (0 before the start). */
  readonly usedMs: number;
  /** Estimated time left, `usedMs / now * (total - now)`; `undefined` without a total or before the first unit. */
  readonly remainMs: number | undefined;
  /** Time spent paused so far, the current pause included. */
  readonly pausedMs: number;
  /** When the current pause began; `undefined` unless paused. */
  readonly pausedSince: number | undefined;
  /** For a graph node's run: its graph, instance and node; `undefined` for a task's run. */
  readonly graph:
    | { readonly graphId: string; readonly instanceId: string; readonly node: string }
    | undefined;
}

/** Builds a {@link RunInfo} of `run` at time `now`. @internal */
export function runInfo(run: TaskRun, now: number, waiting: RunInfo["waiting"]): RunInfo {
  const paused = run.status === "paused";
  const pausedMs = run.pausedMs + (paused ? now - run.pausedSince : 0);
  const started = run.startTime > 0;
  const usedMs = started ? Math.max(0, now - run.startTime - pausedMs) : 0;
  const done = run.progress?.now ?? 0;
  const total = run.progress?.total;
  return {
    taskId: run.def.options.id,
    runId: run.runId,
    status: run.status,
    waiting: run.status === "init" ? waiting : undefined,
    attempt: run.attempt,
    priority: run.priority,
    mode: run.mode,
    firedAt: run.firedAt,
    startTime: started ? run.startTime : undefined,
    now: done,
    total,
    progress: total === undefined || total === 0 ? undefined : done / total,
    usedMs,
    remainMs: total === undefined || done <= 0 ? undefined : (usedMs / done) * Math.max(0, total - done),
    pausedMs,
    pausedSince: paused ? run.pausedSince : undefined,
    graph:
      run.graph === null
        ? undefined
        : { graphId: run.graph.graphId, instanceId: run.graph.instanceId, node: run.graph.node },
  };
}
