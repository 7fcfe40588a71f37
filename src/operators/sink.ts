import type { OperatorContext } from "./context.js";
import type { FailbackDecision } from "./fault-policy.js";
import type { LifecycleHooks } from "./lifecycle.js";
import { REJECT } from "./source.js";

/**
 * A destination of records (see docs/operators.md). `produce(elems)` receives whole batches
 * (at most `batchSize` records) and is awaited before the next batch is given: a slow sink
 * slows its producers through backpressure. A record counts as handled (for source acks)
 * once the `produce` call that received it resolved.
 *
 * Fault policies apply per batch: `retry` calls `produce` again with the same batch; `'skip'`
 * drops the batch (counted); `'dead-letter'` sends each of its records to `env.deadLetters`.
 *
 * Passing one Sink instance to `.to()` from several streams makes a fan-in node.
 *
 * @typeParam T - record type.
 */
export abstract class Sink<T> implements LifecycleHooks<T[]> {
  /** Display name in the topology and errors. Default: the class name. */
  name?: string;

  /** @internal set by the runtime: routes one record of a batch through the node's fault policy. */
  [REJECT]?: (record: unknown, error: unknown) => void | Promise<void>;

  /** Writes one batch. Resolve when it is durably written (as far as this sink can tell). */
  abstract produce(elems: T[]): void | Promise<void>;

  open?(ctx: OperatorContext): void | Promise<void>;
  /** Called once when every input ended and every batch was produced: flush and close here. */
  done?(): void | Promise<void>;
  fatal?(err: Error): void | Promise<void>;
  cleanup?(err?: Error): void | Promise<void>;
  failback?(err: Error, batch: T[]): FailbackDecision;

  /**
   * Optional, for checkpoints (docs/checkpoints.md, "Two-phase commit sinks"): the first phase
   * of a two-phase commit, as Flink's `TwoPhaseCommitSinkFunction.preCommit` /
   * `SinkWriter.prepareCommit`. Called when the barrier of checkpoint `checkpointId` passes this
   * sink: every `produce` call for records before the barrier has resolved, none after it has
   * started. Seal what was written so far as belonging to checkpoint `checkpointId` (flush,
   * close the open transaction to new writes); records produced after it must not become
   * visible before {@link Sink.checkpointComplete} of that id (or a later one). The barrier
   * goes on (and the checkpoint can complete) only once this resolves. Also called, once, for a
   * sink whose input ended while the run waits for its final checkpoint (end of a bounded input).
   * Throwing fails the sink's node (the job fails; restart it to resume from the last checkpoint).
   * Optional: a sink without it takes part in no checkpoint (at-least-once).
   */
  preCommit?(checkpointId: number): void | Promise<void>;

  /**
   * Optional, for checkpoints: the second phase, as Flink's
   * `CheckpointListener.notifyCheckpointComplete`. Checkpoint `checkpointId` is stored and every
   * source's `checkpointComplete` ran: commit what {@link Sink.preCommit} sealed for it and for
   * any earlier checkpoint that was not committed yet (a checkpoint that failed is subsumed by
   * the next one). Called once per completed checkpoint, in id order, not after `cleanup()`.
   * Throwing fails the sink's node (restart the job: it resumes from the last checkpoint whose
   * commit is visible, see `Source.restorable`).
   */
  checkpointComplete?(checkpointId: number): void | Promise<void>;

  /**
   * Optional, for checkpoints: checkpoint `checkpointId` failed (its store write failed, a node
   * failed) or was abandoned (the run ended before it completed), as Flink's
   * `CheckpointListener.notifyCheckpointAborted`. Do not abort what was pre-committed for it:
   * keep it open and let the next checkpoint commit it (Flink keeps pending transactions until
   * a later checkpoint completes); records held since its barrier may go on into it.
   */
  checkpointAborted?(checkpointId: number): void | Promise<void>;

  /**
   * For implementers: sends one record of the batch being produced to the node's fault policy
   * (a row a database refused, a document an index rejected) while the rest of the batch is
   * written: one bad record must not fail or dead-letter its whole batch. Under `'fail'` it
   * throws a PipelineError naming the record (let it propagate out of `produce`); under
   * `'skip'` the record is counted; under `'dead-letter'` it goes to `env.deadLetters` with
   * `error`; under `retry(...)` the record alone is produced again (`produce([record])`) with
   * backoff, then handled as the policy's `onExhausted` says. Await the result. The batch's
   * acknowledgement waits for the dead letter to be handed over. Outside a running job it
   * throws `error`.
   */
  protected reject(record: T, error: unknown): void | Promise<void> {
    const handler = this[REJECT];
    if (handler === undefined) throw error;
    return handler(record, error);
  }
}
