import type { OperatorContext } from "./context.js";
import type { FailbackDecision } from "./fault-policy.js";
import type { LifecycleHooks } from "./lifecycle.js";

/**
 * What `calc` may return: one record, an array of records (each emitted), or `undefined`
 * (nothing emitted), or a promise of one of these. To emit an array as one record, wrap it:
 * `[[a, b]]`.
 */
export type CalcResult<O> = O | O[] | undefined | Promise<O | O[] | undefined>;

/**
 * A per-record computation with state of its own and lifecycle hooks (see docs/operators.md),
 * used with `stream.compute(calculator)`. Passing one instance to `.compute()` from several
 * streams makes a fan-in node: one instance sees the records of all its inputs.
 *
 * @typeParam I - input record type.
 * @typeParam O - output record type.
 */
export abstract class Calculator<I, O> implements LifecycleHooks<I> {
  /** Display name in the topology and errors. Default: the class name. */
  name?: string;

  /** Computes the output(s) of one record. See {@link CalcResult}. */
  abstract calc(elem: I): CalcResult<O>;

  open?(ctx: OperatorContext): void | Promise<void>;
  /**
   * Called once when every input ended; records it returns are emitted before the end of
   * the stream (flush buffered state here).
   */
  done?(): void | O[] | Promise<void | O[]>;
  fatal?(err: Error): void | Promise<void>;
  cleanup?(err?: Error): void | Promise<void>;
  failback?(err: Error, elem: I): FailbackDecision;
}
