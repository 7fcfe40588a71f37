import { flatMap } from "../../operators/flat-map.js";
import type { StageOptions } from "../../operators/stage.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /** Zero or more outputs per record: `fn` returns an array or iterable (or a promise of one). */
    flatMap<U>(fn: (record: T) => Iterable<U> | Promise<Iterable<U>>, options?: StageOptions): Stream<U>;
  }
}

Stream.prototype.flatMap = function flatMap_<T, U>(
  this: Stream<T>,
  fn: (record: T) => Iterable<U> | Promise<Iterable<U>>,
  options?: StageOptions,
) {
  return this.stage<U>(flatMap(fn, options));
};
