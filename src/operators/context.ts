import type { Logger } from "../util/logger.js";

/**
 * What an operator receives in `open(ctx)`: where it runs and with which settings.
 */
export interface OperatorContext {
  /** The Env's name (`new Env({ name })`, default `"mass"`). */
  readonly envName: string;
  /** Name of the physical node running this operator, e.g. `"source:jsonl -> map -> filter"`. */
  readonly node: string;
  /** Name of this operator inside the node. */
  readonly operator: string;
  /** Records per batch on this node's edges (default 1024). */
  readonly batchSize: number;
  /** Batches buffered on each input edge of this node before backpressure (default 16). */
  readonly highWaterMark: number;
  /** Longest wait in ms for a partial batch from a slow source (default 10). */
  readonly lingerMs: number;
  /** Logger of the Env. */
  readonly logger: Logger;
  /**
   * Aborted when the job is cancelled or this node fails, and for a source when the run is
   * stopping (`env.stop()`, reason a `LifecycleError`): pass it to I/O calls and timers. A
   * source waiting for data in `consume()` should end that wait when it aborts (the runtime
   * abandons the call anyway, and never delivers what it returns afterwards).
   */
  readonly signal: AbortSignal;
  /**
   * Whether the Env takes checkpoints (its `checkpoint` option). Sources that commit positions to
   * an external system (Kafka offsets) then commit in `checkpointComplete` only, as Flink's
   * KafkaSource does, instead of on their own (on `ack`, or on a timer). Default `false`.
   */
  readonly checkpoints?: boolean;
}
