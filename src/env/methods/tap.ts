import type { StageOptions } from "../../operators/stage.js";
import { tap } from "../../operators/tap.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /** A side effect per record; records pass through unchanged. */
    tap(fn: (record: T) => unknown, options?: StageOptions): Stream<T>;
    /** Alias of {@link Stream.tap} (the original design's name). */
    record(fn: (record: T) => unknown, options?: StageOptions): Stream<T>;
  }
}

Stream.prototype.tap = function tap_<T>(this: Stream<T>, fn: (record: T) => unknown, options?: StageOptions) {
  return this.stage<T>(tap(fn, { name: "tap", ...options }));
};
Stream.prototype.record = function record_<T>(
  this: Stream<T>,
  fn: (record: T) => unknown,
  options?: StageOptions,
) {
  return this.stage<T>(tap(fn, { name: "record", ...options }));
};
