import { map } from "../../operators/map.js";
import type { StageOptions } from "../../operators/stage.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * One output per record: `fn(record)`, sync or async (async results are awaited in order,
     * one at a time; use `mapAsync` for concurrency). Fused with neighbouring stages.
     * @param options - `name`, `onError` (fault policy).
     */
    map<U>(fn: (record: T) => U | Promise<U>, options?: StageOptions): Stream<U>;
  }
}

Stream.prototype.map = function map_<T, U>(
  this: Stream<T>,
  fn: (record: T) => U | Promise<U>,
  options?: StageOptions,
) {
  return this.stage<U>(map(fn, options));
};
