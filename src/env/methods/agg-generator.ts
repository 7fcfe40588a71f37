import type { StateAggregator } from "../../states/state-aggregator.js";
import { GeneratedStateAggregator, StateGenerator } from "../../states/state-generator.js";
import type { WindowValue } from "../agg-spec.js";
import { Stream } from "../stream.js";
import { WindowedStream } from "../windowed-stream.js";

/**
 * What `windowed.agg()` (no argument) returns: the Stream of window results `{ key, window,
 * value }` **and** the root of a state-generator chain (the original design's style) that says
 * what `value` is: `use(StateClass, ...cfg)` returns the next link, whose `use`, `sum(sel)`,
 * `means(sel)` and `count()` go on (see {@link StateGenerator}). Chain before the job runs.
 *
 * ```js
 * const windowed = env.from(clicks).window(tumbling(1000)).agg();
 * windowed.use(GroupByStateAggregator, (c) => c.name).sum((c) => c.n);
 * await windowed.to(sink); // { key, window, value: [{ key: name, value: sum }, ...] }
 * ```
 * @typeParam K - key type of the windowed stream. @typeParam T - its record type.
 */
export class GeneratedStream<K, T> extends Stream<WindowValue<K, unknown>> {
  /** @internal */
  constructor(
    stream: Stream<WindowValue<K, unknown>>,
    /** The root of the chain. */ readonly generator: StateGenerator<T>,
  ) {
    super(stream.env, stream.node, stream.link);
  }

  /** The chain's first link: each window's `value` is the state of `new StateClass(...cfg)`. */
  use<A extends unknown[]>(
    StateClass: new (...cfg: A) => StateAggregator<T, unknown>,
    ...cfg: A
  ): StateGenerator<T> {
    return this.generator.use(StateClass, ...cfg);
  }
}

declare module "../windowed-stream.js" {
  interface WindowedStream<T, K> {
    /**
     * The original design's state-generator style: with no argument, returns a
     * {@link GeneratedStream} whose chain (`.use(StateClass, ...cfg)` then `.sum()`, `.means()`,
     * `.count()`, `.use(...)`) decides each window's `value`; the states are made per key and
     * window when the job runs.
     * @throws ConfigError at run time if nothing was chained on it.
     */
    agg(spec?: undefined): GeneratedStream<K, T>;
  }
}

const aggWith = WindowedStream.prototype.agg as (
  this: WindowedStream<unknown, unknown>,
  spec: unknown,
) => Stream<WindowValue<unknown, unknown>>;

WindowedStream.prototype.agg = function agg_(this: WindowedStream<unknown, unknown>, ...args: unknown[]) {
  if (args.length > 0) return aggWith.call(this, args[0]);
  const root = new StateGenerator<unknown>();
  return new GeneratedStream(aggWith.call(this, new GeneratedStateAggregator(root)), root);
} as WindowedStream<unknown, unknown>["agg"];
