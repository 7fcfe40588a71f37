import { MinHeap } from "../../util/min-heap.js";
import type { AckToken } from "../ack.js";
import { checkState, describeState, isPairs } from "../checkpoint/state-shape.js";
import type { AggPlan } from "./agg-plan.js";
import { keyOf, type WindowContext, type WindowStrategy } from "./strategy.js";
import {
  bounds,
  collectInto,
  handOver,
  mergeInto,
  newWinState,
  releaseState,
  type WinState,
} from "./win-state.js";

/**
 * Checkpoint of {@link SessionWindows}: per key its sessions (sorted by start), and the timer heap
 * in heap order, each timer naming its session by index in the flattened list of sessions (-1:
 * a session merged away, the timer is stale). @internal
 */
export interface SessionWindowsState {
  readonly keys: [unknown, { start: number; end: number; pending: boolean; acc: unknown }[]][];
  readonly timers: { at: number; key: unknown; session: number; end: number; cleanup: boolean }[];
}

interface Session {
  start: number;
  end: number;
  readonly st: WinState;
  /**
   * Whether the session holds records no result showed yet: it fires when the watermark
   * reaches `end - 1` (Flink's EventTimeTrigger timer), or at once when it is already there.
   */
  pending: boolean;
  dead: boolean;
}

interface Timer {
  readonly key: unknown;
  readonly s: Session;
  /** The session's `end` when the timer was set; a merged or extended session makes it stale. */
  readonly end: number;
  /** `false`: fire at `end - 1`; `true`: purge at `end - 1 + lateness`. */
  readonly cleanup: boolean;
}

