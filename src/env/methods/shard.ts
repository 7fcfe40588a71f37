import type { ShardSpec } from "../../runtime/shard-node.js";
import { checkFunction, checkInt, checkKeys } from "../../util/validate.js";
import { Stream } from "../stream.js";

/** Options of `shard`. */
export interface ShardOptions {
  /** Number of lanes, >= 1. Default 4. */
  parallelism?: number;
  /** Display name of the shard (its lanes are `name[0]`, `name[1]`...). Default `"shard"`. */
  name?: string;
  /** Records per batch on the lanes. Default: the Env's. */
  batchSize?: number;
  /** Batches buffered on each lane's input edge. Default: the Env's. */
  highWaterMark?: number;
}

const SHARD_KEYS = ["parallelism", "name", "batchSize", "highWaterMark"] as const;

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * Splits the stream into `parallelism` lanes by key (see docs/runtime.md, "Shards"): the
     * same `keyFn(record)` always goes to the same lane, in order, so per-key order is kept.
     * The operators after the shard run once per lane — fused stages, `mapAsync`, `compute`
     * and sinks (a Calculator or Sink instance is shared by the lanes: its hooks run once, its
     * `calc`/`produce` may run for several lanes at a time) — so async work in different lanes
     * proceeds concurrently, like Flink's keyBy with a parallelism. Any other operator (a
     * window, a union, `withTimestamps`...) joins the lanes again first. Each lane is a node of
     * its own in `topology()` and the run report.
     *
     * A `keyFn` that throws goes through the Env's fault policy.
     * @throws ConfigError when `keyFn` is not a function, `parallelism` not an integer >= 1, or
     *   an option is unknown.
     */
    shard(keyFn: (record: T) => unknown, options?: ShardOptions): Stream<T>;
  }
}

Stream.prototype.shard = function shard_<T>(
  this: Stream<T>,
  keyFn: (record: T) => unknown,
  options: ShardOptions = {},
) {
  checkFunction("shard(keyFn)", keyFn);
  checkKeys("shard(keyFn, options)", options, SHARD_KEYS);
  const spec: ShardSpec = {
    keyFn: keyFn as ShardSpec["keyFn"],
    parallelism: checkInt("shard options.parallelism", options.parallelism ?? 4, 1),
  };
  const node = this.env.addNode(
    "shard",
    "shard",
    spec,
    { name: options.name, batchSize: options.batchSize, highWaterMark: options.highWaterMark },
    [this as Stream<unknown>],
  );
  return new Stream<T>(this.env, node, null);
};
