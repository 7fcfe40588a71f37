import type { PipelineError } from "../errors.js";
import type { NodeStatus } from "../runtime/node.js";

/** Counters and outcome of one physical node in a run. */
export interface NodeReport {
  readonly id: string;
  readonly name: string;
  /** `source`, `compute`, `union`, `mapAsync`, `sink`, ... */
  readonly kind: string;
  readonly status: NodeStatus;
  /** Records in (for a source: records read). */
  readonly recordsIn: number;
  /** Records out, summed over output edges (for a sink: records written). */
  readonly recordsOut: number;
  /** Records dropped by a `'skip'` policy. */
  readonly skipped: number;
  /** Records sent to the dead letters. */
  readonly deadLettered: number;
  /** Retry attempts beyond the first. */
  readonly retries: number;
  /** Late records sent to a `lateRecords()` stream (window nodes). */
  readonly lateRecords: number;
  /** Late records dropped and counted because no `lateRecords()` stream listens (window nodes). */
  readonly lateDropped: number;
  /** Why the node failed or was cancelled. */
  readonly error?: string;
  /**
   * For a source that implements `ack(position)`: the highest position whose `ack` call
   * completed (records of this source, 0-based exclusive end).
   */
  readonly ackedPosition?: number;
  /**
   * For a source that implements `ack(position)`: whether its final position (every record it
   * read) was acknowledged before its `cleanup()`. `false` after a failure below it, a stop
   * that abandoned records, or a failed `ack` call: a restart reads again from `ackedPosition`.
   */
  readonly finalAcked?: boolean;
}

/**
 * What `env.run()` resolves with: per node counters, dead letters and the duration.
 */
export interface RunReport {
  /** The Env's name. */
  readonly env: string;
  /** `finished`, or `failed` (then `run()` rejects with a {@link RunError} carrying this report), or `stopped` after `env.stop()`. */
  readonly status: "finished" | "failed" | "stopped";
  /** Wall-clock duration of the run in ms. */
  readonly durationMs: number;
  /** Records read by all sources. */
  readonly recordsIn: number;
  /** Records written by all sinks. */
  readonly recordsOut: number;
  /** Dead letters produced during the run. */
  readonly deadLetters: number;
  /** Late records past allowed lateness dropped because nobody listens (never silently: counted here). */
  readonly lateDropped: number;
  readonly nodes: NodeReport[];
}

/**
 * `env.run()` rejects with this AggregateError when nodes failed: `errors` holds one
 * {@link PipelineError} per failed node (naming node, operator and record); `report` is the
 * run report, pipelines that shared no failed node having run to their end.
 */
export class RunError extends AggregateError {
  /** The errors of the failed nodes. */
  declare readonly errors: PipelineError[];
  constructor(
    errors: PipelineError[],
    /** The run report. */
    readonly report: RunReport,
  ) {
    super(
      errors,
      `${errors.length} node(s) of env "${report.env}" failed: ${errors.map((e) => e.message).join(" | ")}`,
    );
    this.name = "RunError";
  }
}
