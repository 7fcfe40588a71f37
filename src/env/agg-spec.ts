import type { StateAggregator, StateAggregatorClass } from "../states/state-aggregator.js";

/**
 * `agg({...})`'s argument: result field name -> aggregator, an instance (a template cloned per
 * key and window) or a class (constructed per key and window).
 */
export type AggSpec<T> = Record<string, StateAggregator<T, unknown> | StateAggregatorClass<T, unknown>>;

/** The fields a spec produces: each field typed by its aggregator's result. */
export type AggFields<S> = {
  [F in keyof S]: S[F] extends StateAggregator<never, infer O>
    ? O
    : S[F] extends new () => StateAggregator<never, infer O>
      ? O
      : never;
};

/** A window's bounds in the results: half-open `[start, end)` in ms. */
export interface WindowBounds {
  readonly start: number;
  readonly end: number;
}

/** A window result of `agg({...})`: `{ key, window: { start, end }, ...fields }`. */
export type WindowResult<K, S> = { key: K; window: WindowBounds } & AggFields<S>;

/** A window result of `agg(aggregator)`: `{ key, window, value }`. */
export interface WindowValue<K, O> {
  key: K;
  window: WindowBounds;
  value: O;
}
