import type { SlidingAssigner, TumblingAssigner } from "../../states/windows/window-assigner.js";
import type { AckToken } from "../ack.js";
import type { AggPlan } from "./agg-plan.js";
import type { WindowContext, WindowStrategy } from "./strategy.js";
import { bounds } from "./win-state.js";

interface Bucket {
  readonly window: Readonly<{ start: number; end: number }>;
  readonly start: number;
  readonly end: number;
  readonly states: Map<unknown, unknown>;
  fired: boolean;
  /** Token references held for the records folded in since the last firing. */
  toks: AckToken[] | null;
  lastAcks: AckToken[] | null;
}

/**
 * Tumbling and sliding windows (a record in a gap between sliding windows with `slide > size` is
 * counted as unassigned). State is bucketed by window (all keys of one window together,
 * with one token list and one shared `{ start, end }`) and buckets are kept sorted by start, so
 * firing at a watermark walks a prefix of buckets instead of a timer per (key, window). A
 * fired bucket stays until `end - 1 + lateness`, so late records within allowed lateness update
 * it and re-fire their key's result (Flink's EventTimeTrigger FIRE on late elements).
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
    private readonly plan: AggPlan,
    private readonly ctx: WindowContext,
  ) {
    this.size = assigner.size;
    this.step = assigner.kind === "tumbling" ? assigner.size : assigner.slide;
    this.offset = assigner.offset;
  }

  add(key: unknown, record: unknown, ts: number, acks: AckToken[] | null): void {
    const r = (ts - this.offset) % this.step;
    const lastStart = ts - (r < 0 ? r + this.step : r);
    if (lastStart + this.size <= ts) {
      // sliding with slide > size: ts is in a gap between windows
      this.ctx.unassigned(record);
      return;
    }
    const wm = this.ctx.watermark;
    const lateness = this.ctx.lateness;
    let kept = false;
    for (let start = lastStart; start > ts - this.size; start -= this.step) {
      const end = start + this.size;
      if (end - 1 + lateness <= wm) continue; // this window is gone
      kept = true;
      let b = this.last;
      if (b === null || b.start !== start) {
        b = this.buckets.get(start) ?? this.newBucket(start, end);
        this.last = b;
      }
      let st = b.states.get(key);
      if (st === undefined) {
        st = this.plan.newState();
        b.states.set(key, st);
        this.states++;
      }
      this.plan.collect(st, record);
      if (b.fired || end - 1 <= wm) {
        // late within lateness (the window is due already, maybe created just now): fire this
        // key now; the record's batch is still held by the node, so its tokens ride on this output
        b.fired = true;
        if (acks !== null) {
          for (const t of acks) t.refs++;
          this.ctx.ackWith(acks);
        }
        this.ctx.fire(key, b.window, st, end - 1);
      } else {
        if (acks !== null && b.lastAcks !== acks) {
          b.lastAcks = acks;
          b.toks ??= [];
          for (const t of acks) {
            t.refs++;
            b.toks.push(t);
          }
        }
        if (this.ctx.eachRecord) this.ctx.fire(key, b.window, st, end - 1);
      }
    }
    if (!kept) this.ctx.late(record, ts);
  }

  private newBucket(start: number, end: number): Bucket {
    const b: Bucket = {
      window: bounds(start, end),
      start,
      end,
      states: new Map(),
      fired: false,
      toks: null,
      lastAcks: null,
    };
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
    if (b.toks !== null) this.ctx.ackWith(b.toks);
    b.toks = null;
    b.lastAcks = null;
    const ctx = this.ctx;
    const w = b.window;
    const ts = b.end - 1;
    b.states.forEach((st, key) => {
      ctx.fire(key, w, st, ts);
    });
  }

  private drop(b: Bucket): void {
    if (b.toks !== null) for (const t of b.toks) t.release();
    b.toks = null;
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

  fireOpen(): void {
    const ctx = this.ctx;
    for (const b of this.order) {
      if (b.fired) continue;
      const w = b.window;
      const ts = b.end - 1;
      b.states.forEach((st, key) => {
        ctx.fire(key, w, st, ts);
      });
    }
  }

  nextFireTime(): number {
    for (const b of this.order) if (!b.fired) return b.end - 1;
    return Number.POSITIVE_INFINITY;
  }

  stateCount(): number {
    return this.states;
  }
}
