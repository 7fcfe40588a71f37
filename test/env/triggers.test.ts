import { describe, expect, it } from "vitest";
import {
  count,
  Env,
  earlyEvery,
  list,
  onEveryRecord,
  Sink,
  Source,
  session,
  tumbling,
} from "../../src/index.js";
import { VirtualClock } from "../../src/util/virtual-clock.js";

interface Ev {
  t: number;
  k: string;
}

/** A source the test feeds by hand; `end()` ends it. */
class Feed<T> extends Source<T> {
  private items: T[] = [];
  private ended = false;
  private wake: (() => void) | null = null;
  push(...xs: T[]): void {
    this.items.push(...xs);
    this.wake?.();
  }
  end(): void {
    this.ended = true;
    this.wake?.();
  }
  async consume(): Promise<T[] | null> {
    while (this.items.length === 0 && !this.ended) {
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = null;
    }
    if (this.items.length === 0) return null;
    return this.items.splice(0);
  }
}

class Collect<T> extends Sink<T> {
  got: T[] = [];
  produce(e: T[]) {
    this.got.push(...e);
  }
}

const settle = async () => {
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
};

describe("emission control", () => {
  it("earlyEvery(ms) emits the open windows' current results on the clock, then the final one", async () => {
    const clock = new VirtualClock(0);
    const feed = new Feed<Ev>();
    const out = new Collect<{ window: { start: number }; n: number }>();
    const env = new Env({ clock });
    env
      .from(feed)
      .withTimestamps((r) => r.t)
      .window(tumbling(10_000))
      .trigger(earlyEvery(1000))
      .agg({ n: count() })
      .to(out);
    const run = env.run();
    feed.push({ t: 100, k: "a" }, { t: 200, k: "a" });
    await settle();
    expect(out.got).toEqual([]);
    await clock.advance(1000);
    await settle();
    expect(out.got.map((r) => r.n)).toEqual([2]);
    feed.push({ t: 300, k: "a" });
    await settle();
    await clock.advance(1000);
    await settle();
    expect(out.got.map((r) => r.n)).toEqual([2, 3]);
    feed.push({ t: 12_000, k: "a" });
    await settle();
    // the watermark (11,999) closes [0, 10000): the final result
    expect(out.got.map((r) => [r.window.start, r.n])).toEqual([
      [0, 2],
      [0, 3],
      [0, 3],
    ]);
    feed.end();
    await run;
    expect(out.got.at(-1)).toMatchObject({ window: { start: 10_000 }, n: 1 });
  });

  it("onEveryRecord() emits the updated result after each record, then the final one", async () => {
    const out = await new Env({ batchSize: 2 })
      .from([
        { t: 1, k: "a" },
        { t: 2, k: "a" },
        { t: 3, k: "b" },
      ])
      .withTimestamps((r) => r.t, { maxOutOfOrderness: 100 })
      .keyBy((r) => r.k)
      .window(session(10))
      .trigger(onEveryRecord())
      .agg({ ks: list((r: Ev) => r.t) })
      .toArray();
    expect(out.map((r) => [r.key, r.ks])).toEqual([
      ["a", [1]],
      ["a", [1, 2]],
      ["b", [3]],
      ["a", [1, 2]],
      ["b", [3]],
    ]);
  });

  it("an idle input's watermark moves on with processing time, so a quiet source still closes its windows", async () => {
    const clock = new VirtualClock(0);
    const feed = new Feed<Ev>();
    const out = new Collect<{ window: { start: number }; n: number }>();
    const env = new Env({ clock });
    env
      .from(feed)
      .withTimestamps((r) => r.t, { idleTimeout: 5000 })
      .window(tumbling(60_000))
      .agg({ n: count() })
      .to(out);
    const run = env.run();
    feed.push({ t: 1000, k: "a" }, { t: 2000, k: "a" });
    await settle();
    await clock.advance(30_000);
    await settle();
    // the source is quiet: 1999 + 30 s of idleness is not yet past 59,999
    expect(out.got).toEqual([]);
    await clock.advance(30_000);
    await settle();
    expect(out.got.map((r) => [r.window.start, r.n])).toEqual([[0, 2]]);
    feed.end();
    await run;
    expect(out.got).toHaveLength(1);
  });
});
