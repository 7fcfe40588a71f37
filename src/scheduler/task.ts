import type { Logger } from "../util/logger.js";
import type { GraphRunContext } from "./graph/graph-types.js";
import type { Json } from "./store/store-state.js";

/** What `proceed()` takes: progress so far (`now` of `total` units, any unit). */
export interface Progress {
  now: number;
  total?: number;
}

/**
 * `await proceed({ now, total })`: reports progress and is the cooperative checkpoint where
 * pause, stop and preemption take effect. Resolves when the task may go on (after a pause, when
 * resumed); throws {@link TaskStoppedError} when the run was stopped (let it propagate).
 */
export type Proceed = (progress?: Progress) => Promise<void>;

/**
 * The run's transactional view of the task store (its own namespace: the task id). Writes are
 * staged and committed atomically when the run succeeds, discarded when it fails; each retry
 * starts from the committed state. Values are JSON.
 */
export interface TaskStoreTx {
  get<T extends Json = Json>(key: string): T | undefined;
  set(key: string, value: Json): void;
  delete(key: string): void;
  /** Keys visible to this run (committed and staged). */
  keys(): string[];
}

/** Checkpoints: persisted at once, outside the transaction (they survive a failed attempt). */
export interface Checkpoint {
  /** The last saved checkpoint, when the task has `restore: true` or the run resumes after preemption. */
  load<T extends Json = Json>(): T | undefined;
  /** Saves and persists `value` (resolves once written). */
  save(value: Json): Promise<void>;
}

/** The third argument of `executor` (the original design's bus). */
export interface TaskBus {
  /**
   * Aborted when the run is stopped (`handle.stop()`), times out, or is still running when the
   * scheduler's stop grace period is over (reason: a TaskStoppedError or TaskTimeoutError).
   */
  readonly signal: AbortSignal;
  /**
   * Aborted when the scheduler begins a graceful stop (`scheduler.stop({ timeoutMs })`): the run
   * is not interrupted and may finish normally within the grace period; a long run can use this
   * notice to wrap up early (a StreamTask drains its Env). `signal` aborts only if it is still
   * running when the grace period is over.
   */
  readonly draining: AbortSignal;
  readonly store: TaskStoreTx;
  readonly checkpoint: Checkpoint;
  /** Emits a custom event `{ type: 'custom', id, runId, event, payload }` to scheduler listeners. */
  emit(event: string, payload?: unknown): void;
  /** 1 for the first attempt, then 2, 3... on retries. */
  readonly attempt: number;
  readonly logger: Logger;
  readonly taskId: string;
  readonly runId: string;
  /** When the trigger fired (epoch ms); for catch-up runs, the missed fire time. */
  readonly firedAt: number;
  /** For a node of an execution graph: its graph, instance, node name and inputs. */
  readonly graph?: GraphRunContext;
}

/**
 * A task (the original design's name): implement `executor(input, proceed, bus)`; optionally
 * `clean(input, proceed, bus)` for the data-clean mode (`handle.clean()`).
 * @typeParam In - input type. @typeParam Out - result type.
 */
export abstract class Task<In = unknown, Out = unknown> {
  /** Runs once per run (attempt). Throwing fails the attempt (retry policy, then dead letter). */
  abstract executor(input: In, proceed: Proceed, bus: TaskBus): Promise<Out> | Out;
  /** The data-clean mode, run by `handle.clean()`. */
  clean?(input: In, proceed: Proceed, bus: TaskBus): Promise<void> | void;
}

/** Configuration style: `scheduler.spawnTask({ executor(input, proceed, bus) { ... } }, options)`. */
export interface TaskSpec<In = unknown, Out = unknown> {
  /** Display name and default id. */
  name?: string;
  executor(input: In, proceed: Proceed, bus: TaskBus): Promise<Out> | Out;
  clean?(input: In, proceed: Proceed, bus: TaskBus): Promise<void> | void;
}

/** A Task class with a no-argument constructor. */
export type TaskClass<In = unknown, Out = unknown> = new () => Task<In, Out>;
