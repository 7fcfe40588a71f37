import { ConfigError } from "../../errors.js";
import { show } from "../../util/validate.js";
import type { NodeOptions } from "../options.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * Fan-in: one stream of the records of this stream and `others` (same type). Order within
     * each input is kept; across inputs, records interleave as they arrive. The watermark of
     * the union is the minimum of its inputs'.
     * @throws ConfigError when an argument is not a Stream (of this Env).
     */
    union(...others: Stream<T>[]): Stream<T>;
  }
}

Stream.prototype.union = function union_<T>(this: Stream<T>, ...others: Stream<T>[]) {
  others.forEach((o, i) => {
    if (!(o instanceof Stream)) {
      throw new ConfigError(`union(...others): argument ${i + 1} must be a Stream, got ${show(o)}`);
    }
  });
  const options: NodeOptions | undefined = undefined;
  const node = this.env.addNode("union", "union", null, options, [this, ...others] as Stream<unknown>[]);
  return new Stream<T>(this.env, node, null);
};
