/** Counters of one physical node, reported in the RunReport. */
export interface NodeStats {
  /** Records that entered the node (for a source: records it read). */
  recordsIn: number;
  /** Records the node emitted, summed over its output edges (for a sink: records written). */
  recordsOut: number;
  /** Records (or, for sinks, records of batches) dropped by a `'skip'` policy, over every operator of the node. */
  skipped: number;
  /** Records sent to the dead letters, over every operator of the node. */
  deadLettered: number;
  /** Retry attempts made (beyond first attempts), over every operator of the node. */
  retries: number;
  /** Late records (past allowed lateness) sent to a `lateRecords()` side output. */
  lateRecords: number;
  /** Late records dropped because no `lateRecords()` stream listens (counted, logged once). */
  lateDropped: number;
  /**
   * Records that fell in no window at all (sliding windows with `slide > size` leave gaps
   * between windows, as Flink's): not late, counted here (never as late).
   */
  unassigned: number;
  /**
   * Wall-clock time in ms (monotonic, `performance.now()`) the node spent blocked by
   * backpressure: from a write to a downstream input that returned "full" (its buffer of
   * `highWaterMark` batches reached) until every full output drained. Overlapping waits count
   * once; a wait in progress counts up to now. A node whose consumers keep up stays at 0; a
   * slow sink makes the nodes above it grow (Flink's `backPressuredTimeMsPerSecond`, summed).
   * Read by `env.stats()`, the run report and the control plane's
   * `mass_env_backpressure_blocked_seconds_total`.
   */
  readonly backpressureMs: number;
}

/**
 * The counters of one node, with the clock of its backpressure waits
 * ({@link NodeStats.backpressureMs}). @internal
 */
export class NodeCounters implements NodeStats {
  recordsIn = 0;
  recordsOut = 0;
  skipped = 0;
  deadLettered = 0;
  retries = 0;
  lateRecords = 0;
  lateDropped = 0;
  unassigned = 0;
  /** Waits finished so far, ms. */
  private blockedMs = 0;
  /** Waits for room in progress (they may overlap: a batch write and a watermark). */
  private waiting = 0;
  /** When the current blocked interval began (`performance.now()`). */
  private since = 0;

  get backpressureMs(): number {
    return this.waiting > 0 ? this.blockedMs + (performance.now() - this.since) : this.blockedMs;
  }

  /**
   * Counts the time until `room` settles as blocked (the union of overlapping waits) and
   * returns a promise of it. Call it right after the write that returned "full".
   */
  blockedOn(room: Promise<void>): Promise<void> {
    if (this.waiting++ === 0) this.since = performance.now();
    const done = (): void => {
      if (--this.waiting === 0) this.blockedMs += performance.now() - this.since;
    };
    return room.then(done, (err: unknown) => {
      done();
      throw err;
    });
  }
}

/**
 * Counters of one operator, chained or not (see docs/runtime.md, "Visibility"). For a stage
 * fused into a node's loop, `recordsIn` counts the records that reached the stage and
 * `recordsOut` those it handed on (a filter's kept records, a flatMap's outputs).
 */
export interface OperatorStats {
  /** Records that reached the operator. */
  recordsIn: number;
  /** Records the operator handed on. */
  recordsOut: number;
  /** Records dropped by a `'skip'` policy of this operator. */
  skipped: number;
  /** Records this operator sent to the dead letters. */
  deadLettered: number;
  /** Retry attempts this operator made (beyond first attempts). */
  retries: number;
}

/** Fresh zeroed node counters. @internal */
export function newStats(): NodeCounters {
  return new NodeCounters();
}

/** Fresh zeroed operator counters. @internal */
export function newOperatorStats(): OperatorStats {
  return { recordsIn: 0, recordsOut: 0, skipped: 0, deadLettered: 0, retries: 0 };
}
