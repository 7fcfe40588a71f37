import { describe, expect, it } from "vitest";
import { Env, Sink, Source, tumbling } from "../../src/index.js";

interface Ev {
  readonly t: number;
}

/** One consume() answer: the batch, and the source's watermark once it returned (absent: unchanged). */
interface Step {
  readonly records: Ev[];
  readonly wm?: number;
}

/** Answers the scripted steps in turn (then `null`); `currentWatermark()` is the last step's. */
class ScriptedWatermarks extends Source<Ev> {
  private i = 0;
  private wm: number | undefined = undefined;
  constructor(private readonly steps: Step[]) {
    super();
  }
  consume(): Ev[] | null {
    const s = this.steps[this.i++];
    if (s === undefined) return null;
    if (s.wm !== undefined) this.wm = s.wm;
    return s.records;
  }
  override currentWatermark(): number | undefined {
    return this.wm;
  }
}

/**
 * Runs the script into 1-second tumbling windows (counts), with no watermark of its own
 * (`maxOutOfOrderness` infinite): only the source's watermark fires windows before the end.
 * Returns `start:count` per fired window and the timestamps of the late records, in order.
 */
async function windowed(steps: Step[]): Promise<{ fired: string[]; late: number[] }> {
  const env = new Env({ batchSize: 10, lingerMs: 1 });
  const w = env
    .from(new ScriptedWatermarks(steps))
    .withTimestamps((r) => r.t, { maxOutOfOrderness: Number.POSITIVE_INFINITY })
    .window(tumbling(1000));
  const fired = w
    .count()
    .map((r) => `${r.window.start}:${r.value}`)
    .toArray();
  const late = w
    .lateRecords()
    .map((r) => r.t)
    .toArray();
  await env.run();
  return { fired: await fired, late: await late };
}

describe("SourceNode: the source's watermark", () => {
  it("goes after the batch it was returned with: that batch is not late", async () => {
    expect(await windowed([{ records: [{ t: 100 }, { t: 200 }], wm: 5000 }])).toEqual({
      fired: ["0:2"],
      late: [],
    });
  });

  it("goes before the next batch: a record of that batch behind the watermark is late", async () => {
    const got = await windowed([{ records: [{ t: 100 }], wm: 1500 }, { records: [{ t: 200 }, { t: 1200 }] }]);
    expect(got).toEqual({ fired: ["0:1", "1000:1"], late: [200] });
  });

  it("advanced by an empty read, goes out before the next batch", async () => {
    const got = await windowed([
      { records: [{ t: 100 }] },
      { records: [], wm: 1500 },
      { records: [{ t: 200 }, { t: 1300 }] },
      { records: [], wm: 2500 },
      { records: [{ t: 1400 }] },
    ]);
    expect(got).toEqual({ fired: ["0:1", "1000:1"], late: [200, 1400] });
  });

  it("a watermark that fills the edge holds the next consume() until the sink took it", async () => {
    const log: string[] = [];
    class Logged extends ScriptedWatermarks {
      override consume(): Ev[] | null {
        log.push("consume");
        return super.consume();
      }
    }
    /** Takes several event-loop turns per batch: the edge (2 chunks) is full with a batch and a watermark. */
    class Slow extends Sink<Ev> {
      async produce(records: Ev[]): Promise<void> {
        log.push(`start ${records[0].t}`);
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        log.push(`end ${records[0].t}`);
      }
    }
    const env = new Env({ batchSize: 10, highWaterMark: 2 });
    env
      .from(
        new Logged([
          { records: [{ t: 1 }], wm: 1 },
          { records: [{ t: 2 }], wm: 2 },
        ]),
      )
      .to(new Slow());
    await env.run();
    expect(log).toEqual(["consume", "start 1", "end 1", "consume", "start 2", "end 2", "consume"]);
  });
});
