import { mean } from "../../states/aggregators/mean.js";
import type { Selector } from "../../states/state-aggregator.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * The original design's `means` sugar (its `Env.prototype.means`): the running arithmetic mean
     * of `sel(record)` over the whole stream, one number per record (`[2, 4, 9]` gives
     * `[2, 3, 5]`). A running aggregation (`keyBy(() => "all").agg(mean(sel))`): its state is
     * one sum and one count. For means per window use `window(w).mean(sel)`; per key,
     * `keyBy(k).agg(mean(sel))`.
     * @param sel - the number to average (default: the record itself).
     */
    means(sel?: Selector<T, number>): Stream<number>;
  }
}

Stream.prototype.means = function means_<T>(this: Stream<T>, sel?: Selector<T, number>) {
  return this.keyBy(() => "all")
    .agg(mean(sel))
    .map((r) => r.value);
};
