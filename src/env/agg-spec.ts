import { ConfigError } from "../errors.js";
import type { StateAggregator, StateAggregatorClass } from "../states/state-aggregator.js";

/** `agg({...})`'s argument: result field name -> aggregator (a template cloned per key and window). */
export type AggSpec<T> = Record<string, StateAggregator<T, unknown>>;

/** The fields a spec produces: each field typed by its aggregator's result. */
export type AggFields<S> = { [F in keyof S]: S[F] extends StateAggregator<never, infer O> ? O : never };

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

/** Whether `x` behaves as a StateAggregator (has `collect`, `yield` and `clone`). @internal */
export function isStateAggregator(x: unknown): x is StateAggregator<unknown, unknown> {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as StateAggregator<unknown, unknown>).collect === "function" &&
    typeof (x as StateAggregator<unknown, unknown>).yield === "function" &&
    typeof (x as StateAggregator<unknown, unknown>).clone === "function"
  );
}

/**
 * Normalises `agg()`'s argument: a spec object, an aggregator instance, or an aggregator class
 * (instantiated with no arguments).
 * @throws ConfigError for anything else.
 * @internal
 */
export function toAggregatorOrSpec(
  x: unknown,
): StateAggregator<unknown, unknown> | Record<string, StateAggregator<unknown, unknown>> {
  if (typeof x === "function") {
    const proto = (x as StateAggregatorClass<unknown, unknown>).prototype;
    if (proto !== undefined && typeof proto.collect === "function")
      return new (x as StateAggregatorClass<unknown, unknown>)();
    throw new ConfigError(
      `agg(): a function was given that is not a StateAggregator class (${(x as { name?: string }).name ?? "anonymous"})`,
    );
  }
  if (isStateAggregator(x)) return x;
  if (x !== null && typeof x === "object") return x as Record<string, StateAggregator<unknown, unknown>>;
  throw new ConfigError(
    `agg(): expected { field: aggregator }, an aggregator or an aggregator class, got ${String(x)}`,
  );
}
