import { type StageOptions, type StageSpec, stage } from "./stage.js";

/**
 * `mutate(fn)`: changes each record in place (`fn` returns nothing, may be async) and passes
 * the same object on. Cheaper than `map` (no new object). Under fan-out every branch sees the
 * same record objects: mutate in a branch only what no other branch reads, or `map` to a copy.
 */
export function mutate<T>(fn: (record: T) => void | Promise<void>, options?: StageOptions): StageSpec {
  return stage("mutate", fn as (r: never) => unknown, options);
}
