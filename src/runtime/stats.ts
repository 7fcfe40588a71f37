/** Counters of one physical node, reported in the RunReport. */
export interface NodeStats {
  /** Records that entered the node (for a source: records it read). */
  recordsIn: number;
  /** Records the node emitted, summed over its output edges (for a sink: records written). */
  recordsOut: number;
  /** Records (or, for sinks, records of batches) dropped by a `'skip'` policy. */
  skipped: number;
  /** Records sent to the dead letters. */
  deadLettered: number;
  /** Retry attempts made (beyond first attempts). */
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
}

/** Fresh zeroed counters. @internal */
export function newStats(): NodeStats {
  return {
    recordsIn: 0,
    recordsOut: 0,
    skipped: 0,
    deadLettered: 0,
    retries: 0,
    lateRecords: 0,
    lateDropped: 0,
    unassigned: 0,
  };
}
