import { ConfigError } from "../errors.js";
import { type DeadLetter, MemoryDeadLetters } from "../operators/dead-letter.js";
import { checkFaultPolicy, type FaultPolicy } from "../operators/fault-policy.js";
import type { Sink } from "../operators/sink.js";
import type { CheckpointStore } from "../states/checkpoints/checkpoint-store.js";
import { directoryCheckpointStore } from "../states/checkpoints/directory-store.js";
import { type Clock, systemClock } from "../util/clock.js";
import { getDefaultLogger, type Logger } from "../util/logger.js";
import { checkInt, checkKeys, checkNumber } from "../util/validate.js";

/**
 * Options of `new Env(options)`. Every key is optional; defaults are merged key by key.
 */
export interface EnvOptions {
  /** Name in logs, errors and the topology. Default `"mass"`. */
  name?: string;
  /** Records per batch, >= 1. Default 1024. */
  batchSize?: number;
  /** Batches buffered per edge before backpressure, >= 1. Default 16. Memory per edge is bounded by `highWaterMark × batchSize` records. */
  highWaterMark?: number;
  /** Longest wait in ms for a partial batch from a slow async source, >= 0. Default 10. */
  lingerMs?: number;
  /** Fault policy of every operator that sets none. Default `'fail'`. */
  onError?: FaultPolicy;
  /** Logger. Default: pino on stderr (level `MASS_LOG_LEVEL`, `silent` when `NODE_ENV=test`). */
  logger?: Logger;
  /** Where dead letters go. Default: a {@link MemoryDeadLetters} (kept in memory, counted). */
  deadLetters?: Sink<DeadLetter>;
  /** Processing-time clock and timers (processing-time windows). Default: the system clock. */
  clock?: Clock;
  /**
   * Checkpoints of operator state and source positions (docs/checkpoints.md). Default: none.
   * Needed by `env.run({ restore })` and `env.stop({ savepoint: true })`.
   */
  checkpoint?: CheckpointOptions;
}

/** The Env's `checkpoint` option (as Flink's `enableCheckpointing(interval)` + checkpoint storage). */
export interface CheckpointOptions {
  /**
   * Interval between checkpoints in ms, >= 1; `0` takes none periodically (savepoints only).
   * A trigger while a checkpoint is still in flight is skipped. Default 10000.
   */
  intervalMs?: number;
  /**
   * Where checkpoints go: a {@link CheckpointStore}, or a directory path (a
   * {@link directoryCheckpointStore}). Required.
   */
  store: CheckpointStore | string;
  /** Completed regular checkpoints kept in the store, >= 1 (savepoints are never pruned). Default 3. */
  retain?: number;
}

/** The checkpoint option after defaults. @internal */
export interface ResolvedCheckpointOptions {
  readonly intervalMs: number;
  readonly store: CheckpointStore;
  readonly retain: number;
}

/** Options every node-creating operator takes (`from`, `to`, `compute`, `union`). */
export interface NodeOptions {
  /** Display name of the node. Default: `kind:OperatorName`. */
  name?: string;
  /** Records per batch for this node's output. Default: the Env's. */
  batchSize?: number;
  /** Batches buffered on this node's input edges. Default: the Env's. */
  highWaterMark?: number;
  /** Fault policy of this node's operator. Default: the Env's. */
  onError?: FaultPolicy;
}

/** The keys `new Env(options)` accepts. @internal */
export const ENV_OPTION_KEYS = [
  "name",
  "batchSize",
  "highWaterMark",
  "lingerMs",
  "onError",
  "logger",
  "deadLetters",
  "clock",
  "checkpoint",
] as const;

/** The keys of the `checkpoint` option. @internal */
export const CHECKPOINT_OPTION_KEYS = ["intervalMs", "store", "retain"] as const;

/** The keys every node-creating operator accepts. @internal */
export const NODE_OPTION_KEYS = ["name", "batchSize", "highWaterMark", "onError"] as const;

/** The defaults, in one place. */
export const DEFAULT_ENV_OPTIONS = Object.freeze({
  name: "mass",
  batchSize: 1024,
  highWaterMark: 16,
  lingerMs: 10,
  onError: "fail" as FaultPolicy,
});

/** Env options after defaults and validation. @internal */
export interface ResolvedEnvOptions {
  readonly name: string;
  readonly batchSize: number;
  readonly highWaterMark: number;
  readonly lingerMs: number;
  readonly onError: FaultPolicy;
  readonly logger: Logger;
  readonly deadLetters: Sink<DeadLetter>;
  readonly clock: Clock;
  readonly checkpoint: ResolvedCheckpointOptions | null;
}

