import { StateError } from "../errors.js";
import type { SlidingAssigner, TumblingAssigner } from "../states/windows/window-assigner.js";
import type { Clock } from "../util/clock.js";
import { MinHeap } from "../util/min-heap.js";
import type { NodeState, Snapshottable } from "./checkpoint/snapshot-types.js";
import { checkState, describeState, expectState, isPairs } from "./checkpoint/state-shape.js";
import type { Batch } from "./envelope.js";
import { type JobContext, type NodeSettings, RuntimeNode } from "./node.js";
import { BucketQueue } from "./windows/bucket-queue.js";

/** How two keyed streams are joined. @internal */
export type JoinMode =
  | { readonly kind: "window"; readonly assigner: TumblingAssigner | SlidingAssigner }
  | { readonly kind: "interval"; readonly lower: number; readonly upper: number }
  | { readonly kind: "ttl"; readonly ttlMs: number }
  | { readonly kind: "unbounded" };

/** Settings of a join node. @internal */
export interface JoinSpec {
  readonly leftKey: (r: never) => unknown;
  readonly rightKey: (r: never) => unknown;
  readonly mode: JoinMode;
  readonly apply: (left: never, right: never, key: never) => unknown;
  readonly clock: Clock;
}

/**
 * Checkpoint of a {@link JoinNode}: `windows` (window joins) or `sides` (the others), and the
 * watermarks. @internal
 */
export interface JoinNodeState {
  readonly kind: string;
  readonly v: 1;
  readonly watermarks: unknown;
  readonly windows?: {
    start: number;
    end: number;
    left: [unknown, unknown[]][];
    right: [unknown, unknown[]][];
  }[];
  readonly sides?: [unknown, { v: unknown[]; ts: number[] }][][];
}

interface Entry {
  readonly v: unknown;
  readonly ts: number;
  dead: boolean;
}

/**
 * The entries of one key on one side, in arrival order. Expired entries are marked dead; those at
 * the front are skipped by moving `head` (they expire roughly in arrival order), and the list is
 * compacted once dead entries are the majority, so expiry costs O(1) amortised per entry even
 * for a hot key that never empties.
 */
interface KeyEntries {
  items: Entry[];
  head: number;
  /** Dead entries at or after `head`. */
  dead: number;
}

interface Side {
  readonly byKey: Map<unknown, KeyEntries>;
}

interface Bucket {
  readonly start: number;
  readonly end: number;
  readonly left: Map<unknown, unknown[]>;
  readonly right: Map<unknown, unknown[]>;
}

/**
 * Inner join of two keyed streams (port 0 = left, port 1 = right), with Flink's semantics:
 *
 * - **window** (JoinedStreams.window): both sides in the same tumbling/sliding windows; when the
 *   watermark reaches `end - 1`, `apply(a, b, key)` for every pair of the key in the window; the
 *   result's timestamp is `end - 1`; the window's state is then dropped.
 * - **interval** (IntervalJoin.between): pairs with `a.ts + lower <= b.ts <= a.ts + upper`
 *   (bounds inclusive), emitted as soon as both are there, timestamp `max(a.ts, b.ts)`; a left
 *   record is dropped once the watermark passes `a.ts + upper`, a right one once it passes
 *   `b.ts - lower`.
 * - **unbounded** (Flink SQL's regular join, as Nexmark q3): every pair of the key, whatever their
 *   times; both sides are kept for ever (state grows with the input).
 * - **ttl** (the unbounded join with a state TTL): each record is kept `ttlMs` after its timestamp
 *   (event time; processing time without timestamps), so a pair joins when its two timestamps are
 *   at most `ttlMs` apart — checked **per pair**, so results never depend on batching; state is
 *   dropped once the watermark passes `ts + ttlMs`, and a record already past that when it
 *   arrives is late.
 *
 * Records behind the watermark whose state is gone are late: dropped and counted (`lateDropped`).
 * Acks: a record is acknowledged once processed; with checkpoints, the buffers are in the
 * node's snapshot (`snapshotState`).
 * @internal
 */
