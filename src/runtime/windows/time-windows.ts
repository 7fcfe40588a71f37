import type { SlidingAssigner, TumblingAssigner } from "../../states/windows/window-assigner.js";
import type { AckToken } from "../ack.js";
import { checkState, describeState, isPairs } from "../checkpoint/state-shape.js";
import type { AggPlan } from "./agg-plan.js";
import { BucketQueue } from "./bucket-queue.js";
import { KeyIndex, type KeySlot } from "./key-index.js";
import { keyOf, type WindowContext, type WindowStrategy } from "./strategy.js";
import { bounds } from "./win-state.js";

/** Checkpoint of {@link TimeWindows}: open windows by start, each with its keys' accumulators. @internal */
export interface TimeWindowsState {
  readonly buckets: { start: number; end: number; fired: boolean; states: [unknown, unknown][] }[];
}

/** The arrays of a purged window (never written: a purged window takes no state). */
const EMPTY: never[] = Object.freeze([]) as never[];

interface Bucket {
  readonly window: Readonly<{ start: number; end: number }>;
  readonly start: number;
  readonly end: number;
  /**
   * The window's keys in the order of their first record (their results fire in this order):
   * `slots[0 .. n - 1]` (the array is allocated at the size the previous window reached).
   */
  slots: KeySlot<Bucket>[];
  /** The state of `slots[i]` in this window, `i < n`. */
  states: unknown[];
  /** Number of keys in the window. */
  n: number;
  /**
   * Position of each slot in `slots`, built on the first lookup the key slots cannot answer (a
   * record for an earlier window than its key's latest: out-of-order input, sliding windows).
   */
  index: Map<KeySlot<Bucket>, number> | null;
  fired: boolean;
  /** Token references held for the records folded in since the last firing. */
  toks: AckToken[] | null;
  lastAcks: AckToken[] | null;
}

/**
 * Tumbling and sliding windows (a record in a gap between sliding windows with `slide > size` is
 * counted as unassigned). State is bucketed by window (all keys of one window together, in two
 * arrays, with one token list and one shared `{ start, end }`) and buckets are kept sorted by
 * start in a {@link BucketQueue}, so firing at a watermark walks a prefix of buckets instead of a
 * timer per (key, window). Keys are found through one {@link KeyIndex} shared by all windows: a
 * key's slot points at its latest window and its state there, so a record in its key's latest
 * window (in-order input) costs one index lookup and no per-window Map. A fired bucket stays
 * until `end - 1 + lateness`, so late records within allowed lateness update it and re-fire
 * their key's result (Flink's EventTimeTrigger FIRE on late elements).
 * @internal
 */
export class TimeWindows implements WindowStrategy {
  private readonly buckets = new BucketQueue<Bucket>();
  private readonly keys = new KeyIndex<Bucket>();
  private readonly size: number;
  private readonly step: number;
  private readonly offset: number;
  private states = 0;
  /** Keys of the last purged window: the initial size of a new window's arrays. */
  private hint = 8;

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
   * Folds records `from..to-1` in (keys from `keyFn`, or `undefined` when it is null). Tumbling
   * windows take a tight loop with the batch's constants hoisted and the current window cached;
   * a record due for an immediate firing (late within lateness) or on a sliding assigner goes
   * through {@link TimeWindows.add}.
   */
  addBatch(
    keyFn: ((record: unknown) => unknown) | null,
    records: unknown[],
    ts: number[],
    from: number,
    to: number,
    acks: AckToken[] | null,
  ): void {
    const size = this.size;
    if (this.step !== size || this.ctx.eachRecord) {
      for (let i = from; i < to; i++) this.add(keyOf(keyFn, records, i), records[i], ts[i], acks);
      return;
    }
    const offset = this.offset;
    const wm = this.ctx.watermark;
    const plan = this.plan;
    const collect = plan.collect;
    const index = this.keys;
    let b: Bucket | undefined;
    for (let i = from; i < to; i++) {
      const key = keyOf(keyFn, records, i);
      const t = ts[i];
      const m = (t - offset) % size;
      const start = t - (m < 0 ? m + size : m);
      if (b === undefined || b.start !== start) {
        if (start + size - 1 <= wm) {
          // due or gone: lateness rules, immediate firing
          this.add(key, records[i], t, acks);
          b = undefined;
          continue;
        }
        b = this.buckets.get(start) ?? this.newBucket(start, start + size);
        if (
          acks !== null &&
          // Stryker disable next-line ConditionalExpression: a second reference on the same batch is handed over or released with the first
          b.lastAcks !== acks
        )
          this.holdTokens(b, acks);
      }
      const slot = index.slot(key);
      const latest = slot.bucket;
      let st: unknown;
      if (latest === b) st = slot.state;
      else if (latest === null || latest.start < b.start) {
        // b is the key's latest window now (in-order input): its first record there
        st = plan.newState();
        this.append(b, slot, st);
        slot.bucket = b;
        slot.state = st;
      } else st = this.stateIn(b, slot);
      collect(st, records[i]);
    }
  }