/**
 * Session windows (Flink's EventTimeSessionWindows + MergingWindowSet + EventTimeTrigger): per
 * key, a sorted list of disjoint sessions; a record opens `[ts, ts + gap)` and merges every
 * session it intersects (inclusive at the bounds, as TimeWindow.intersects).
 *
 * Firing follows Flink's accumulating EventTimeTrigger on a merging window: after a record is
 * added, the (possibly merged) session fires at once if the watermark is already at
 * `end - 1` (a late record within allowed lateness), else when the watermark reaches
 * `end - 1` — **also when it fired before** (a late record that extends a fired session
 * beyond the watermark re-fires it at its new end: WindowOperatorTest's
 * `testNotSideOutputDueToLatenessSessionWithHugeLateness`). A session with nothing new does not
 * fire again. State is purged at `end - 1 + allowedLateness`; a record whose merged session
 * would already be past that is late.
 *
 * Fire and purge times sit in a min-heap with lazy deletion (timers of a merged or extended
 * session are stale and skipped).
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

  addBatch(
    keyFn: ((record: unknown) => unknown) | null,
    records: unknown[],
    ts: number[],
    from: number,
    to: number,
    acks: AckToken[] | null,
  ): void {
    for (let i = from; i < to; i++) this.add(keyOf(keyFn, records, i), records[i], ts[i], acks);
  }

  add(key: unknown, record: unknown, ts: number, acks: AckToken[] | null): void {
    let start = ts;
    let end = ts + this.gap;
    let list = this.perKey.get(key);
    let first = -1;
    let hits = 0;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const s = list[i];
        if (s.start > end) break; // sorted by start: nothing further intersects
        if (s.end >= start) {
          if (first < 0) first = i;
          hits++;
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
    let extended: boolean;
    if (hits === 0) {
      target = { start, end, st: newWinState(this.plan), pending: false, dead: false };
      this.states++;
      if (list === undefined) {
        list = [];
        this.perKey.set(key, list);
      }
      let at = 0;
      while (at < list.length && list[at].start < start) at++;
      list.splice(at, 0, target);
      extended = true;
    } else {
      // the intersecting sessions are consecutive in the sorted list: fold them into the first
      target = list![first];
      for (let h = 1; h < hits; h++) {
        const other = list![first + h];
        mergeInto(this.plan, target.st, other.st);
        other.dead = true;
      }
      if (hits > 1) {
        list!.splice(first + 1, hits - 1);
        this.states -= hits - 1;
      }
      extended = target.end !== end;
      target.start = start;
      target.end = end;
    }
    collectInto(this.plan, target.st, record, acks);
    if (end - 1 <= wm) {
      // late within allowed lateness: the updated (possibly merged) session fires now
      // a purge timer set as a fire timer pops with nothing pending, past the purge time: removed alike
      // Stryker disable next-line BooleanLiteral: see above
      if (extended) this.timers.push(end - 1 + this.ctx.lateness, { key, s: target, end, cleanup: true });
      this.fire(key, target);
      return;
    }
    // a fire timer is set once per end: an unchanged end's timer is still in the heap, since the
    // watermark has not reached it
    if (extended) this.timers.push(end - 1, { key, s: target, end, cleanup: false });
    target.pending = true;
    if (this.ctx.eachRecord)
      this.ctx.fire(key, bounds(target.start, target.end), target.st.acc, target.end - 1);
  }

  private fire(key: unknown, s: Session): void {
    s.pending = false;
    handOver(s.st, this.ctx);
    this.ctx.fire(key, bounds(s.start, s.end), s.st.acc, s.end - 1);
  }

  advance(wm: number): void {
    const lateness = this.ctx.lateness;
    while (this.timers.peekKey() <= wm) {
      const t = this.timers.pop()!;
      const s = t.s;
      if (s.dead || s.end !== t.end) continue;
      if (s.pending) this.fire(t.key, s);
      if (s.end - 1 + lateness <= wm) this.remove(t.key, s);
      else if (!t.cleanup)
        // Stryker disable next-line BooleanLiteral: a purge timer set as a fire timer pops with nothing pending, past the purge time: removed alike
        this.timers.push(s.end - 1 + lateness, { key: t.key, s, end: s.end, cleanup: true });
    }
  }

  private remove(key: unknown, s: Session): void {
    // a session has one fire and one purge timer per end, and is removed when the last of them
    // pops: no live timer names it after this
    // Stryker disable next-line BooleanLiteral: see above
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
        if (s.pending) this.fire(key, s);
        // Stryker disable next-line BooleanLiteral: the timers are cleared below, nothing reads it after
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
      for (const s of list) if (s.pending) this.ctx.fire(key, bounds(s.start, s.end), s.st.acc, s.end - 1);
    }
  }

  snapshot(): SessionWindowsState {
    const ids = new Map<Session, number>();
    const keys: SessionWindowsState["keys"] = [];
    for (const [key, list] of this.perKey) {
      keys.push([
        key,
        list.map((s) => {
          ids.set(s, ids.size);
          return { start: s.start, end: s.end, pending: s.pending, acc: this.plan.snapshotState(s.st.acc) };
        }),
      ]);
    }
    // the heap as it is (stale timers included), so timers of equal time pop in the same order
    const { keys: at, items } = this.timers.dump();
    const timers = items.map((t, i) => ({
      at: at[i],
      key: t.key,
      session: ids.get(t.s) ?? -1,
      end: t.end,
      cleanup: t.cleanup,
    }));
    return { keys, timers };
  }

  restore(s: unknown, node: string): void {
    const st = s as SessionWindowsState | null;
    checkState(
      st !== null && typeof st === "object" && isPairs(st.keys) && Array.isArray(st.timers),
      node,
      `{ keys: [[key, sessions], ...], timers: [...] } of session windows, got ${describeState(s)}`,
    );
    const byId: Session[] = [];
    for (const [key, list] of st.keys) {
      checkState(Array.isArray(list), node, `the sessions of key ${String(key)} as an array`);
      const sessions = list.map((x) => {
        checkState(
          x !== null && typeof x === "object" && typeof x.start === "number" && typeof x.end === "number",
          node,
          `a session { start, end, pending, acc }, got ${describeState(x)}`,
        );
        const acc = this.plan.restoreState(x.acc, node);
        const session: Session = {
          start: x.start,
          end: x.end,
          st: { acc, toks: null, lastAcks: null },
          pending: x.pending === true,
          dead: false,
        };
        byId.push(session);
        return session;
      });
      this.perKey.set(key, sessions);
      this.states += sessions.length;
    }
    const at: number[] = [];
    const timers: Timer[] = [];
    for (const t of st.timers) {
      checkState(
        t !== null && typeof t === "object" && typeof t.at === "number" && typeof t.session === "number",
        node,
        `a session timer { at, key, session, end, cleanup }, got ${describeState(t)}`,
      );
      // a timer of a session merged away before the checkpoint: stale, skipped when it pops
      const target =
        byId[t.session] ??
        ({ start: t.end, end: t.end, st: newWinState(this.plan), pending: false, dead: true } as Session);
      at.push(t.at);
      timers.push({ key: t.key, s: target, end: t.end, cleanup: t.cleanup === true });
    }
    this.timers.load(at, timers);
  }

  nextFireTime(): number {
    return this.timers.peekKey();
  }

  stateCount(): number {
    return this.states;
  }
}
