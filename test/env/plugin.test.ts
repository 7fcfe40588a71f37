import { describe, expect, it } from "vitest";
import { Env, mean, Stream, tumbling, WindowedStream, type WindowValue } from "../../src/index.js";

// A plugin adds `stream.means(fn)` exactly as the built-ins add theirs (src/env/methods/):
// a module augmentation for the type, a prototype method for the behaviour.
declare module "../../src/index.js" {
  interface Stream<T> {
    /** Running mean of `fn(record)` over the whole stream, one value per record. */
    means(fn: (record: T) => number): Stream<number>;
  }
  interface WindowedStream<T, K> {
    /** Mean per window, as a plain number. */
    meanValue(fn: (record: T) => number): Stream<number>;
  }
}

Stream.prototype.means = function <T>(this: Stream<T>, fn: (record: T) => number) {
  return this.keyBy(() => "all")
    .agg(mean(fn))
    .map((r) => r.value);
};
WindowedStream.prototype.meanValue = function <T, K>(this: WindowedStream<T, K>, fn: (record: T) => number) {
  return this.mean(fn).map((r: WindowValue<K, number>) => r.value);
};

describe("extension sugar", () => {
  it("a plugin method added by augmentation runs like a built-in", async () => {
    expect(
      await new Env()
        .from([2, 4, 9])
        .means((x) => x)
        .toArray(),
    ).toEqual([2, 3, 5]);
  });

  it("windowed sugar (.sum/.mean, built on the same mechanism) and a plugin on WindowedStream", async () => {
    const recs = [
      { t: 0, v: 1 },
      { t: 10, v: 3 },
      { t: 1500, v: 10 },
    ];
    const env = new Env();
    const w = env
      .from(recs)
      .withTimestamps((r) => r.t)
      .window(tumbling(1000));
    expect(await w.meanValue((r) => r.v).toArray()).toEqual([2, 10]);
    const sums = await new Env()
      .from(recs)
      .withTimestamps((r) => r.t)
      .window(tumbling(1000))
      .sum((r) => r.v)
      .toArray();
    expect(sums.map((s) => s.value)).toEqual([4, 10]);
  });
});
