import { type StageOptions, type StageSpec, stage } from "./stage.js";

/**
 * `map(fn)`: one output record per input record, `fn(record)`. `fn` may be async (records
 * then wait for it one at a time; use `mapAsync` for concurrency).
 * @throws ConfigError if `fn` is not a function or an option is unknown.
 */
export function map<T, U>(fn: (record: T) => U | Promise<U>, options?: StageOptions): StageSpec {
  return stage("map", fn as (r: never) => unknown, options);
}
