import { describe, expect, it } from "vitest";
import { arraySink, Env } from "../../src/index.js";
import { AckingSource, GatedSink, ticks } from "../helpers.js";

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
        const source = new AckingSource(records);
        const sink = new GatedSink<number>();
        const env = new Env({ batchSize, highWaterMark });
        env
          .from(source)
          .map((x) => x + 1)
          .to(sink);
        const done = env.run();
        await ticks(50);
        // the sink is blocked in its first produce(): what was pulled sits in the source, the
        // edge buffer and the sink's hands
        const inFlight = source.pulled - sink.records.length;
        expect(sink.records.length).toBe(0);
        expect(inFlight).toBeGreaterThan(0);
        expect(inFlight).toBeLessThanOrEqual((highWaterMark + 2) * batchSize);
        sink.open_();
        await done;
        expect(sink.records.length).toBe(total);
        expect(sink.records[total - 1]).toBe(total);
      });
    }
  }

  it("the slowest branch of a fan-out holds back the source", async () => {
    const batchSize = 10;
    const highWaterMark = 3;
    const source = new AckingSource(Array.from({ length: 10_000 }, (_, i) => i));
    const slow = new GatedSink<number>();
    const fastOut: number[] = [];
    const env = new Env({ batchSize, highWaterMark });
    const s = env.from(source);
    s.to(slow);
    s.tap((x) => fastOut.push(x)).to(arraySink());
    const run = env.run();
    await ticks(50);
    expect(source.pulled).toBeGreaterThan(0);
    expect(source.pulled).toBeLessThanOrEqual((highWaterMark + 2) * batchSize);
    expect(fastOut.length).toBe(source.pulled);
    slow.open_();
    await run;
    expect(slow.records.length).toBe(10_000);
  });
});
