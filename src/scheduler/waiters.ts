import type { Clock } from "../util/clock.js";

interface Waiter {
  readonly cond: () => boolean;
  resolve: () => void;
}

/**
 * Promises of conditions on the scheduler's runs (`idle()`, a task's runs ended, the stop's
 * drain): each waiter's condition is re-checked by {@link Waiters.check} at every change of runs,
 * so nothing polls and nothing waits a fixed time.
 * @internal
 */
export class Waiters {
  private list: Waiter[] = [];

  constructor(private readonly clock: Clock) {}

  /** Resolves when `cond()` holds. */
  waitFor(cond: () => boolean): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve) => this.list.push({ cond, resolve }));
  }

  /** Resolves when `cond()` holds or after `ms` on the scheduler's clock (at once for 0). */
  async waitForAtMost(cond: () => boolean, ms: number): Promise<void> {
    if (cond() || ms === 0) return;
    let timedOut!: () => void;
    const timeout = new Promise<void>((resolve) => {
      timedOut = resolve;
    });
    const waiter: Waiter = { cond, resolve: () => {} };
    const met = new Promise<void>((resolve) => {
      waiter.resolve = resolve;
    });
    this.list.push(waiter);
    const timer = this.clock.setTimeout(timedOut, ms);
    await Promise.race([met, timeout]);
    this.clock.clearTimeout(timer);
    this.list = this.list.filter((w) => w !== waiter);
  }

  /** Re-checks every waiter's condition (call after any change of runs). */
  check(): void {
    if (this.list.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.list) {
      if (w.cond()) w.resolve();
      else still.push(w);
    }
    this.list = still;
  }
}
