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
