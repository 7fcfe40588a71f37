import { MinHeap } from "../../util/min-heap.js";
import type { AckToken } from "../ack.js";
import type { AggPlan } from "./agg-plan.js";
import type { WindowContext, WindowStrategy } from "./strategy.js";
import {
  bounds,
  collectInto,
  handOver,
  mergeInto,
  newWinState,
  releaseState,
  type WinState,
} from "./win-state.js";

interface Session {
  start: number;
  end: number;
  maxTs: number;
  readonly st: WinState;
  fired: boolean;
  dead: boolean;
}

interface Timer {
  readonly key: unknown;
  readonly s: Session;
  readonly end: number;
  readonly cleanup: boolean;
}

/**
 * Session windows (Flink's EventTimeSessionWindows + MergingWindowSet): per key, a sorted list
 * of disjoint sessions; a record opens `[ts, ts + gap)` and merges every session it intersects
 * (inclusive at the bounds, as TimeWindow.intersects). Fire and cleanup times sit in a min-heap
 * with lazy deletion (a merged or extended session leaves stale entries that are skipped).
 * A late record within allowed lateness may extend or bridge fired sessions; the merged
 * session fires again at once.
 * @internal
 */
export class SessionWindows implements WindowStrategy {
  private readonly perKey = new Map<unknown, Session[]>();
  private readonly timers = new MinHeap<Timer>();
  private states = 0;

  constructor(
    private readonly gap: number,
    private readonly plan: AggPlan,
    private readonly ctx: WindowContext,
  ) {}

  add(key: unknown, record: unknown, ts: number, acks: AckToken[] | null): void {
    let start = ts;
    let end = ts + this.gap;
    let list = this.perKey.get(key);
    const hits: number[] = [];
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const s = list[i];
        if (s.start <= end && s.end >= start) {
          hits.push(i);
          if (s.start < start) start = s.start;
          if (s.end > end) end = s.end;
        }
      }
    }
    const wm = this.ctx.watermark;
    if (end - 1 + this.ctx.lateness <= wm) {
      this.ctx.late(record, ts);
      return;
    }
    let target: Session;
    if (hits.length === 0) {
      target = { start, end, maxTs: ts, st: newWinState(this.plan), fired: false, dead: false };
      this.states++;
      if (list === undefined) {
        list = [];
        this.perKey.set(key, list);
      }
      let at = 0;
      while (at < list.length && list[at].start < start) at++;
      list.splice(at, 0, target);
    } else {
      target = list![hits[0]];
      for (let h = hits.length - 1; h >= 1; h--) {
        const other = list![hits[h]];
        mergeInto(this.plan, target.st, other.st);
        target.fired ||= other.fired;
        if (other.maxTs > target.maxTs) target.maxTs = other.maxTs;
        other.dead = true;
        list!.splice(hits[h], 1);
        this.states--;
      }
      target.start = start;
      target.end = end;
      if (ts > target.maxTs) target.maxTs = ts;
    }
    collectInto(this.plan, target.st, record, acks);
    this.timers.push(end - 1, { key, s: target, end, cleanup: false });
    if (this.ctx.eachRecord && !(end - 1 <= wm)) {
      this.ctx.fire(key, bounds(target.start, target.end), target.st.acc, target.end - 1);
    }
    if (end - 1 <= wm) {
      // late but within lateness: fire the updated (possibly merged) session now
      target.fired = true;
      handOver(target.st, this.ctx);
      this.ctx.fire(key, bounds(target.start, target.end), target.st.acc, target.end - 1);
      this.timers.push(end - 1 + this.ctx.lateness, { key, s: target, end, cleanup: true });
    }
  }

  advance(wm: number): void {
    while (this.timers.peekKey() <= wm) {
      const t = this.timers.pop()!;
      const s = t.s;
      if (s.dead || s.end !== t.end) continue;
      if (!t.cleanup && !s.fired) {
        s.fired = true;
        handOver(s.st, this.ctx);
        this.ctx.fire(t.key, bounds(s.start, s.end), s.st.acc, s.end - 1);
      }
      if (s.end - 1 + this.ctx.lateness <= wm) this.remove(t.key, s);
      else if (!t.cleanup)
        this.timers.push(s.end - 1 + this.ctx.lateness, { key: t.key, s, end: s.end, cleanup: true });
    }
  }

  private remove(key: unknown, s: Session): void {
    s.dead = true;
    releaseState(s.st);
    this.states--;
    const list = this.perKey.get(key)!;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.perKey.delete(key);
  }

  fireAll(): void {
    for (const [key, list] of this.perKey) {
      for (const s of list) {
        if (!s.fired) {
          handOver(s.st, this.ctx);
          this.ctx.fire(key, bounds(s.start, s.end), s.st.acc, s.end - 1);
        }
        s.dead = true;
        releaseState(s.st);
      }
    }
    this.perKey.clear();
    this.timers.clear();
    this.states = 0;
  }

  fireOpen(): void {
    for (const [key, list] of this.perKey) {
      for (const s of list) if (!s.fired) this.ctx.fire(key, bounds(s.start, s.end), s.st.acc, s.end - 1);
    }
  }

  nextFireTime(): number {
    return this.timers.peekKey();
  }

  stateCount(): number {
    return this.states;
  }
}
