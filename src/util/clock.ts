/**
 * Processing time and its timers. Injected so tests (and the `mass-stream/testing` harness) can drive
 * time by hand; the default is the system clock.
 */
export interface Clock {
  /** Current time in epoch ms. */
  now(): number;
  /** Calls `fn` after `ms` ms; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer set by {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** The system clock: `Date.now()` and unref'd Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