export class JoinNode extends RuntimeNode implements Snapshottable {
  private readonly buckets = new BucketQueue<Bucket>();
  private readonly sides: [Side, Side] = [{ byKey: new Map() }, { byKey: new Map() }];
  private readonly expiry = new MinHeap<{ side: 0 | 1; key: unknown; e: Entry }>();
  private live = 0;

  constructor(
    id: string,
    name: string,
    job: JobContext,
    settings: NodeSettings,
    private readonly spec: JoinSpec,
  ) {
    super(id, name, "join", job, settings, null, `join:${spec.mode.kind}`);
  }

  /** Records (or window entries) held in state. */
  override get stateCount(): number {
    if (this.spec.mode.kind === "window") {
      let n = 0;
      for (let i = 0; i < this.buckets.size; i++) {
        const b = this.buckets.at(i);
        for (const xs of b.left.values()) n += xs.length;
        for (const xs of b.right.values()) n += xs.length;
      }
      return n;
    }
    return this.live;
  }

  private get stateKind(): string {
    return `join:${this.spec.mode.kind}`;
  }

  /**
   * Both sides' buffers between batches, as structured clones: window joins their open windows
   * (per key, each side's records in arrival order); interval, ttl and unbounded joins each
   * side's live records with their timestamps, per key in arrival order (expired ones left out:
   * their expiry times follow from the timestamps and the join's bounds). And the watermarks.
   * @throws StateError when a buffered record is not structured-clonable.
   */
  snapshotState(): JoinNodeState {
    let body: Pick<JoinNodeState, "windows" | "sides">;
    if (this.spec.mode.kind === "window") {
      const windows: NonNullable<JoinNodeState["windows"]> = [];
      for (let i = 0; i < this.buckets.size; i++) {
        const b = this.buckets.at(i);
        windows.push({ start: b.start, end: b.end, left: [...b.left], right: [...b.right] });
      }
      body = { windows };
    } else {
      const side = (s: Side) => {
        const keys: [unknown, { v: unknown[]; ts: number[] }][] = [];
        for (const [key, list] of s.byKey) {
          const v: unknown[] = [];
          const ts: number[] = [];
          for (let i = list.head; i < list.items.length; i++) {
            const e = list.items[i];
            if (e.dead) continue;
            v.push(e.v);
            ts.push(e.ts);
          }
          if (v.length > 0) keys.push([key, { v, ts }]);
        }
        return keys;
      };
      body = { sides: [side(this.sides[0]), side(this.sides[1])] };
    }
    let copy: typeof body;
    try {
      copy = structuredClone(body);
    } catch (err) {
      throw new StateError(
        `node "${this.name}": a buffered record cannot be copied into a checkpoint (${(err as Error).message}): join records must be plain data`,
        { node: this.name, cause: err },
      );
    }
    return { kind: this.stateKind, v: 1, watermarks: this.snapshotWatermarks(), ...copy };
  }

