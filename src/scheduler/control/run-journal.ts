import type { LifecycleEvent } from "../events.js";
import type { RunStatus } from "../task-run.js";

/** A run that ended, as the control plane remembers it (`GET /runs`). Times epoch ms, durations ms. */
export interface EndedRun {
  readonly taskId: string;
  readonly runId: string;
  /** `finished`, `failed` or `stopped`. */
  readonly status: RunStatus;
  /** The last lifecycle message (why it ended). */
  readonly msg: string;
  readonly attempt: number;
  /** When it first started running; `undefined` for a run dropped before it started. */
  readonly startTime: number | undefined;
  readonly endTime: number;
  /** `endTime - startTime` (paused time included); 0 when it never started. */
  readonly durationMs: number;
}

const ENDED: ReadonlySet<RunStatus> = new Set(["finished", "failed", "stopped"]);

/**
 * The recent history of runs for the control plane: the last `capacity` runs that ended, newest
 * last, built from lifecycle events. A `failed` event followed by a retry is not an end: the run
 * leaves the history again when its next attempt starts (readers also hide ended entries whose
 * run id is still active in `scheduler.runs()`).
 */
export class RunJournal {
  private readonly starts = new Map<string, number>();
  private readonly ended = new Map<string, EndedRun>();

  constructor(
    /** Ended runs kept, >= 1. */
    readonly capacity: number,
  ) {}

  /** Feeds one lifecycle event. */
  record(e: LifecycleEvent): void {
    if (e.status === "running") {
      if (!this.starts.has(e.runId)) this.starts.set(e.runId, e.occurAt);
      this.ended.delete(e.runId);
      return;
    }
    if (!ENDED.has(e.status)) return;
    const startTime = this.starts.get(e.runId);
    this.ended.delete(e.runId); // re-insert: newest last
    this.ended.set(e.runId, {
      taskId: e.id,
      runId: e.runId,
      status: e.status,
      msg: e.msg,
      attempt: e.attempt,
      startTime,
      endTime: e.occurAt,
      durationMs: startTime === undefined ? 0 : e.occurAt - startTime,
    });
    while (this.ended.size > this.capacity) {
      const oldest = this.ended.keys().next().value as string;
      this.ended.delete(oldest);
      this.starts.delete(oldest);
    }
    // a start time is kept until the run leaves the history (a failed attempt may be retried)
    if (this.starts.size > this.capacity * 2 + 10_000) {
      for (const id of this.starts.keys()) {
        if (this.starts.size <= this.capacity * 2) break;
        if (!this.ended.has(id)) this.starts.delete(id);
      }
    }
  }

  /** Ended runs, newest first. */
  list(): EndedRun[] {
    return [...this.ended.values()].reverse();
  }

  /** One ended run. */
  get(runId: string): EndedRun | undefined {
    return this.ended.get(runId);
  }
}
