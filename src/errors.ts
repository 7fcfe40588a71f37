/**
 * Error classes of Mass (see docs/operators.md, "Fault policies"). Every error Mass throws is a {@link MassError}:
 * it says what failed, where (node / operator / connector / task) and what the user can do,
 * and keeps the original error as `cause`. Modelled on kafkajs' `src/errors.js`: one base class
 * with `retriable`, `cause` and context fields.
 *
 * @module
 */

/** Context fields an error may carry: where it happened. */
export interface ErrorContext {
  /** Physical node name in the job graph, e.g. `"source:jsonl -> map"`. */
  node?: string;
  /** Operator (stage) name inside the node, e.g. `"map"` or a user-given name. */
  operator?: string;
  /** The operator's kind (`map`, `filter`, `sink`, `source`...), where known. */
  operatorKind?: string;
  /** Connector name, e.g. `"jsonl"`. */
  connector?: string;
  /** Scheduler task id. */
  task?: string;
  /** File path, for file connectors. */
  file?: string;
  /** 1-based line number in `file`, where known. */
  line?: number;
}

/** Options accepted by every {@link MassError} constructor. */
export interface MassErrorOptions extends ErrorContext {
  /** The underlying error. */
  cause?: unknown;
  /** Whether retrying the same operation may succeed. Default `false`. */
  retriable?: boolean;
}

/**
 * Base class of every Mass error.
 *
 * `retriable` tells retry policies whether the same call may succeed later (a server that is
 * down: yes; a malformed record: no). Context fields name where the error happened.
 */
export class MassError extends Error {
  /** Whether retrying may succeed. */
  readonly retriable: boolean;
  readonly node?: string;
  readonly operator?: string;
  readonly operatorKind?: string;
  readonly connector?: string;
  readonly task?: string;
  readonly file?: string;
  readonly line?: number;

  /**
   * @param message - what failed and what the user can do.
   * @param options - cause, retriable flag and context fields.
   */
  constructor(message: string, options: MassErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    if (options.node !== undefined) this.node = options.node;
    if (options.operator !== undefined) this.operator = options.operator;
    if (options.operatorKind !== undefined) this.operatorKind = options.operatorKind;
    if (options.connector !== undefined) this.connector = options.connector;
    if (options.task !== undefined) this.task = options.task;
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
  }
}

/** Options of a {@link PipelineError}. */
export interface PipelineErrorOptions extends MassErrorOptions {
  /** The record being processed when the error happened, if one. */
  record?: unknown;
  /** Index of the failing batch (0-based, per node), when the failure is batch-level (sinks). */
  batchIndex?: number;
  /** Attempts made (1 without retries). */
  attempts?: number;
}

/**
 * A node of a running job failed. `env.run()` rejects with an `AggregateError` whose `errors`
 * are PipelineErrors, one per failed node; each names the node, the operator and the record
 * (or the batch index, for batch-level failures such as a sink's `produce`).
 */
export class PipelineError extends MassError {
  /** The record being processed, or `undefined` for a batch-level failure. */
  readonly record?: unknown;
  /** The batch index (0-based, per node) for batch-level failures. */
  readonly batchIndex?: number;
  /** Attempts made before giving up (1 without retries). */
  readonly attempts: number;

  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, options);
    if ("record" in options) this.record = options.record;
    if (options.batchIndex !== undefined) this.batchIndex = options.batchIndex;
    this.attempts = options.attempts ?? 1;
  }
}

/** A connector failed: a file that is missing or malformed, a server that is down or refused a write. */
export class ConnectorError extends MassError {}

/** Keyed or window state is inconsistent (for example a snapshot that cannot be restored). */
export class StateError extends MassError {}

/** A configuration problem found when the graph is built or an option is validated. */
export class ConfigError extends MassError {
  /** The option path that is wrong, e.g. `"options.batchSize"`. */
  readonly option?: string;
  constructor(message: string, options: MassErrorOptions & { option?: string } = {}) {
    super(message, options);
    if (options.option !== undefined) this.option = options.option;
  }
}

/** A scheduler task failed or was used in a way its state does not allow. */
export class TaskError extends MassError {}

/**
 * Thrown by `proceed()` (and set as `bus.signal`'s reason) when the task run was stopped
 * (`handle.stop()`, `scheduler.stop()`): let it propagate; the run ends as `stopped`.
 */
export class TaskStoppedError extends TaskError {}

/** The run took longer than its `timeoutMs`: the run fails (and may be retried); `bus.signal` aborts. */
export class TaskTimeoutError extends TaskError {
  constructor(message: string, options: MassErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** A service (scheduler, connector) was called in a lifecycle state that does not allow the call. */
export class LifecycleError extends MassError {}

/**
 * Describes any thrown value in one line for messages: `Error.message`, or `String(value)`.
 * @internal
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Shortens a record for an error message (at most `max` characters of JSON).
 * @internal
 */
export function previewRecord(record: unknown, max = 200): string {
  let s: string;
  try {
    s = typeof record === "string" ? JSON.stringify(record) : (JSON.stringify(record) ?? String(record));
  } catch {
    s = String(record);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
