import { type StageOptions, type StageSpec, stage } from "./stage.js";

/**
 * `tap(fn)` (alias `record(fn)`): a side effect per record (logging, metrics, a counter);
 * records pass through unchanged; its return value is ignored (awaited if a promise).
 */
export function tap<T>(fn: (record: T) => unknown, options?: StageOptions): StageSpec {
  return stage("tap", fn as (r: never) => unknown, options);
}
