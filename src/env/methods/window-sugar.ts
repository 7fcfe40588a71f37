import { count } from "../../states/aggregators/count.js";
import { mean } from "../../states/aggregators/mean.js";
import { max, min } from "../../states/aggregators/min-max.js";
import { sum } from "../../states/aggregators/sum.js";
import type { Selector } from "../../states/state-aggregator.js";
import type { WindowValue } from "../agg-spec.js";
import type { Stream } from "../stream.js";
import { WindowedStream } from "../windowed-stream.js";

declare module "../windowed-stream.js" {
  interface WindowedStream<T, K> {
    /** `agg(sum(sel))`: `{ key, window, value }` with the sum of `sel(record)`. */
    sum(sel?: Selector<T, number>): Stream<WindowValue<K, number>>;
    /** `agg(mean(sel))`. */
    mean(sel?: Selector<T, number>): Stream<WindowValue<K, number>>;
    /** `agg(min(sel))`. */
    min(sel?: Selector<T, number>): Stream<WindowValue<K, number>>;
    /** `agg(max(sel))`. */
    max(sel?: Selector<T, number>): Stream<WindowValue<K, number>>;
    /** `agg(count())`. */
    count(): Stream<WindowValue<K, number>>;
  }
}

WindowedStream.prototype.sum = function <T, K>(this: WindowedStream<T, K>, sel?: Selector<T, number>) {
  return this.agg(sum(sel));
};
WindowedStream.prototype.mean = function <T, K>(this: WindowedStream<T, K>, sel?: Selector<T, number>) {
  return this.agg(mean(sel));
};
WindowedStream.prototype.min = function <T, K>(this: WindowedStream<T, K>, sel?: Selector<T, number>) {
  return this.agg(min(sel));
};
WindowedStream.prototype.max = function <T, K>(this: WindowedStream<T, K>, sel?: Selector<T, number>) {
  return this.agg(max(sel));
};
WindowedStream.prototype.count = function <T, K>(this: WindowedStream<T, K>) {
  return this.agg(count<T>());
};
