import { StateError } from "../errors.js";

/**
 * Accumulating state of one key (and window): the original design's state generator. A
 * subclass needs only two methods:
 *
 * - `collect(elem)` folds a record in;
 * - `yield()` gives the current result (the original design's name; it may be called many
 *   times, e.g. for early or late firings, and must not change the state).
 *
 * Both may be `async` (as the original design's `MeansStateAggregator`): Mass awaits them, in
 * order per key and window (see docs/windows.md, "Writing an aggregator"). Synchronous ones take
 * a fast path.
 *
 * `snapshot()` / `restore(s)` turn the state into a plain structured-clonable value and back
 * (checkpoints; also how the default {@link StateAggregator.clone} copies an instance). The
 * defaults snapshot the **own fields** that are not functions (a `sel` selector given to the
 * constructor is a setting, not state), structured-cloned; override both for state that is not
 * structured-clonable (class instances lose their prototype in a clone).
 * `merge(other)` folds another accumulator of the same class in: session windows need it.
 *
 * How instances are made: `agg(MyAggregator)` (a class) constructs `new MyAggregator()` for every
 * key and window; `agg(instance)` / `agg({ field: instance })` treats the instance as a
 * **template** in its initial state and calls `clone()` for every key and window.
 *
 * @typeParam I - input record type.
 * @typeParam O - result type.
 * @typeParam S - snapshot type (default: an object of the own fields).
 */
export abstract class StateAggregator<I, O, S = unknown> {
  /** Folds one record into the state. May be `async` (awaited, in order). */
  abstract collect(elem: I): void | Promise<void>;
  /** The current result. Must not change the state. May be `async` (awaited). */
  abstract yield(): O | Promise<O>;

  /**
   * The state as a plain structured-clonable value. Default: a structured clone of the own
   * fields that are not functions, `{ field: value, ... }`.
   * @throws StateError naming the class and the field that cannot be cloned (override
   *   `snapshot` and `restore` then).
   */
  snapshot(): S {
    const fields: Record<string, unknown> = {};
    for (const k of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[k];
      if (typeof v === "function") continue;
      try {
        fields[k] = structuredClone(v);
      } catch (err) {
        throw new StateError(
          `${this.constructor.name}.snapshot(): field "${k}" is not structured-clonable (${(err as Error).message}); override snapshot() and restore() to turn the state into plain data`,
          { cause: err },
        );
      }
    }
    return fields as S;
  }

  /**
   * Replaces the state with a snapshot taken by `snapshot()`. Default: assigns a structured clone
   * of the snapshot's fields to this instance.
   * @throws StateError if the default is given something else than an object.
   */
  restore(s: S): void {
    if (s === null || typeof s !== "object") {
      throw new StateError(
        `${this.constructor.name}.restore(s): the default restore expects the object of fields the default snapshot() returns, got ${String(s)}`,
      );
    }
    Object.assign(this, structuredClone(s));
  }

  /** Folds `other` (same class) into this state. Required for session windows. May be `async`. */
  merge?(other: this): void | Promise<void>;

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
