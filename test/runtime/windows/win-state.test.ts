import { describe, expect, it } from "vitest";
import {
  count,
  countWindow,
  Env,
  globalWindow,
  list,
  Sink,
  session,
  type WindowAssigner,
} from "../../../src/index.js";
import { AckingSource } from "../../helpers.js";

interface Rec {
  k: string;
  t: number;
}

/** A sink that holds its first write until the test opens it, and says when that write began. */
class HeldSink<T> extends Sink<T> {
  readonly records: T[] = [];
  readonly firstWrite: Promise<void>;
  private began!: () => void;
  private unblock!: () => void;
  private readonly gate = new Promise<void>((r) => {
    this.unblock = r;
  });
  constructor() {
    super();
    this.firstWrite = new Promise((r) => {
      this.began = r;
    });
  }
  async produce(elems: T[]): Promise<void> {
    this.began();
    await this.gate;
    this.records.push(...elems);
  }
  unblock_(): void {
    this.unblock();
  }
}

/**
 * Runs `recs` (source batches of 2) through a keyed window of `assigner` into a held sink. When
 * the first result reaches the sink, no result has been written yet, so no record may be
 * acknowledged: every record here is held by a window (none is late or filtered).
 */
async function acksWhileHeld(assigner: WindowAssigner, recs: Rec[], maxOutOfOrderness = 0) {
  const source = new AckingSource(recs, 2);
  const sink = new HeldSink<{ ids: string[] }>();
  const env = new Env({ batchSize: 2 });
  env
    .from(source)
    .withTimestamps((r) => r.t, { maxOutOfOrderness })
    .keyBy((r) => r.k)
    .window(assigner)
    .agg({ n: count(), ids: list((r: Rec) => `${r.k}${r.t}`) })
    .to(sink);
  const run = env.run();
  await sink.firstWrite;
  const before = [...source.acks];
  sink.unblock_();
  await run;
  return { before, after: source.acks, written: sink.records.flatMap((r) => r.ids).sort() };
}

describe("windows acknowledge a record only once a result holding it is written", () => {
  const cases: [string, WindowAssigner, Rec[], number?][] = [
    [
      // [0, 1100) of a fires when b@5100 moves the watermark past it; the rest fire at the end
      "session",
      session(1000),
      [
        { k: "a", t: 0 },
        { k: "a", t: 100 },
        { k: "a", t: 5000 },
        { k: "b", t: 5100 },
        { k: "a", t: 5200 }, // joins a's second session
        { k: "a", t: 5300 },
      ],
    ],
    [
      // a@6000 bridges [5000, 6000) and [7000, 8000), whose records came in different source batches
      "merged session",
      session(1000),
      [
        { k: "a", t: 0 },
        { k: "a", t: 100 },
        { k: "a", t: 5000 },
        { k: "b", t: 5100 },
        { k: "a", t: 7000 },
        { k: "b", t: 5200 },
        { k: "a", t: 6000 },
        { k: "b", t: 5300 },
      ],
      2000,
    ],
    [
      "count",
      countWindow(3),
      [
        { k: "a", t: 0 },
        { k: "a", t: 1 },
        { k: "b", t: 2 },
        { k: "a", t: 3 }, // a's first window (3 records, 2 source batches) fires here
        { k: "b", t: 4 },
        { k: "c", t: 5 },
      ],
    ],
    [
      "global",
      globalWindow(),
      [
        { k: "a", t: 0 },
        { k: "b", t: 1 },
        { k: "a", t: 2 },
        { k: "c", t: 3 },
      ],
    ],
  ];
  for (const [name, assigner, recs, ooo] of cases) {
    it(`${name} windows: nothing is acknowledged while the first result is unwritten; everything once all are`, async () => {
      const { before, after, written } = await acksWhileHeld(assigner, recs, ooo);
      expect(before).toEqual([]);
      expect(after.at(-1)).toBe(recs.length);
      expect(after).toEqual([...after].sort((x, y) => x - y));
      expect(written).toEqual(recs.map((r) => `${r.k}${r.t}`).sort());
    });
  }
});
