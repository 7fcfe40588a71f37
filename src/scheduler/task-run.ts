import type { GraphRunContext } from "./graph/graph-types.js";
import type { Queued } from "./run-queue.js";
import type { Json } from "./store/store-state.js";
import type { Progress, Task, TaskSpec } from "./task.js";
import type { ResolvedTaskOptions } from "./task-options.js";
import type { Trigger } from "./triggers.js";

/** Status of a task run (the batch-component model). */
export type RunStatus = "init" | "running" | "paused" | "stopped" | "finished" | "failed";

/** A spawned task: its implementation, options and triggers. @internal */
export interface TaskDef {
  readonly task: Task | TaskSpec;
  readonly options: ResolvedTaskOptions;
  paused: boolean;
  stopped: boolean;
  /** Runs queued or running (for `overlap`). */
  active: number;
  /** Runs started and not settled. */
  runningCount: number;
  /** Runs taken off the queue while the task could not run (paused, or one at a time). */
  parked: TaskRun[];
  readonly triggers: Trigger[];
  latest: TaskRun | null;
}

/**
 * Who owns a run and hears how it ends (a graph instance for its node runs). A run with an
 * owner is not dead-lettered when it fails: the owner records the failure.
 * @internal
 */
export interface RunOwner {
  /** The run's attempt started (status `running`). */
  started(run: TaskRun): void;
  /**
   * The run ended: `finished` (its value in `run.value`), `failed` (its error in `run.error`),
   * `stopped`, or `dropped` (never started: cancelled, or the scheduler stopped). The run keeps
   * its slot until the returned promise settles (the owner makes the outcome durable).
   */
  ended(run: TaskRun, how: "finished" | "failed" | "stopped" | "dropped"): Promise<void> | void;
}

/** Marks a staged delete. @internal */
export const DELETED: unique symbol = Symbol("deleted");

/**
 * The abort signal of one attempt, its AbortController made on first use: most runs never read
 * `bus.signal`, and a controller is the costliest object of a run. @internal
 */
export class AttemptSignal {
  private c: AbortController | null = null;
  /** The signal (made now if not yet). */
  get signal(): AbortSignal {
    this.c ??= new AbortController();
    return this.c.signal;
  }
  get aborted(): boolean {
    return this.c?.signal.aborted === true;
  }
  /** The abort reason, or undefined. */
  get reason(): unknown {
    return this.c?.signal.reason;
  }
  /** Aborts with `reason` (once). */
  abort(reason: unknown): void {
    this.c ??= new AbortController();
    if (!this.c.signal.aborted) this.c.abort(reason);
  }
}

/** One run of a task, through its attempts. @internal */
export class TaskRun implements Queued {
  status: RunStatus = "init";
  attempt = 1;
  startTime = 0;
  pausedMs = 0;
  pausedSince = 0;
  progress: Progress | null = null;
  /** The current attempt's signal (a new one per attempt). */
  controller = new AttemptSignal();
  stopRequested = false;
  preemptRequested = false;
  /** Resumes from the checkpoint after a preemption. */
  preempted = false;
  /** The attempt settled (or was abandoned after a timeout): late calls are ignored. */
  settled = false;
  /** Given up at the scheduler's stop: it no longer holds a slot, whatever it does later. */
  abandoned = false;
  wake: (() => void) | null = null;
  /** Staged store writes of the current attempt (created on first write). */
  staged: Map<string, Json | typeof DELETED> | null = null;
  firstFailureAt = 0;
  readonly priority: number;
  /** Who hears how the run ends (graph node runs). */
  owner: RunOwner | null = null;
  /** A graph node run's context (`bus.graph`). */
  graph: GraphRunContext | null = null;
  /** What the run returned (when it finished). */
  value: unknown = undefined;
  /** Its last error (when it failed or was stopped). */
  error: unknown = undefined;
  /** How it ended, for its owner (set when it ends). */
  endedAs: "finished" | "failed" | "stopped" | "dropped" | null = null;

  constructor(
    readonly def: TaskDef,
    readonly runId: string,
    readonly input: unknown,
    readonly firedAt: number,
    readonly mode: "executor" | "clean",
    public seq: number,
  ) {
    this.priority = def.options.priority;
  }
}