  /**
   * Restores {@link JoinNode.snapshotState} into this freshly built node (expiry times are
   * recomputed from this node's bounds).
   * @throws StateError naming the node when `state` is not the state of a join of the same mode.
   */
  restoreState(state: NodeState): void {
    const s = expectState<JoinNodeState>(this.name, this.stateKind, state);
    this.restoreWatermarks(s.watermarks);
    if (this.spec.mode.kind === "window") {
      checkState(Array.isArray(s.windows), this.name, "windows: [{ start, end, left, right }, ...]");
      for (const w of s.windows) {
        checkState(
          w !== null &&
            typeof w === "object" &&
            typeof w.start === "number" &&
            typeof w.end === "number" &&
            isPairs(w.left) &&
            isPairs(w.right),
          this.name,
          `a join window { start, end, left: [[key, records]], right: [[key, records]] }, got ${describeState(w)}`,
        );
        this.buckets.insert({ start: w.start, end: w.end, left: new Map(w.left), right: new Map(w.right) });
      }
      return;
    }
    checkState(
      Array.isArray(s.sides) && s.sides.length === 2 && isPairs(s.sides[0]) && isPairs(s.sides[1]),
      this.name,
      `sides: [left, right], each [[key, { v: records, ts: timestamps }], ...], got ${describeState(s.sides)}`,
    );
    for (const side of [0, 1] as const) {
      for (const [key, x] of s.sides[side]) {
        checkState(
          x !== null &&
            typeof x === "object" &&
            Array.isArray(x.v) &&
            Array.isArray(x.ts) &&
            x.v.length === x.ts.length,
          this.name,
          `the records of key ${String(key)} as { v: [...], ts: [...] } of equal length`,
        );
        const items: Entry[] = x.v.map((v, i) => ({ v, ts: x.ts[i], dead: false }));
        this.sides[side].byKey.set(key, { items, head: 0, dead: 0 });
        this.live += items.length;
        for (const e of items) {
          const until = this.until(side, e.ts);
          if (until !== Number.POSITIVE_INFINITY) this.expiry.push(until, { side, key, e });
        }
      }
    }
  }

  /** Until when a matched-join record of `side` at `t` is kept (+Infinity: for ever). */
  private until(side: 0 | 1, t: number): number {
    const mode = this.spec.mode;
    if (mode.kind === "interval") return side === 0 ? t + mode.upper : t - mode.lower;
    if (mode.kind === "ttl") return t + mode.ttlMs;
    return Number.POSITIVE_INFINITY;
  }

  protected async process(batch: Batch, index: number): Promise<void> {
    const side = (index === 0 ? 0 : 1) as 0 | 1;
    const mode = this.spec.mode;
    let ts = batch.timestamps;
    if (ts === null) {
      if (mode.kind !== "ttl" && mode.kind !== "unbounded") {
        throw new Error(
          `a ${mode.kind} join needs event time: call withTimestamps(...) on both inputs before keyBy`,
        );
      }
      const now = this.spec.clock.now();
      ts = new Array<number>(batch.records.length).fill(now);
      if (mode.kind === "ttl") this.expire(now);
    }
    const keyFn = (side === 0 ? this.spec.leftKey : this.spec.rightKey) as (r: unknown) => unknown;
    const out: unknown[] = [];
    const outTs: number[] = [];
    const records = batch.records;
    for (let i = 0; i < records.length; i++) {
      const key = keyFn(records[i]);
      if (mode.kind === "window") this.addWindowed(side, key, records[i], ts[i], mode.assigner);
      else this.addMatched(side, key, records[i], ts[i], out, outTs);
    }
    if (out.length > 0) await this.emit(out, batch.acks, outTs);
    this.release(batch.acks);
  }

  private addWindowed(
    side: 0 | 1,
    key: unknown,
    v: unknown,
    t: number,
    a: TumblingAssigner | SlidingAssigner,
  ): void {
    const step = a.kind === "tumbling" ? a.size : a.slide;
    const r = (t - a.offset) % step;
    const last = t - (r < 0 ? r + step : r);
    if (last + a.size <= t) {
      this.stats.unassigned++; // in a gap between sliding windows
      return;
    }
    let kept = false;
    for (let start = last; start > t - a.size; start -= step) {
      const end = start + a.size;
      if (end - 1 <= this.watermark) continue;
      kept = true;
      let b = this.buckets.get(start);
      if (b === undefined) {
        b = { start, end, left: new Map(), right: new Map() };
        this.buckets.insert(b);
      }
      const m = side === 0 ? b.left : b.right;
      const xs = m.get(key);
      if (xs === undefined) m.set(key, [v]);
      else xs.push(v);
    }
    if (!kept) this.stats.lateDropped++;
  }

