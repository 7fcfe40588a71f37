import type { OperatorContext } from "./context.js";
import type { FailbackDecision } from "./fault-policy.js";
import type { LifecycleHooks } from "./lifecycle.js";

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

  /** Writes one batch. Resolve when it is durably written (as far as this sink can tell). */
  abstract produce(elems: T[]): void | Promise<void>;

  open?(ctx: OperatorContext): void | Promise<void>;
  /** Called once when every input ended and every batch was produced: flush and close here. */
  done?(): void | Promise<void>;
  fatal?(err: Error): void | Promise<void>;
  cleanup?(err?: Error): void | Promise<void>;
  failback?(err: Error, batch: T[]): FailbackDecision;
}
