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
  /** Ended runs in end order; `null` where a run left the history again (retried). */
  private ring: (EndedRun | null)[] = [];
  private readonly index = new Map<string, number>();
  private offset = 0;
  /** No live entry before this ring position. */
  private head = 0;

  constructor(
    /** Ended runs kept, >= 1. */
    readonly capacity: number,
  ) {}

  /** Feeds one lifecycle event. */
  record(e: LifecycleEvent): void {
    if (e.status === "running") {
      if (!this.starts.has(e.runId)) this.starts.set(e.runId, e.occurAt);
      this.forget(e.runId);
      return;
    }
    if (!ENDED.has(e.status)) return;
    const startTime = this.starts.get(e.runId);
    this.forget(e.runId); // re-inserted: newest last
    this.index.set(e.runId, this.offset + this.ring.length);
    this.ring.push({
      taskId: e.id,
      runId: e.runId,
      status: e.status,
      msg: e.msg,
      attempt: e.attempt,
      startTime,
      endTime: e.occurAt,
      durationMs: startTime === undefined ? 0 : e.occurAt - startTime,
    });
    while (this.index.size > this.capacity) this.dropOldest();
    // compact now and then: the ring holds at most twice the capacity
    if (this.ring.length > this.capacity * 2) {
      const kept = this.ring.filter((x): x is EndedRun => x !== null);
      this.offset += this.ring.length;
      this.ring = kept;
      this.head = 0;
      this.index.clear();
      for (let i = 0; i < kept.length; i++) this.index.set(kept[i].runId, this.offset + i);
    }
    // start times of runs that never end here (abandoned) must not pile up
    if (this.starts.size > this.capacity * 2 + 10_000) {
      for (const id of this.starts.keys()) {
        if (this.starts.size <= this.capacity * 2) break;
        if (!this.index.has(id)) this.starts.delete(id);
      }
    }
  }

  /** Ended runs, newest first, at most `limit`, those `keep` accepts. */
  recent(limit: number, keep: (e: EndedRun) => boolean = () => true): EndedRun[] {
    const out: EndedRun[] = [];
    for (let i = this.ring.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.ring[i];
      if (e !== null && keep(e)) out.push(e);
    }
    return out;
  }

  /** Ended runs, newest first. */
  list(): EndedRun[] {
    return this.recent(Number.POSITIVE_INFINITY);
  }

  /** One ended run. */
  get(runId: string): EndedRun | undefined {
    const at = this.index.get(runId);
    return at === undefined ? undefined : (this.ring[at - this.offset] ?? undefined);
  }

  private forget(runId: string): void {
    const at = this.index.get(runId);
    if (at === undefined) return;
    this.ring[at - this.offset] = null;
    this.index.delete(runId);
  }

  private dropOldest(): void {
    for (; this.head < this.ring.length; this.head++) {
      const e = this.ring[this.head];
      if (e === null) continue;
      this.ring[this.head++] = null;
      this.index.delete(e.runId);
      this.starts.delete(e.runId);
      return;
    }
  }
}
