import type { SlidingAssigner, TumblingAssigner } from "../../states/windows/window-assigner.js";
import type { AckToken } from "../ack.js";
import { checkState, describeState, isPairs } from "../checkpoint/state-shape.js";
import type { AggPlan } from "./agg-plan.js";
import { BucketQueue } from "./bucket-queue.js";
import type { WindowContext, WindowStrategy } from "./strategy.js";
import { bounds } from "./win-state.js";

/** Checkpoint of {@link TimeWindows}: open windows by start, each with its keys' accumulators. @internal */
export interface TimeWindowsState {
  readonly buckets: { start: number; end: number; fired: boolean; states: [unknown, unknown][] }[];
}

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
 * with one token list and one shared `{ start, end }`) and buckets are kept sorted by start in a
 * {@link BucketQueue}, so
 * firing at a watermark walks a prefix of buckets instead of a timer per (key, window). A
 * fired bucket stays until `end - 1 + lateness`, so late records within allowed lateness update
 * it and re-fire their key's result (Flink's EventTimeTrigger FIRE on late elements).
 * @internal
 */
export class TimeWindows implements WindowStrategy {
  private readonly buckets = new BucketQueue<Bucket>();
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

  /**
   * Folds records `from..to-1` in (keys from `keys`, or `undefined` when `keys` is null). Tumbling
   * windows take a tight loop with the batch's constants hoisted and the current window cached;
   * a record due for an immediate firing (late within lateness) or on a sliding assigner goes
   * through {@link TimeWindows.add}.
   */
  addBatch(
    keys: unknown[] | null,
    records: unknown[],
    ts: number[],
    from: number,
    to: number,
    acks: AckToken[] | null,
  ): void {
    const size = this.size;
    if (this.step !== size || this.ctx.eachRecord) {
      for (let i = from; i < to; i++) this.add(keys === null ? undefined : keys[i], records[i], ts[i], acks);
      return;
    }
    const offset = this.offset;
    const wm = this.ctx.watermark;
    const plan = this.plan;
    const collect = plan.collect;
    let b: Bucket | undefined;
    let states: Map<unknown, unknown> | undefined;
    let added = 0;
    for (let i = from; i < to; i++) {
      const t = ts[i];
      const m = (t - offset) % size;
      const start = t - (m < 0 ? m + size : m);
      if (b === undefined || b.start !== start) {
        if (start + size - 1 <= wm) {
          // due or gone: lateness rules, immediate firing
          this.add(keys === null ? undefined : keys[i], records[i], t, acks);
          b = undefined;
          continue;
        }
        b = this.buckets.get(start) ?? this.newBucket(start, start + size);
        states = b.states;
        if (acks !== null && b.lastAcks !== acks) this.holdTokens(b, acks);
      }
      const key = keys === null ? undefined : keys[i];
      let st = states!.get(key);
      if (st === undefined) {
        st = plan.newState();
        states!.set(key, st);
        added++;
      }
      collect(st, records[i]);
    }
    this.states += added;
  }

  /** Takes one reference on each token of the batch for the bucket (once per batch). */
  private holdTokens(b: Bucket, acks: AckToken[]): void {
    b.lastAcks = acks;
    b.toks ??= [];
    for (const t of acks) {
      t.refs++;
      b.toks.push(t);
    }
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
      const b = this.buckets.get(start) ?? this.newBucket(start, end);
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
        if (acks !== null && b.lastAcks !== acks) this.holdTokens(b, acks);
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
    this.buckets.insert(b);
    return b;
  }

  advance(wm: number): void {
    const q = this.buckets;
    let purge = 0;
    for (let i = 0; i < q.size && q.at(i).end - 1 <= wm; i++) {
      const b = q.at(i);
      if (!b.fired) this.fireBucket(b);
      if (b.end - 1 + this.ctx.lateness <= wm) purge = i + 1;
    }
    if (purge > 0) {
      for (let i = 0; i < purge; i++) this.drop(q.at(i));
      q.dropFirst(purge);
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
    b.lastAcks = null;
    this.states -= b.states.size;
    // the bucket may be referenced a while longer (results hold its window): let its state go now
    b.states.clear();
  }

  fireAll(): void {
    const q = this.buckets;
    for (let i = 0; i < q.size; i++) {
      const b = q.at(i);
      if (!b.fired) this.fireBucket(b);
      this.drop(b);
    }
    q.clear();
  }

  fireOpen(): void {
    const ctx = this.ctx;
    const q = this.buckets;
    for (let i = 0; i < q.size; i++) {
      const b = q.at(i);
      if (b.fired) continue;
      const w = b.window;
      const ts = b.end - 1;
      b.states.forEach((st, key) => {
        ctx.fire(key, w, st, ts);
      });
    }
  }

  snapshot(): TimeWindowsState {
    const q = this.buckets;
    const plan = this.plan;
    const buckets: TimeWindowsState["buckets"] = [];
    for (let i = 0; i < q.size; i++) {
      const b = q.at(i);
      const states: [unknown, unknown][] = [];
      b.states.forEach((st, key) => {
        states.push([key, plan.snapshotState(st)]);
      });
      buckets.push({ start: b.start, end: b.end, fired: b.fired, states });
    }
    return { buckets };
  }

  restore(s: unknown, node: string): void {
    const buckets = (s as TimeWindowsState | null)?.buckets;
    checkState(Array.isArray(buckets), node, `{ buckets: [...] } of time windows, got ${describeState(s)}`);
    for (const b of buckets) {
      checkState(
        b !== null &&
          typeof b === "object" &&
          typeof b.start === "number" &&
          b.end === b.start + this.size &&
          isPairs(b.states),
        node,
        `windows { start, end, fired, states: [[key, state], ...] } of size ${this.size} ms, got ${describeState(b)}`,
      );
      const nb = this.buckets.get(b.start) ?? this.newBucket(b.start, b.end);
      nb.fired = b.fired === true;
      for (const [key, st] of b.states) {
        if (!nb.states.has(key)) this.states++;
        nb.states.set(key, this.plan.restoreState(st, node));
      }
    }
  }

  nextFireTime(): number {
    const q = this.buckets;
    for (let i = 0; i < q.size; i++) if (!q.at(i).fired) return q.at(i).end - 1;
    return Number.POSITIVE_INFINITY;
  }

  stateCount(): number {
    return this.states;
  }
}