  private addMatched(
    side: 0 | 1,
    key: unknown,
    v: unknown,
    t: number,
    out: unknown[],
    outTs: number[],
  ): void {
    const mode = this.spec.mode;
    const wm = this.watermark;
    // the range of the other side's timestamps this record matches, and until when it is kept
    let lo = Number.NEGATIVE_INFINITY;
    let hi = Number.POSITIVE_INFINITY;
    let until = Number.POSITIVE_INFINITY;
    if (mode.kind === "interval") {
      if (t <= wm) {
        this.stats.lateDropped++;
        return;
      }
      lo = side === 0 ? t + mode.lower : t - mode.upper;
      hi = side === 0 ? t + mode.upper : t - mode.lower;
      until = side === 0 ? t + mode.upper : t - mode.lower;
    } else if (mode.kind === "ttl") {
      until = t + mode.ttlMs;
      if (until < wm) {
        // expired before it arrived
        this.stats.lateDropped++;
        return;
      }
      lo = t - mode.ttlMs;
      hi = until;
    }
    const apply = this.spec.apply as (a: unknown, b: unknown, k: unknown) => unknown;
    const other = this.sides[side === 0 ? 1 : 0].byKey.get(key);
    if (other !== undefined) {
      const items = other.items;
      for (let i = other.head; i < items.length; i++) {
        const e = items[i];
        if (e.dead || e.ts < lo || e.ts > hi) continue;
        out.push(side === 0 ? apply(v, e.v, key) : apply(e.v, v, key));
        outTs.push(Math.max(t, e.ts));
      }
    }
    const mine = this.sides[side];
    const entry: Entry = { v, ts: t, dead: false };
    const list = mine.byKey.get(key);
    if (list === undefined) mine.byKey.set(key, { items: [entry], head: 0, dead: 0 });
    else list.items.push(entry);
    this.live++;
    if (until !== Number.POSITIVE_INFINITY) this.expiry.push(until, { side, key, e: entry });
  }

  /** Drops matched-join entries whose time is up (`until < limit`). */
  private expire(limit: number): void {
    while (this.expiry.peekKey() < limit) {
      const { side, key, e } = this.expiry.pop()!;
      e.dead = true;
      this.live--;
      const byKey = this.sides[side].byKey;
      const list = byKey.get(key)!;
      list.dead++;
      const items = list.items;
      while (list.head < items.length && items[list.head].dead) {
        list.head++;
        list.dead--;
      }
      if (list.head === items.length) byKey.delete(key);
      else if (list.dead + list.head > 16 && (list.dead + list.head) * 2 > items.length) {
        const keep: Entry[] = [];
        for (let i = list.head; i < items.length; i++) if (!items[i].dead) keep.push(items[i]);
        list.items = keep;
        list.head = 0;
        list.dead = 0;
      }
    }
  }

  protected override async onWatermark(wm: number): Promise<void> {
    if (this.spec.mode.kind === "window") await this.fireWindows(wm);
    else this.expire(wm);
  }

  private async fireWindows(wm: number): Promise<void> {
    const out: unknown[] = [];
    const outTs: number[] = [];
    const apply = this.spec.apply as (a: unknown, b: unknown, k: unknown) => unknown;
    let n = 0;
    const q = this.buckets;
    while (n < q.size && q.at(n).end - 1 <= wm) {
      const b = q.at(n++);
      for (const [key, as] of b.left) {
        const bs = b.right.get(key);
        if (bs === undefined) continue;
        for (const a of as)
          for (const x of bs) {
            out.push(apply(a, x, key));
            outTs.push(b.end - 1);
          }
      }
      b.left.clear();
      b.right.clear();
    }
    if (n > 0) q.dropFirst(n);
    if (out.length > 0) await this.emit(out, null, outTs);
  }

  protected override async onInputsEnded(): Promise<void> {
    if (this.spec.mode.kind === "window") await this.fireWindows(Number.POSITIVE_INFINITY);
    this.expiry.clear();
    for (const s of this.sides) s.byKey.clear();
    this.live = 0;
  }
}
