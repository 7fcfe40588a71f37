import { type StageOptions, type StageSpec, stage } from "./stage.js";

/**
 * `flatMap(fn)`: zero or more output records per input record; `fn` returns an array or any
 * iterable (or a promise of one). Output batches are split again at `batchSize`.
 */
export function flatMap<T, U>(
  fn: (record: T) => Iterable<U> | Promise<Iterable<U>>,
  options?: StageOptions,
): StageSpec {
  return stage("flatMap", fn as (r: never) => unknown, options);
}
