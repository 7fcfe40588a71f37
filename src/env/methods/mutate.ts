import { mutate } from "../../operators/mutate.js";
import type { StageOptions } from "../../operators/stage.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /** Changes each record in place (`fn` returns nothing); see the `mutate` operator for fan-out caveats. */
    mutate(fn: (record: T) => void | Promise<void>, options?: StageOptions): Stream<T>;
  }
}

Stream.prototype.mutate = function mutate_<T>(
  this: Stream<T>,
  fn: (record: T) => void | Promise<void>,
  options?: StageOptions,
) {
  return this.stage<T>(mutate(fn, options));
};
