import { ConfigError } from "../errors.js";
import type { JoinMode, JoinSpec } from "../runtime/join-node.js";
import type { WindowAssigner } from "../states/windows/window-assigner.js";
import { checkInt } from "../util/validate.js";
import type { KeyedStream } from "./keyed-stream.js";
import { Stream } from "./stream.js";

/** A join pending its `apply(fn)`. */
export interface JoinApplier<K, A, B> {
  /**
   * The inner join: `fn(left, right, key)` for every matching pair.
   * @returns a Stream of what `fn` returns, with event time (see the join kind).
   */
  apply<O>(fn: (left: A, right: B, key: K) => O): Stream<O>;
}

/**
 * `left.keyBy(k).join(right.keyBy(k))` (Flink's JoinedStreams / IntervalJoin): pick how records
 * meet, then `apply(fn)`. Both inputs need event time (`withTimestamps`) for window and interval
 * joins. Inner joins: a record without a partner emits nothing.
 * @typeParam K - key type. @typeParam A - left record. @typeParam B - right record.
 */
export class JoinedStreams<K, A, B> {
  /** @internal */
  constructor(
    private readonly left: KeyedStream<K, A>,
    private readonly right: KeyedStream<K, B>,
  ) {
    if (left.input.env !== right.input.env)
      throw new ConfigError("join(): both streams must belong to the same Env");
  }

  /**
   * Window join: pairs of a key that fall in the same tumbling or sliding window, emitted when
   * the window closes (watermark reaches `end - 1`), with timestamp `end - 1`.
   * @throws ConfigError for session, count or global windows.
   */
  window(assigner: WindowAssigner): JoinApplier<K, A, B> {
    if (assigner.kind !== "tumbling" && assigner.kind !== "sliding") {
      throw new ConfigError(`join().window(): tumbling or sliding windows only, got ${assigner.kind}`);
    }
    return this.applier({ kind: "window", assigner });
  }

  /**
   * Interval join: pairs with `left.ts + lowerMs <= right.ts <= left.ts + upperMs` (inclusive),
   * emitted as soon as both arrived, with timestamp `max(left.ts, right.ts)`; state is dropped as
   * the watermark passes the interval.
   * @throws ConfigError unless both bounds are integers and `lowerMs <= upperMs`.
   */
  between(lowerMs: number, upperMs: number): JoinApplier<K, A, B> {
    checkInt("between(lowerMs)", lowerMs, Number.MIN_SAFE_INTEGER);
    checkInt("between(upperMs)", upperMs, Number.MIN_SAFE_INTEGER);
    if (lowerMs > upperMs)
      throw new ConfigError(
        `between(lowerMs, upperMs): lowerMs (${lowerMs}) must be <= upperMs (${upperMs})`,
      );
    return this.applier({ kind: "interval", lower: lowerMs, upper: upperMs });
  }

  /**
   * Unbounded keyed join with a state TTL: every pair of a key, each record kept `ttlMs` after its
   * timestamp (event time; processing time without `withTimestamps`).
   * @throws ConfigError unless `ttlMs` is a positive integer.
   */
  ttl(ttlMs: number): JoinApplier<K, A, B> {
    checkInt("ttl(ttlMs)", ttlMs, 1);
    return this.applier({ kind: "ttl", ttlMs });
  }

  private applier(mode: JoinMode): JoinApplier<K, A, B> {
    const { left, right } = this;
    return {
      apply<O>(fn: (l: A, r: B, key: K) => O): Stream<O> {
        const env = left.input.env;
        const spec: JoinSpec = {
          leftKey: left.keyFn as JoinSpec["leftKey"],
          rightKey: right.keyFn as JoinSpec["rightKey"],
          mode,
          apply: fn as unknown as JoinSpec["apply"],
          clock: env.options.clock,
        };
        const node = env.addNode("join", `join:${mode.kind}`, spec, {}, [
          left.input as Stream<unknown>,
          right.input as Stream<unknown>,
        ]);
        return new Stream<O>(env, node, null);
      },
    };
  }
}
