import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countWindow,
  Env,
  globalWindow,
  list,
  onEveryRecord,
  Sink,
  session,
  sliding,
  tumbling,
  type WindowAssigner,
} from "../../../src/index.js";
import { AckingSource, WatchedSource } from "../../helpers.js";
import { disorderedEvents, type WindowEvent } from "../../property/window-events.js";

type Rec = WindowEvent;

/**
 * A source that checks, at each acknowledgement, that every record before the acknowledged
 * position that the run ever writes (in a window result or to lateRecords()) is written already.
 */
class CheckedSource extends AckingSource<Rec> {
  readonly violations: string[] = [];
  constructor(
    recs: Rec[],
    chunk: number,
    private readonly written: Set<number>,
    private readonly everWritten: () => Set<number> | null,
  ) {
    super(recs, chunk);
  }
  override ack(position: number): void {
    super.ack(position);
    const ever = this.everWritten();
    // the first pass learns which records are ever written; the second one checks
    if (ever === null) return;
    for (let id = 0; id < position; id++)
      if (ever.has(id) && !this.written.has(id))
        this.violations.push(`ack(${position}) before record ${id} was written`);
  }
}

/** A sink that writes a result's ids to `written` one macrotask after produce() is called. */
class SlowSink<T> extends Sink<T> {
  constructor(
    private readonly ids: (x: T) => number[],
    private readonly written: Set<number>,
  ) {
    super();
  }
  async produce(elems: T[]): Promise<void> {
    await new Promise((r) => setImmediate(r));
    for (const e of elems) for (const id of this.ids(e)) this.written.add(id);
  }
}

const assigners: [string, () => WindowAssigner][] = [
  ["tumbling(500)", () => tumbling(500)],
  ["sliding(600, 200)", () => sliding(600, 200)],
  ["sliding(300, 700)", () => sliding(300, 700)],
  ["session(250)", () => session(250)],
  ["countWindow(3)", () => countWindow(3)],
  ["globalWindow()", () => globalWindow()],
];

/** Keys a..c, timestamps mostly increasing with disorder, some far behind (late). */
const events = disorderedEvents({ maxLength: 40, start: 0 });

async function run(
  recs: Rec[],
  assigner: WindowAssigner,
  o: { ooo: number; lateness: number; chunk: number; batchSize: number; eachRecord: boolean },
  ever: Set<number> | null,
) {
  const written = new Set<number>();
  const source = new CheckedSource(recs, o.chunk, written, () => ever);
  const env = new Env({ batchSize: o.batchSize });
  let w = env
    .from(source)
    .withTimestamps((r) => r.t, { maxOutOfOrderness: o.ooo })
    .keyBy((r) => r.k)
    .window(assigner)
    .allowedLateness(o.lateness);
  if (o.eachRecord) w = w.trigger(onEveryRecord());
  w.agg({ ids: list((r: Rec) => r.id) }).to(new SlowSink((r) => r.ids, written));
  w.lateRecords().to(new SlowSink((r) => [r.id], written));
  const report = await env.run();
  return { source, written, report };
}

describe("windows acknowledge a position only once every record before it that is ever written is written (property)", () => {
  for (const [name, assigner] of assigners) {
    it(`${name}: disorder, allowed lateness, late records, any source chunk and batch size`, async () => {
      await fc.assert(
        fc.asyncProperty(
          events,
          fc.record({
            ooo: fc.constantFrom(0, 100, 300),
            lateness: fc.constantFrom(0, 150, 400),
            chunk: fc.constantFrom(1, 3, 16),
            batchSize: fc.constantFrom(1, 4, 64),
            eachRecord: fc.boolean(),
          }),
          async (recs, o) => {
            const first = await run(recs, assigner(), o, null);
            const second = await run(recs, assigner(), o, first.written);
            expect(second.source.violations).toEqual([]);
            expect(second.written).toEqual(first.written);
            // every record is acknowledged in the end, in order
            expect(second.source.acks.at(-1) ?? 0).toBe(recs.length);
            expect(second.source.acks).toEqual([...second.source.acks].sort((x, y) => x - y));
            // a record no output holds is one in a gap between sliding windows
            expect(recs.length - second.written.size).toBe(second.report.unassigned);
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});

describe("a window fed by a source that acknowledges and one that does not (union)", () => {
  for (const [name, assigner] of assigners) {
    it(`${name}: batches without ack tokens fold into the same windows; the acknowledging source gets every position`, async () => {
      const acked = Array.from({ length: 12 }, (_, i): Rec => ({ id: i, k: "a", t: i * 40 }));
      const plain = Array.from({ length: 12 }, (_, i): Rec => ({ id: 100 + i, k: "a", t: i * 40 + 20 }));
      const source = new WatchedSource(acked, 1);
      let firstRead!: () => void;
      const read = new Promise<void>((r) => {
        firstRead = r;
      });
      source.onConsume = () => firstRead();
      // the source without acks starts once the other one's first batch is in
      async function* unacked() {
        await read;
        yield* plain;
      }
      const env = new Env({ batchSize: 3 });
      const ts = (r: Rec) => r.t;
      const out = env
        .from(source)
        .withTimestamps(ts, { maxOutOfOrderness: 10_000 })
        .union(env.from(unacked()).withTimestamps(ts, { maxOutOfOrderness: 10_000 }))
        .keyBy((r) => r.k)
        .window(assigner())
        .agg({ ids: list((r: Rec) => r.id) })
        .toArray();
      const report = await env.run();
      const ids = new Set((await out).flatMap((r) => r.ids));
      expect(ids.size + report.unassigned).toBe(acked.length + plain.length);
      expect(source.acks.at(-1)).toBe(acked.length);
    });
  }
});
