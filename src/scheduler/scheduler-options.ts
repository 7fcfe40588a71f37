import type { Registry } from "prom-client";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { TaskStoreBackend } from "./store/store-state.js";

/** Options of `new Scheduler(options)`. */
export interface SchedulerOptions {
  /** Runs at once, >= 1. Default 4. */
  concurrency?: number;
  /**
   * `'regular'` (default): a priority queue, FIFO within a priority. `'preemptive'`: when a
   * higher-priority run waits and no slot is free, the lowest-priority running run yields at its
   * next `proceed()` and is re-queued; it resumes later from its checkpoint.
   */
  mode?: "regular" | "preemptive";
  /** Where state persists (task store, checkpoints, dead letters, fire times). Default `memoryStore()`. */
  store?: TaskStoreBackend;
  /** Time and timers (inject a VirtualClock in tests). Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** A prom-client Registry for the metrics (default: a new one, at `scheduler.metrics.registry`). */
  metrics?: Registry;
  /** Events buffered per `events()` consumer before the oldest are dropped. Default 10,000. */
  eventBuffer?: number;
  /** Catch-up fires per trigger at most (`catchUp: 'all'`). Default 1,000. */
  maxCatchUp?: number;
}

/** Every key `new Scheduler(options)` accepts. @internal */
export const SCHEDULER_OPTION_KEYS: readonly string[] = [
  "concurrency",
  "mode",
  "store",
  "clock",
  "logger",
  "metrics",
  "eventBuffer",
  "maxCatchUp",
];
