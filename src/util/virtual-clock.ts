import type { Clock } from "./clock.js";

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock whose time moves only when told: `advance(ms)` runs every timer due on the way, in
 * time order, letting promises settle between them. For deterministic tests of cron, `every`,
 * backoff and timeouts without sleeping.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  /** @param start - the initial time, epoch ms (default 2026-01-01T00:00:00Z). */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: ++this.seq, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running due timers in order; settles promises after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      let next: Timer | undefined;
      for (const t of this.timers)
        if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.id < next.id)))
          next = t;
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await flush();
  }

  /** Moves time to `epochMs` (see {@link VirtualClock.advance}). */
  advanceTo(epochMs: number): Promise<void> {
    return this.advance(Math.max(0, epochMs - this.t));
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
