import cliProgress from "cli-progress";
import type { Env } from "../env/env.js";
import { envStats } from "../scheduler/control/env-stats.js";
import { formatMs } from "./report-format.js";

/** What the live line shows, from an Env's live counters. */
export interface ProgressFigures {
  /** Records read by the sources. */
  readonly recordsIn: number;
  /** Records written by the sinks. */
  readonly recordsOut: number;
  /** Records read per second over the last interval. */
  readonly rate: number;
  /** The job's event-time progress: the lowest watermark among its nodes that have one (epoch ms), or undefined. */
  readonly watermark: number | undefined;
  readonly elapsedMs: number;
}

/** Reads the figures of a running Env (`previous` gives the rate's interval). */
export function progressFigures(
  env: Env,
  startedAt: number,
  now: number,
  previous?: { at: number; recordsIn: number },
): ProgressFigures {
  let recordsIn = 0;
  let recordsOut = 0;
  let watermark: number | undefined;
  for (const n of envStats(env, now).nodes) {
    if (n.kind === "source") recordsIn += n.recordsIn;
    if (n.kind === "sink") recordsOut += n.recordsOut;
    if (n.watermark !== undefined)
      watermark = watermark === undefined ? n.watermark : Math.min(watermark, n.watermark);
  }
  const dt = previous === undefined ? now - startedAt : now - previous.at;
  const base = previous?.recordsIn ?? 0;
  return {
    recordsIn,
    recordsOut,
    rate: dt > 0 ? ((recordsIn - base) * 1000) / dt : 0,
    watermark,
    elapsedMs: now - startedAt,
  };
}

/** One line: `12,345 rec/s | in 1,000,000 out 998,000 | wm 2026-01-01T08:00:00.000Z | 12.3 s`. */
export function formatFigures(f: ProgressFigures): string {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  const wm = f.watermark === undefined ? "—" : new Date(f.watermark).toISOString();
  return `${n(f.rate)} rec/s | in ${n(f.recordsIn)} out ${n(f.recordsOut)} | wm ${wm} | ${formatMs(f.elapsedMs)}`;
}

/**
 * The live progress line of `mass run` (cli-progress, on stderr, only on a terminal): records/s,
 * records in and out, the lowest watermark, elapsed time; refreshed every `intervalMs`.
 */
export class ProgressLine {
  private readonly bar: cliProgress.SingleBar;
  private timer: NodeJS.Timeout | null = null;
  private previous: { at: number; recordsIn: number } | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly env: Env,
    stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 250,
  ) {
    this.bar = new cliProgress.SingleBar(
      { format: "{line}", stream, hideCursor: true, clearOnComplete: true, noTTYOutput: false },
      cliProgress.Presets.shades_classic,
    );
  }

  start(): void {
    this.bar.start(1, 0, { line: "starting…" });
    this.timer = setInterval(() => this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  /** Reads the Env's counters and redraws the line now (the timer calls it every `intervalMs`). */
  refresh(): void {
    const now = Date.now();
    const f = progressFigures(this.env, this.startedAt, now, this.previous);
    this.previous = { at: now, recordsIn: f.recordsIn };
    this.bar.update(0, { line: formatFigures(f) });
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.bar.stop();
  }
}