  /**
   * The state of `slot`'s key in window `b`, created if it has none (when `b` is the key's
   * latest window, `slot.state` is it: callers test `slot.bucket === b` first).
   */
  private stateIn(b: Bucket, slot: KeySlot<Bucket>): unknown {
    const latest = slot.bucket;
    if (latest !== null && latest.start >= b.start) {
      if (latest === b) return slot.state;
      // an earlier window than the key's latest one: it may hold the key already
      const at = (b.index ?? this.indexOf(b)).get(slot);
      if (at !== undefined) return b.states[at];
      return this.append(b, slot, this.plan.newState());
    }
    // b is the key's latest window (none yet, or later than the latest): no state there yet
    const st = this.append(b, slot, this.plan.newState());
    slot.bucket = b;
    slot.state = st;
    return st;
  }

  /** Adds `st` as the state of `slot`'s key in `b` (which holds none). */
  private append(b: Bucket, slot: KeySlot<Bucket>, st: unknown): unknown {
    const n = b.n;
    if (b.index !== null) b.index.set(slot, n);
    b.slots[n] = slot;
    b.states[n] = st;
    b.n = n + 1;
    this.states++;
    return st;
  }

  /** Builds the position index of a bucket (first lookup that the key slots cannot answer). */
  private indexOf(b: Bucket): Map<KeySlot<Bucket>, number> {
    const index = new Map<KeySlot<Bucket>, number>();
    for (let i = 0; i < b.n; i++) index.set(b.slots[i], i);
    b.index = index;
    return index;
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
    const slot = this.keys.slot(key);
    let kept = false;
    for (let start = lastStart; start > ts - this.size; start -= this.step) {
      const end = start + this.size;
      if (end - 1 + lateness <= wm) continue; // this window is gone
      kept = true;
      const b = this.buckets.get(start) ?? this.newBucket(start, end);
      const st = this.stateIn(b, slot);
      this.plan.collect(st, record);
      if (b.fired || end - 1 <= wm) {
        // late within lateness (the window is due already, maybe created just now): fire this
        // key now; the record's batch is still held by the node, so its tokens ride on this output
        b.fired = true;
        if (acks !== null) {
          for (const t of acks) t.refs++;
          this.ctx.ackWith(acks);
        }
        this.ctx.fire(slot.key, b.window, st, end - 1);
      } else {
        if (
          acks !== null &&
          // Stryker disable next-line ConditionalExpression: a second reference on the same batch is handed over or released with the first
          b.lastAcks !== acks
        )
          this.holdTokens(b, acks);
        if (this.ctx.eachRecord) this.ctx.fire(slot.key, b.window, st, end - 1);
      }
    }
    if (!kept) this.ctx.late(record, ts);
  }

