import { ConfigError } from "../errors.js";
import { type Backoff, type RetryPolicy, retry } from "../operators/fault-policy.js";
import { checkInt, checkOneOf } from "../util/validate.js";

/** Options of `scheduler.spawnTask(task, options)`. */
export interface TaskOptions {
  /** Unique id (store namespace, events, dead letters). Default: the task's name or class name. */
  id?: string;
  name?: string;
  description?: string;
  /** Higher runs first; FIFO within a priority. Default 0. */
  priority?: number;
  /** Retry policy as data. Default: one attempt. */
  retry?: { attempts?: number; backoff?: Backoff; retryOn?: (err: unknown) => boolean };
  /** A run taking longer fails with TaskTimeoutError (its signal aborts, its slot is freed). Default none. */
  timeoutMs?: number;
  /**
   * What a repeatable trigger does when the task still has a run queued or running:
   * `'skip'` the fire (default), `'queue'` it (runs of the task one at a time), `'allow'` a run
   * in parallel.
   */
  overlap?: "skip" | "queue" | "allow";
  /** Fires of `every`/`atEvery` missed while the scheduler was down: `'none'` (default), `'last'` once, `'all'`. */
  catchUp?: "none" | "last" | "all";
  /** Give the last checkpoint to the next run or retry (`bus.checkpoint.load()`). Default false. */
  restore?: boolean;
}

/** Options after defaults and validation. @internal */
export interface ResolvedTaskOptions {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly priority: number;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly overlap: "skip" | "queue" | "allow";
  readonly catchUp: "none" | "last" | "all";
  readonly restore: boolean;
}

/**
 * Validates task options.
 * @throws ConfigError naming the option, e.g. `spawnTask options.priority must be an integer ...`.
 * @internal
 */
export function resolveTaskOptions(defaultId: string, o: TaskOptions = {}): ResolvedTaskOptions {
  const id = o.id ?? defaultId;
  if (typeof id !== "string" || id.length === 0)
    throw new ConfigError("spawnTask options.id must be a non-empty string");
  const priority = checkInt("spawnTask options.priority", o.priority ?? 0, Number.MIN_SAFE_INTEGER);
  return {
    id,
    name: o.name ?? id,
    description: o.description ?? "",
    priority,
    retry: retry({ attempts: o.retry?.attempts ?? 1, backoff: o.retry?.backoff, retryOn: o.retry?.retryOn }),
    timeoutMs:
      o.timeoutMs === undefined
        ? Number.POSITIVE_INFINITY
        : checkInt("spawnTask options.timeoutMs", o.timeoutMs, 1),
    overlap: checkOneOf("spawnTask options.overlap", o.overlap ?? "skip", [
      "skip",
      "queue",
      "allow",
    ] as const),
    catchUp: checkOneOf("spawnTask options.catchUp", o.catchUp ?? "none", ["none", "last", "all"] as const),
    restore: o.restore ?? false,
  };
}