/**
 * Merges `options` over the defaults and validates each key once.
 * @throws ConfigError naming the option, e.g. `options.batchSize must be an integer >= 1, got 0`,
 *   or an unknown key with the closest valid one (`unknown option "batchsize" (did you mean "batchSize"?)`).
 * @internal
 */
export function resolveEnvOptions(options: EnvOptions = {}): ResolvedEnvOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(`new Env(options): options must be an object, got ${String(options)}`);
  }
  checkKeys("new Env(options)", options, ENV_OPTION_KEYS);
  if (options.logger !== undefined) checkLogger(options.logger);
  if (options.deadLetters !== undefined && typeof options.deadLetters?.produce !== "function") {
    throw new ConfigError(
      "new Env(options): options.deadLetters must be a Sink (an object with produce(batch))",
      {
        option: "options.deadLetters",
      },
    );
  }
  const logger = options.logger ?? getDefaultLogger();
  return {
    name: options.name ?? DEFAULT_ENV_OPTIONS.name,
    batchSize: checkInt("options.batchSize", options.batchSize ?? DEFAULT_ENV_OPTIONS.batchSize, 1),
    highWaterMark: checkInt(
      "options.highWaterMark",
      options.highWaterMark ?? DEFAULT_ENV_OPTIONS.highWaterMark,
      1,
    ),
    lingerMs: checkNumber("options.lingerMs", options.lingerMs ?? DEFAULT_ENV_OPTIONS.lingerMs, 0),
    onError: checkFaultPolicy("options.onError", options.onError ?? DEFAULT_ENV_OPTIONS.onError),
    logger,
    deadLetters: options.deadLetters ?? new MemoryDeadLetters(10_000, logger),
    clock: options.clock ?? systemClock,
    checkpoint: options.checkpoint === undefined ? null : resolveCheckpointOptions(options.checkpoint),
  };
}

/**
 * Validates the `checkpoint` option.
 * @throws ConfigError naming the key (`options.checkpoint.intervalMs must be an integer >= 0`),
 *   a misspelt key with the closest one, or a missing `store`.
 * @internal
 */
export function resolveCheckpointOptions(o: CheckpointOptions): ResolvedCheckpointOptions {
  if (typeof o !== "object" || o === null) {
    throw new ConfigError(
      `new Env(options): options.checkpoint must be an object like { intervalMs: 10000, store: "./checkpoints" }, got ${String(o)}`,
      { option: "options.checkpoint" },
    );
  }
  checkKeys("new Env(options).checkpoint", o, CHECKPOINT_OPTION_KEYS);
  const s = o.store as unknown;
  let store: CheckpointStore;
  if (typeof s === "string" && s.length > 0) store = directoryCheckpointStore(s);
  else if (
    s !== null &&
    typeof s === "object" &&
    typeof (s as CheckpointStore).write === "function" &&
    typeof (s as CheckpointStore).latest === "function" &&
    typeof (s as CheckpointStore).load === "function"
  ) {
    store = s as CheckpointStore;
  } else {
    throw new ConfigError(
      "new Env(options): options.checkpoint.store must be a directory path or a CheckpointStore (directoryCheckpointStore(dir), memoryCheckpointStore())",
      { option: "options.checkpoint.store" },
    );
  }
  return {
    intervalMs: checkInt("options.checkpoint.intervalMs", o.intervalMs ?? 10_000, 0),
    store,
    retain: checkInt("options.checkpoint.retain", o.retain ?? 3, 1),
  };
}

/**
 * Validates per-node options.
 * @throws ConfigError naming `where` and the option.
 * @internal
 */
export function checkNodeOptions(where: string, options: NodeOptions = {}): NodeOptions {
  checkKeys(`${where} options`, options, NODE_OPTION_KEYS);
  const out: NodeOptions = {};
  if (options.name !== undefined) out.name = String(options.name);
  if (options.batchSize !== undefined)
    out.batchSize = checkInt(`${where} options.batchSize`, options.batchSize, 1);
  if (options.highWaterMark !== undefined) {
    out.highWaterMark = checkInt(`${where} options.highWaterMark`, options.highWaterMark, 1);
  }
  if (options.onError !== undefined)
    out.onError = checkFaultPolicy(`${where} options.onError`, options.onError);
  return out;
}

function checkLogger(logger: unknown): void {
  const l = logger as Partial<Logger> | null;
  for (const level of ["debug", "info", "warn", "error"] as const) {
    if (typeof l?.[level] !== "function") {
      throw new ConfigError(
        `new Env(options): options.logger must have debug, info, warn and error methods (a pino logger does); ${level} is missing`,
        { option: "options.logger" },
      );
    }
  }
}