  private newBucket(start: number, end: number): Bucket {
    const b: Bucket = {
      window: bounds(start, end),
      start,
      end,
      // Stryker disable next-line ArrayDeclaration: a capacity hint, the arrays grow anyway
      slots: new Array(this.hint),
      // Stryker disable next-line ArrayDeclaration: a capacity hint, the arrays grow anyway
      states: new Array(this.hint),
      n: 0,
      index: null,
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
    const lateness = this.ctx.lateness;
    for (let i = 0; i < q.size && q.at(i).end - 1 <= wm; i++) {
      const b = q.at(i);
      const gone = b.end - 1 + lateness <= wm;
      if (!b.fired) this.fireBucket(b, gone);
      if (gone) purge = i + 1;
    }
    if (purge > 0) {
      for (let i = 0; i < purge; i++) this.drop(q.at(i));
      q.dropFirst(purge);
      this.evictKeys();
    }
  }

  /**
   * Evicts the keys that have no open window once the key index holds many more of them than
   * there are open states (amortised: a sweep follows at least 1,024 new keys).
   */
  private evictKeys(): void {
    const open = 2 * this.states;
    // a sweep evicts only keys with no open window (their next record gets a new slot): sweeping
    // more often costs time, never results
    // Stryker disable next-line ArithmeticOperator: see above
    if (this.keys.mapped > open + 1024) this.keys.sweep();
  }

  /** Fires every key of the bucket; `last`: the bucket is dropped right after (no lateness left). */
  private fireBucket(b: Bucket, last: boolean): void {
    b.fired = true;
    if (b.toks !== null) this.ctx.ackWith(b.toks);
    b.toks = null;
    b.lastAcks = null;
    this.ctx.fireWindow(b.slots, b.states, b.n, b.window, b.end - 1, last);
  }

  /**
   * Purges a bucket: releases its tokens, and for each key whose latest window it was (so the key
   * has no open window left: buckets are purged in start order), clears the key's slot.
   */
  private drop(b: Bucket): void {
    if (b.toks !== null) for (const t of b.toks) t.release();
    b.toks = null;
    b.lastAcks = null;
    const slots = b.slots;
    const n = b.n;
    for (let i = 0; i < n; i++) {
      const slot = slots[i];
      if (slot.bucket === b) {
        slot.bucket = null;
        slot.state = undefined;
      }
    }
    this.states -= n;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a capacity hint
    if (n > 0) this.hint = n;
    b.slots = EMPTY;
    b.states = EMPTY;
    b.n = 0;
    b.index = null;
  }

  fireAll(): void {
    const q = this.buckets;
    for (let i = 0; i < q.size; i++) {
      const b = q.at(i);
      if (!b.fired) this.fireBucket(b, true);
      this.drop(b);
    }
    q.clear();
    this.keys.sweep();
  }

  fireOpen(): void {
    const ctx = this.ctx;
    const q = this.buckets;
    for (let i = 0; i < q.size; i++) {
      const b = q.at(i);
      if (b.fired) continue;
      ctx.fireWindow(b.slots, b.states, b.n, b.window, b.end - 1, false);
    }
  }

  snapshot(): TimeWindowsState {
    const q = this.buckets;
    const plan = this.plan;
    const buckets: TimeWindowsState["buckets"] = [];
    for (let i = 0; i < q.size; i++) {
      const b = q.at(i);
      // Stryker disable next-line ArrayDeclaration: every place is written just below
      const states: [unknown, unknown][] = new Array(b.n);
      for (let k = 0; k < b.n; k++) states[k] = [b.slots[k].key, plan.snapshotState(b.states[k])];
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
      for (const [key, st] of b.states)
        this.restoreInto(nb, this.keys.slot(key), this.plan.restoreState(st, node));
    }
  }

  /** Sets the state of `slot`'s key in `b` to `st` (replacing a state it has there). */
  private restoreInto(b: Bucket, slot: KeySlot<Bucket>, st: unknown): void {
    const at = (b.index ?? this.indexOf(b)).get(slot);
    if (at !== undefined) b.states[at] = st;
    else this.append(b, slot, st);
    const latest = slot.bucket;
    if (latest === null || latest.start <= b.start) {
      slot.bucket = b;
      slot.state = st;
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

  /**
   * Keys held by the key index in its Map (small integer keys, at most 65,536, not counted): at
   * most about twice the open (key, window) states plus 1,024 after each purge, whatever the
   * number of distinct keys seen.
   */
  indexedKeys(): number {
    return this.keys.mapped;
  }
}
