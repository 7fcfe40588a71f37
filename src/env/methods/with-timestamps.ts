import type { TimestampSpec } from "../../runtime/timestamp-node.js";
import { checkFunction, checkKeys, checkNumber } from "../../util/validate.js";
import { Stream } from "../stream.js";

/** Options of `withTimestamps`. */
export interface WithTimestampsOptions {
  /** Largest expected disorder in ms: watermark = max timestamp seen - maxOutOfOrderness - 1. Default 0. */
  maxOutOfOrderness?: number;
  /**
   * After this many ms (processing time) without records, this input is idle: nodes with several
   * inputs leave it out of their minimum watermark (Flink's withIdleness), and its watermark moves
   * on with processing time so its windows still close. Default: never idle.
   */
  idleTimeout?: number;
}

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * Event time: `fn(record)` gives each record's timestamp (epoch ms, or a Date), and the
     * stream carries bounded-out-of-orderness watermarks `maxSeenTs - maxOutOfOrderness - 1`
     * (Flink's WatermarkStrategy.forBoundedOutOfOrderness). The end of a bounded input is
     * watermark +Infinity. A record whose timestamp is not finite goes through the fault policy.
     * @throws ConfigError when `fn` is not a function, for a negative `maxOutOfOrderness` or
     *   `idleTimeout`, or an unknown option (`maxOutOfOrderess`: did you mean...).
     */
    withTimestamps(fn: (record: T) => number | Date, options?: WithTimestampsOptions): Stream<T>;
  }
}

Stream.prototype.withTimestamps = function withTimestamps_<T>(
  this: Stream<T>,
  fn: (record: T) => number | Date,
  options: WithTimestampsOptions = {},
) {
  checkFunction("withTimestamps(fn)", fn);
  checkKeys("withTimestamps(fn, options)", options, ["maxOutOfOrderness", "idleTimeout"]);
  const spec: TimestampSpec = {
    fn: fn as TimestampSpec["fn"],
    clock: this.env.options.clock,
    maxOutOfOrderness: checkNumber(
      "withTimestamps options.maxOutOfOrderness",
      options.maxOutOfOrderness ?? 0,
      0,
    ),
    idleTimeout: checkNumber(
      "withTimestamps options.idleTimeout",
      options.idleTimeout ?? Number.POSITIVE_INFINITY,
      0,
    ),
  };
  const node = this.env.addNode("timestamps", "withTimestamps", spec, { name: "withTimestamps" }, [
    this as Stream<unknown>,
  ]);
  return new Stream<T>(this.env, node, null);
};
