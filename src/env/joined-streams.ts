import { ConfigError } from "../errors.js";
import type { JoinMode, JoinSpec } from "../runtime/join-node.js";
import { checkWindowAssigner, type WindowAssigner } from "../states/windows/window-assigner.js";
import { checkFunction, checkInt } from "../util/validate.js";
import type { KeyedStream } from "./keyed-stream.js";
import { Stream } from "./stream.js";

/** A join pending its `apply(fn)`. */
export interface JoinApplier<K, A, B> {
  /**
   * The inner join: `fn(left, right, key)` for every matching pair.
   * @throws ConfigError if `fn` is not a function.
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
   * @throws ConfigError for anything but a tumbling or sliding assigner.
   */
  window(assigner: WindowAssigner): JoinApplier<K, A, B> {
    assigner = checkWindowAssigner(assigner, "join().window(assigner)");
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
   * Unbounded join (Flink SQL's regular join `FROM a JOIN b ON a.k = b.k`): every pair of a key,
   * whatever their times, emitted as soon as both arrived (with timestamp `max(left.ts,
   * right.ts)` under event time). Both sides are kept for ever: state grows with the input (one
   * entry per record); bound it with {@link JoinedStreams.ttl} when old records may be forgotten.
   * Works in event and processing time.
   */
  unbounded(): JoinApplier<K, A, B> {
    return this.applier({ kind: "unbounded" });
  }

  /**
   * Unbounded join with a state TTL: each record is kept `ttlMs` after its timestamp (event time;
   * processing time without `withTimestamps`), so a pair joins when its two timestamps are at most
   * `ttlMs` apart (inclusive), checked per pair: results never depend on batch sizes. A record's
   * state is dropped once the watermark passes `ts + ttlMs`; a record already past that when it
   * arrives is late (dropped and counted in `lateDropped`).
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
        checkFunction("join().apply(fn)", fn);
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
