import { filter } from "../../operators/filter.js";
import type { StageOptions } from "../../operators/stage.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /** Keeps records for which `fn` is truthy (sync or async). With a type guard, narrows `T`. */
    filter<S extends T>(fn: (record: T) => record is S, options?: StageOptions): Stream<S>;
    filter(fn: (record: T) => unknown, options?: StageOptions): Stream<T>;
  }
}

Stream.prototype.filter = function filter_<T>(
  this: Stream<T>,
  fn: (record: T) => unknown,
  options?: StageOptions,
) {
  return this.stage<T>(filter(fn, options));
};
