/**
 * Accumulating state of one key (and window): the original design's state generator.
 * `collect` folds a record in, `yield` gives the current result (the name of the original
 * design; it may be called many times, e.g. for early or late firings).
 *
 * `snapshot()` / `restore(s)` turn the state into a plain structured-clonable value and
 * back (checkpoints; also how the default {@link StateAggregator.clone} copies a template).
 * `merge(other)` folds another accumulator of the same kind in: session windows need it
 * (and keyed state rescaling later).
 *
 * The runtime treats the instance you pass (`agg({ total: sum(r => r.x) })`) as a
 * **template** in its initial state, and calls `clone()` for every new key and window.
 *
 * @typeParam I - input record type.
 * @typeParam O - result type.
 * @typeParam S - snapshot type.
 */
export abstract class StateAggregator<I, O, S = unknown> {
  /** Folds one record into the state. */
  abstract collect(elem: I): void;
  /** The current result. Must not change the state. */
  abstract yield(): O;
  /** The state as a plain value (structured-clonable). */
  abstract snapshot(): S;
  /** Replaces the state with a snapshot taken by `snapshot()`. */
  abstract restore(s: S): void;
  /** Folds `other` (same class) into this state. Required for session windows. */
  merge?(other: this): void;

  /**
   * A fresh accumulator like this one (same settings and state). Default: a new object with
   * the same prototype and own fields, whose state is `restore(structuredClone(snapshot()))`.
   * Built-ins override it with a plain constructor call (faster).
   */
  clone(): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(copy, this);
    copy.restore(structuredClone(this.snapshot()));
    return copy;
  }
}

/** A constructor of a StateAggregator taking no required arguments (`agg(MyAggregator)`). */
export type StateAggregatorClass<I, O> = new () => StateAggregator<I, O>;

/** Selector from a record to the number (or value) an aggregator works on. */
export type Selector<I, V> = (elem: I) => V;

/** The identity selector. @internal */
export const identity = <T>(x: T): T => x;
