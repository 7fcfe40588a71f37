import type { StateAggregator } from "../../states/state-aggregator.js";
import type { SlidingAssigner, TumblingAssigner } from "../../states/windows/window-assigner.js";
import type { AckToken } from "../ack.js";
import type { WindowContext, WindowStrategy } from "./strategy.js";
import { collectInto, newWinState, releaseState, type WinState } from "./win-state.js";

interface Bucket {
  readonly start: number;
  readonly end: number;
  readonly states: Map<unknown, WinState>;
  fired: boolean;
}

/**
 * Tumbling and sliding windows. State is bucketed by window (all keys of one window together)
 * and buckets are kept sorted by start, so firing at a watermark walks a prefix of buckets
 * instead of a timer per (key, window). A fired bucket stays until `end - 1 + lateness` so late
 * records (within allowed lateness) update it and re-fire their key's result (Flink's
 * EventTimeTrigger FIRE on late elements).
 * @internal
 */
export class TimeWindows implements WindowStrategy {
  private readonly buckets = new Map<number, Bucket>();
  private readonly order: Bucket[] = [];
  private last: Bucket | null = null;
  private readonly size: number;
  private readonly step: number;
  private readonly offset: number;
  private states = 0;

  constructor(
    assigner: TumblingAssigner | SlidingAssigner,
    private readonly templates: StateAggregator<unknown, unknown>[],
    private readonly ctx: WindowContext,
  ) {
    this.size = assigner.size;
    this.step = assigner.kind === "tumbling" ? assigner.size : assigner.slide;
    this.offset = assigner.offset;
  }

  add(key: unknown, record: unknown, ts: number, acks: AckToken[] | null): void {
    const r = (ts - this.offset) % this.step;
    const lastStart = ts - (r < 0 ? r + this.step : r);
    const wm = this.ctx.watermark;
    const lateness = this.ctx.lateness;
    let kept = false;
    for (let start = lastStart; start > ts - this.size; start -= this.step) {
      const end = start + this.size;
      if (end - 1 + lateness <= wm) continue; // this window is gone
      kept = true;
      let b = this.last !== null && this.last.start === start ? this.last : this.buckets.get(start);
      if (b === undefined) b = this.newBucket(start, end);
      this.last = b;
      let st = b.states.get(key);
      if (st === undefined) {
        st = newWinState(this.templates);
        b.states.set(key, st);
        this.states++;
      }
      collectInto(st, record, acks);
      if (b.fired) this.ctx.fire(key, start, end, st, end - 1);
    }
    if (!kept) this.ctx.late(record, ts);
  }

  private newBucket(start: number, end: number): Bucket {
    const b: Bucket = { start, end, states: new Map(), fired: false };
    this.buckets.set(start, b);
    const o = this.order;
    if (o.length === 0 || o[o.length - 1].start < start) o.push(b);
    else {
      let lo = 0;
      let hi = o.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (o[mid].start < start) lo = mid + 1;
        else hi = mid;
      }
      o.splice(lo, 0, b);
    }
    return b;
  }

  advance(wm: number): void {
    const o = this.order;
    let purge = 0;
    for (let i = 0; i < o.length && o[i].end - 1 <= wm; i++) {
      const b = o[i];
      if (!b.fired) this.fireBucket(b);
      if (b.end - 1 + this.ctx.lateness <= wm) purge = i + 1;
    }
    if (purge > 0) {
      for (let i = 0; i < purge; i++) this.drop(o[i]);
      o.splice(0, purge);
    }
  }

  private fireBucket(b: Bucket): void {
    b.fired = true;
    for (const [key, st] of b.states) this.ctx.fire(key, b.start, b.end, st, b.end - 1);
  }

  private drop(b: Bucket): void {
    for (const st of b.states.values()) releaseState(st);
    this.states -= b.states.size;
    this.buckets.delete(b.start);
    if (this.last === b) this.last = null;
  }

  fireAll(): void {
    for (const b of this.order) {
      if (!b.fired) this.fireBucket(b);
      this.drop(b);
    }
    this.order.length = 0;
  }

  nextFireTime(): number {
    for (const b of this.order) if (!b.fired) return b.end - 1;
    return Number.POSITIVE_INFINITY;
  }

  stateCount(): number {
    return this.states;
  }
}
