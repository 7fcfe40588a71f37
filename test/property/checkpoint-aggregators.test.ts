import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StateAggregator, session, tumbling } from "../../src/index.js";
import { batchSizes, type Ev, eventsWithSplit, keyed, runSplit } from "./checkpoint-kit.js";

const entries = (evs: Ev[]) => evs.map((e) => [e, e.t] as const);

/** A user aggregator with the default snapshot/restore (own fields: a Map, an array, numbers). */
class LongestRun extends StateAggregator<Ev, { best: number; last: number[]; per: [number, number][] }> {
  private run = 0;
  private best = 0;
  private prev = Number.NaN;
  private last: number[] = [];
  private per = new Map<number, number>();
  collect(e: Ev): void {
    this.run = e.v >= this.prev ? this.run + 1 : 1;
    this.prev = e.v;
    if (this.run > this.best) this.best = this.run;
    this.last.push(e.id);
    if (this.last.length > 3) this.last.shift();
    this.per.set(e.v % 3, (this.per.get(e.v % 3) ?? 0) + 1);
  }
  yield() {
    return { best: this.best, last: [...this.last], per: [...this.per].sort((a, b) => a[0] - b[0]) };
  }
  override merge(o: LongestRun): void {
    this.best = Math.max(this.best, o.best);
    for (const id of o.last) this.last.push(id);
    while (this.last.length > 3) this.last.shift();
    for (const [k, n] of o.per) this.per.set(k, (this.per.get(k) ?? 0) + n);
  }
}

/** An async user aggregator with its own snapshot/restore (a running checksum). */
class AsyncChecksum extends StateAggregator<Ev, number, { h: number; n: number }> {
  private h = 17;
  private n = 0;
  async collect(e: Ev): Promise<void> {
    await null;
    this.h = (this.h * 31 + e.id * 7 + e.v) % 1_000_003;
    this.n++;
  }
  async yield(): Promise<number> {
    return this.h * 1000 + this.n;
  }
  override snapshot() {
    return { h: this.h, n: this.n };
  }
  override restore(s: { h: number; n: number }): void {
    this.h = s.h;
    this.n = s.n;
  }
}

describe("custom StateAggregator checkpoints (property)", () => {
  it("default snapshot/restore (Map, array, NaN fields) and an async aggregator with its own: windows, sessions, keyed agg", async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsWithSplit(80),
        fc.integer({ min: 0, max: 6 }).map((x) => x * 50),
        batchSizes,
        async ([evs, at], ooo, batchSize) => {
          const { whole, split } = await runSplit(
            (h, input) => {
              const k = input<Ev>("in")
                .withTimestamps((r) => r.t, { maxOutOfOrderness: ooo })
                .keyBy((r) => r.k);
              h.output("win", k.window(tumbling(700)).allowedLateness(200).agg({ run: LongestRun }));
              h.output("ses", k.window(session(300)).agg(new LongestRun()));
              h.output("async", k.window(tumbling(500)).agg({ c: AsyncChecksum }));
              h.output("running", k.agg({ run: LongestRun, c: AsyncChecksum }));
            },
            { in: entries(evs) },
            { in: at },
            batchSize,
            ["win", "ses", "async", "running"],
          );
          expect(keyed(split)).toEqual(keyed(whole));
          expect(whole.running).toHaveLength(evs.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
