import type { Env } from "../env/env.js";
import { ConfigError } from "../errors.js";
import { type Backoff, type RetryPolicy, retry } from "../operators/fault-policy.js";
import { checkInt, checkKeys, checkOneOf, show } from "../util/validate.js";
import type { Proceed, TaskBus } from "./task.js";

/**
 * Options of `scheduler.spawnTask(task, options)` (see docs/scheduler.md, "Options"). Unknown keys
 * are rejected with a ConfigError naming the closest valid one (`priorty` -> `priority`).
 *
 * The original design's spellings are accepted as documented aliases, so Mass v1/v2 code runs
 * unchanged: `taskId` (= `id`; a number such as `0x00` becomes the string `"0"`), `taskName`
 * (= `name`), `taskDescription` (= `description`), and its configuration style
 * `spawnTask(MassTask, { executor })` / `spawnTask(MassStreamTask, { streamProcessExecutor })`
 * (the function given replaces the class's method on the task instance).
 */
export interface TaskOptions {
  /** Unique id (store namespace, events, dead letters). Default: the task's name or class name. */
  id?: string | number;
  /** Display name. Default: the id. */
  name?: string;
  description?: string;
  /** Alias of `id` (the original design's name). */
  taskId?: string | number;
  /** Alias of `name` (the original design's name). */
  taskName?: string;
  /** Alias of `description` (the original design's name). */
  taskDescription?: string;
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
  /** The original configuration style: the task's executor (replaces the class's). */
  executor?(input: unknown, proceed: Proceed, bus: TaskBus): unknown;
  /** The original configuration style: a stream task's body (replaces the class's). */
  streamProcessExecutor?(env: Env, bus: TaskBus, input: unknown): unknown;
  /** The original configuration style: the data-clean mode (replaces the class's). */
  clean?(input: unknown, proceed: Proceed, bus: TaskBus): unknown;
}

/** Every key `spawnTask` options accept, aliases included. */
export const TASK_OPTION_KEYS: readonly string[] = [
  "id",
  "name",
  "description",
  "taskId",
  "taskName",
  "taskDescription",
  "priority",
  "retry",
  "timeoutMs",
  "overlap",
  "catchUp",
  "restore",
  "executor",
  "streamProcessExecutor",
  "clean",
];

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
  const where = "spawnTask(task, options)";
  checkKeys(where, o, TASK_OPTION_KEYS);
  o ??= {};
  const rawId = alias(where, o, "id", "taskId") ?? defaultId;
  if (!(typeof rawId === "string" && rawId.length > 0) && !Number.isInteger(rawId))
    throw new ConfigError(
      `spawnTask options.id must be a non-empty string or an integer, got ${show(rawId)}`,
      { option: "spawnTask options.id" },
    );
  const id = String(rawId);
  const name = alias(where, o, "name", "taskName");
  const description = alias(where, o, "description", "taskDescription");
  const priority = checkInt("spawnTask options.priority", o.priority ?? 0, Number.MIN_SAFE_INTEGER);
  checkKeys("spawnTask options.retry", o.retry, ["attempts", "backoff", "retryOn"]);
  return {
    id,
    name: name === undefined ? id : String(name),
    description: description === undefined ? "" : String(description),
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

/** The value of `key` or of its alias; both given is a ConfigError. */
function alias<K extends keyof TaskOptions>(
  where: string,
  o: TaskOptions,
  key: K,
  aliasKey: keyof TaskOptions,
): TaskOptions[K] | undefined {
  const a = o[key];
  const b = o[aliasKey] as TaskOptions[K] | undefined;
  if (a !== undefined && b !== undefined)
    throw new ConfigError(`${where}: "${key}" and its alias "${String(aliasKey)}" are both given; keep one`, {
      option: `spawnTask options.${key}`,
    });
  return a ?? b;
}
