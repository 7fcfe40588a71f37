import type { WindowAssigner } from "../../states/windows/window-assigner.js";
import { checkFunction } from "../../util/validate.js";
import { KeyedStream } from "../keyed-stream.js";
import { Stream } from "../stream.js";
import { WindowedStream } from "../windowed-stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /** Partitions by `fn(record)` for keyed state and windows. */
    keyBy<K>(fn: (record: T) => K): KeyedStream<K, T>;
    /** Alias of {@link Stream.keyBy} (the original design's name). */
    group<K>(fn: (record: T) => K): KeyedStream<K, T>;
    /** Non-keyed windows: every record in one key (`key` is `undefined` in the results). */
    window(assigner: WindowAssigner): WindowedStream<T, undefined>;
  }
}

Stream.prototype.keyBy = function keyBy_<T, K>(this: Stream<T>, fn: (record: T) => K) {
  checkFunction("keyBy(fn)", fn);
  return new KeyedStream<K, T>(this, fn);
};
Stream.prototype.group = Stream.prototype.keyBy;
Stream.prototype.window = function window_<T>(this: Stream<T>, assigner: WindowAssigner) {
  return new WindowedStream<T, undefined>(this, null, assigner);
};
