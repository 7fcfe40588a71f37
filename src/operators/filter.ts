import { type StageOptions, type StageSpec, stage } from "./stage.js";

/**
 * `filter(fn)`: keeps the records for which `fn(record)` is truthy (may be async).
 * A filtered-out record counts as handled for source acknowledgements.
 */
export function filter<T>(fn: (record: T) => unknown, options?: StageOptions): StageSpec {
  return stage("filter", fn as (r: never) => unknown, options);
}
