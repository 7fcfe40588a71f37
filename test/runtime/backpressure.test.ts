import { describe, expect, it } from "vitest";
import { arraySink, Env } from "../../src/index.js";
import { GatedSink, WatchedSource } from "../helpers.js";

describe("backpressure", () => {
  for (const [batchSize, highWaterMark] of [
    [100, 4],
    [64, 16],
    [1, 2],
  ]) {
    for (const factor of [1, 10]) {
      const total = batchSize * highWaterMark * 20 * factor;
      it(`a blocked sink holds pulled-but-unwritten records within highWaterMark x batchSize (bs=${batchSize}, hwm=${highWaterMark}, n=${total})`, async () => {
        const records = Array.from({ length: total }, (_, i) => i);
        const source = new WatchedSource(records);
        const sink = new GatedSink<number>(true);
        const env = new Env({ batchSize, highWaterMark });
        // what the runtime must let the source read while the sink is blocked in its first
        // produce(): highWaterMark batches on the edge (the one in the sink's hands counts, as
        // in Node's Writable); and never more than that plus slack for the batch in hand
        const reaches = highWaterMark * batchSize;
        const bound = (highWaterMark + 2) * batchSize;
        let maxInFlight = 0;
        source.onConsume = (pulled) => {
          maxInFlight = Math.max(maxInFlight, pulled - sink.records.length);
          if (pulled >= reaches) sink.open_(); // the event: the source got as far as it may
        };
        env
          .from(source)
          .map((x) => x + 1)
          .to(sink);
        await env.run();
        expect(maxInFlight).toBeGreaterThanOrEqual(reaches);
        expect(maxInFlight).toBeLessThanOrEqual(bound);
        expect(sink.records.length).toBe(total);
        expect(sink.records[total - 1]).toBe(total);
      });
    }
  }

  it("the slowest branch of a fan-out holds back the source", async () => {
    const batchSize = 10;
    const highWaterMark = 3;
    const source = new WatchedSource(Array.from({ length: 10_000 }, (_, i) => i));
    const slow = new GatedSink<number>(true);
    const fastOut: number[] = [];
    const env = new Env({ batchSize, highWaterMark });
    const s = env.from(source);
    s.to(slow);
    s.tap((x) => fastOut.push(x)).to(arraySink());
    let maxAhead = 0;
    let fastKeptUp = true;
    source.onConsume = (pulled) => {
      maxAhead = Math.max(maxAhead, pulled - slow.records.length);
      // the fast branch has seen every record pulled before this call
      if (fastOut.length < pulled - batchSize) fastKeptUp = false;
      if (pulled >= highWaterMark * batchSize) slow.open_();
    };
    await env.run();
    expect(maxAhead).toBeLessThanOrEqual((highWaterMark + 2) * batchSize);
    expect(fastKeptUp).toBe(true);
    expect(slow.records.length).toBe(10_000);
    expect(fastOut.length).toBe(10_000);
  });
});
