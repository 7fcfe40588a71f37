import type { OperatorContext } from "./context.js";
import type { FailbackDecision } from "./fault-policy.js";

/**
 * Optional lifecycle hooks shared by {@link Source}, {@link Calculator} and {@link Sink}
 * (see docs/operators.md). The runtime calls, per operator instance and per run:
 * `open` once before the first record; `done` once after the last one when the input ended
 * normally; `fatal` once when the node fails (with the error); `cleanup` exactly once on every
 * path (success, failure, cancel), last, with the error when there was one.
 */
export interface LifecycleHooks<E> {
  /** Called once before any record. May be async. Throwing fails the node. */
  open?(ctx: OperatorContext): void | Promise<void>;
  /** Called once after the input ended and every record was handled. */
  fatal?(err: Error): void | Promise<void>;
  /** Called exactly once, on every path, after `done` / `fatal`. Release timers, files, sockets here. */
  cleanup?(err?: Error): void | Promise<void>;
  /**
   * Asked when processing `elemOrBatch` threw `err`: answer a fault policy for this failure
   * (`'skip'`, `'dead-letter'`, `retry(...)`, `'fail'`) or `undefined` to use the configured one.
   */
  failback?(err: Error, elemOrBatch: E): FailbackDecision;
}
