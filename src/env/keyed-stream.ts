import type { KeyedAggSpec } from "../runtime/keyed-agg-node.js";
import { aggregatorSpec } from "../states/aggregator-spec.js";
import type { StateAggregator, StateAggregatorClass } from "../states/state-aggregator.js";
import type { WindowAssigner } from "../states/windows/window-assigner.js";
import type { AggFields, AggSpec } from "./agg-spec.js";
import { JoinedStreams } from "./joined-streams.js";
import { Stream } from "./stream.js";
import { WindowedStream } from "./windowed-stream.js";

/**
 * A stream partitioned by key (`stream.keyBy(fn)`, alias `group(fn)`): state and windows are
 * per key. Keys are compared by SameValueZero (use strings or numbers).
 * @typeParam K - key type.
 * @typeParam T - record type.
 */
export class KeyedStream<K, T> {
  /** @internal */
  constructor(
    /** @internal */ readonly input: Stream<T>,
    /** The key selector. */ readonly keyFn: (record: T) => K,
  ) {}

  /** Joins with another keyed stream (same key type); see {@link JoinedStreams}. */
  join<B>(other: KeyedStream<K, B>): JoinedStreams<K, T, B> {
    return new JoinedStreams<K, T, B>(this, other);
  }

  /** Cuts each key's records into windows; see {@link WindowedStream}. */
  window(assigner: WindowAssigner): WindowedStream<T, K> {
    return new WindowedStream<T, K>(this.input, this.keyFn, assigner);
  }

  /**
   * Running aggregation per key, no window (Kafka Streams' aggregate): every record emits
   * its key's updated `{ key, ...fields }` (or `{ key, value }` for one aggregator).
   */
  agg<S extends AggSpec<T>>(spec: S): Stream<{ key: K } & AggFields<S>>;
  agg<O>(aggregator: StateAggregator<T, O> | StateAggregatorClass<T, O>): Stream<{ key: K; value: O }>;
  agg<R>(spec: unknown): Stream<R> {
    const aggregators = aggregatorSpec(spec);
    return this.node(
      { keyFn: this.keyFn as KeyedAggSpec["keyFn"], aggregators, reducer: null },
      "agg",
    ) as Stream<R>;
  }

  /**
   * Running reduce per key (Kafka Streams' reduce): the first record of a key is its value;
   * each next record emits `fn(previous, record)`.
   */
  reduce(fn: (acc: T, record: T) => T): Stream<T> {
    return this.node(
      {
        keyFn: this.keyFn as KeyedAggSpec["keyFn"],
        aggregators: null,
        reducer: fn as KeyedAggSpec["reducer"],
      },
      "reduce",
    ) as Stream<T>;
  }

  private node(spec: KeyedAggSpec, name: string): Stream<unknown> {
    const env = this.input.env;
    const node = env.addNode("keyedAgg", name, spec, {}, [this.input as Stream<unknown>]);
    return new Stream(env, node, null);
  }
}
