import { type MapAsyncOptions, mapAsyncSpec } from "../../operators/map-async.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * Async I/O per record with bounded concurrency: at most `concurrency` (default 8) calls in
     * flight; results in input order unless `ordered: false`. Its own node (not fused).
     * @throws ConfigError for a bad option, e.g. `mapAsync options.concurrency must be an integer >= 1, got 0`.
     */
    mapAsync<U>(fn: (record: T) => Promise<U> | U, options?: MapAsyncOptions): Stream<U>;
  }
}

Stream.prototype.mapAsync = function mapAsync_<T, U>(
  this: Stream<T>,
  fn: (record: T) => Promise<U> | U,
  options?: MapAsyncOptions,
) {
  const spec = mapAsyncSpec(fn as (r: never) => unknown, options);
  const node = this.env.addNode(
    "mapAsync",
    spec.name,
    spec,
    { name: options?.name, highWaterMark: spec.highWaterMark },
    [this as Stream<unknown>],
  );
  return new Stream<U>(this.env, node, null);
};
