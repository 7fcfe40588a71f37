import type { NodeOptions } from "../options.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * Fan-in: one stream of the records of this stream and `others` (same type). Order within
     * each input is kept; across inputs, records interleave as they arrive. The watermark of
     * the union is the minimum of its inputs'.
     */
    union(...others: Stream<T>[]): Stream<T>;
  }
}

Stream.prototype.union = function union_<T>(this: Stream<T>, ...others: Stream<T>[]) {
  const options: NodeOptions | undefined = undefined;
  const node = this.env.addNode("union", "union", null, options, [this, ...others] as Stream<unknown>[]);
  return new Stream<T>(this.env, node, null);
};
