import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatFigures, ProgressLine, progressFigures } from "../../src/cli/progress-line.js";
import { count, Env, Sink, silentLogger, tumbling } from "../../src/index.js";

class WaitingSink extends Sink<unknown> {
  n = 0;
  private waiter: { n: number; resolve: () => void } | null = null;
  async produce(elems: unknown[]) {
    this.n += elems.length;
    if (this.waiter !== null && this.n >= this.waiter.n) this.waiter.resolve();
  }
  reach(n: number) {
    return new Promise<void>((resolve) => {
      this.waiter = { n, resolve };
      if (this.n >= n) resolve();
    });
  }
}

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => {
    open = r;
  });
  return { p, open };
}

/**
 * An Env held mid-run: 100 records with event times 0..99 s read, then it waits; the watermark
 * 98,999 fired the nine 10 s windows ending by 90 s.
 */
async function heldEnv() {
  const release = gate();
  const sink = new WaitingSink();
  const env = new Env({ name: "held", logger: silentLogger });
  async function* events() {
    for (let i = 0; i < 100; i++) yield { ts: i * 1000 };
    await release.p;
  }
  env
    .from(events())
    .withTimestamps((r: { ts: number }) => r.ts, { maxOutOfOrderness: 0 })
    .window(tumbling(10_000))
    .agg({ n: count() })
    .to(sink);
  const run = env.run();
  await sink.reach(9);
  return { env, release, run, sink };
}

describe("progress line", () => {
  it("figures: records in and out, rate over the interval, the lowest watermark, elapsed", async () => {
    const { env, release, run } = await heldEnv();
    const f = progressFigures(env, 1_000, 3_000, { at: 2_000, recordsIn: 40 });
    expect(f.recordsIn).toBe(100);
    expect(f.recordsOut).toBe(9);
    expect(f.rate).toBe(60); // (100 - 40) records over 1 s
    expect(f.elapsedMs).toBe(2_000);
    expect(f.watermark).toBe(98_999); // 99,000 - 0 - 1
    const first = progressFigures(env, 1_000, 3_000);
    expect(first.rate).toBe(50); // 100 records since the start, 2 s ago
    expect(
      formatFigures({ recordsIn: 1234567, recordsOut: 1000, rate: 12345.6, watermark: 0, elapsedMs: 12_300 }),
    ).toBe("12,346 rec/s | in 1,234,567 out 1,000 | wm 1970-01-01T00:00:00.000Z | 12.3 s");
    expect(formatFigures({ recordsIn: 0, recordsOut: 0, rate: 0, watermark: undefined, elapsedMs: 5 })).toBe(
      "0 rec/s | in 0 out 0 | wm — | 5 ms",
    );
    release.open();
    await run;
  });

  it("draws on a terminal through cli-progress", async () => {
    const { env, release, run } = await heldEnv();
    let written = "";
    const tty = Object.assign(
      new Writable({
        write(chunk, _enc, cb) {
          written += String(chunk);
          cb();
        },
      }),
      {
        isTTY: true,
        columns: 200,
        rows: 40,
        cursorTo: () => true,
        clearLine: () => true,
        moveCursor: () => true,
      },
    ) as unknown as NodeJS.WriteStream;
    const line = new ProgressLine(env, tty, 60_000);
    line.start();
    line.refresh();
    line.stop();
    expect(written).toMatch(/rec\/s \| in 100 out 9 \| wm 1970-01-01T00:01:38\.999Z \| /);
    release.open();
    await run;
  });
});
