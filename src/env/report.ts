import type { PipelineError } from "../errors.js";
import type { CheckpointStats } from "../runtime/checkpoint/coordinator.js";
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
  /** Records that fell in no window (gaps between sliding windows with `slide > size`); not late. */
  readonly unassigned: number;
  /** Why the node failed or was cancelled. */
  readonly error?: string;
  /** For the lanes of a `shard` and the operators replicated in them: the lane index. */
  readonly lane?: number;
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
  /**
   * For a source that reports partitions (the Kafka source's `metrics()`): per partition, the lag
   * (messages between the last acknowledged offset and the log end, as of the last fetch) and
   * whatever else the connector reports (offsets acknowledged and committed, records buffered).
   */
  readonly partitions?: readonly PartitionReport[];
}

/** One partition of a source in {@link NodeReport.partitions}. */
export interface PartitionReport {
  readonly topic: string;
  readonly partition: number;
  /** Messages behind the log end, as of the connector's last fetch. */
  readonly lag: number;
  /** Further figures of the connector (e.g. `acked`, `committed`, `buffered`). */
  readonly [figure: string]: unknown;
}

/**
 * Counters and outcome of one operator — chained (fused) or not — in a run: Flink's stream
 * graph vertex, with the physical node (job graph vertex) it runs in. See docs/runtime.md,
 * "Visibility".
 */
export interface OperatorReport {
  /** Operator id: the node's id for a node's own operator, `<node id>.s<n>` for a stage fused after it. */
  readonly id: string;
  /** The operator's name (`{ name }` option, or its kind / class name). */
  readonly name: string;
  /** `source`, `map`, `filter`, `flatMap`, `mutate`, `tap`, `compute`, `mapAsync`, `window`, `sink`... */
  readonly kind: string;
  /** Name of the physical node it runs in (chained into). */
  readonly node: string;
  /** Id of that physical node. */
  readonly nodeId: string;
  /** Lane index, inside a `shard`'s lane. */
  readonly lane?: number;
  /** The node's status; `failed` for a fused stage that failed while its node ran on. */
  readonly status: NodeStatus;
  /** Records that reached the operator. */
  readonly recordsIn: number;
  /** Records it handed on (a filter's kept records, a flatMap's outputs, a sink's written records). */
  readonly recordsOut: number;
  /** Records its `'skip'` policy dropped. */
  readonly skipped: number;
  /** Records it sent to the dead letters. */
  readonly deadLettered: number;
  /** Retry attempts beyond the first. */
  readonly retries: number;
  /** Why it failed (or its node failed or was cancelled). */
  readonly error?: string;
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
  /** Records that fell in no window (gaps between sliding windows with `slide > size`): not late, not lost silently. */
  readonly unassigned: number;
  /** Every physical node (job graph), lanes of shards included. */
  readonly nodes: NodeReport[];
  /** Every operator, fused stages included (stream graph), each naming the node it runs in. */
  readonly operators: OperatorReport[];
  /**
   * With the Env's `checkpoint` option: checkpoints completed, failed and skipped, the last one
   * (id, location, bytes, duration ms), the savepoint of a stop-with-savepoint, and the
   * checkpoint this run restored from (docs/checkpoints.md).
   */
  readonly checkpoints?: Readonly<CheckpointStats>;
}

/**
 * A live snapshot of a run (`env.stats()`): the run report's shape, its counters read at the
 * time of the call. For metrics: poll it (e.g. at each Prometheus scrape) and export
 * `nodes[]` and `operators[]` counters labelled by `name`/`node`/`kind`/`lane`. See
 * docs/runtime.md, "Visibility".
 */
export interface RunStats extends Omit<RunReport, "status"> {
  /** `running` until the run settled, then the report's status. */
  readonly status: RunReport["status"] | "running";
  /** Index of the run in this Env (0 for the first `run()`). */
  readonly run: number;
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
