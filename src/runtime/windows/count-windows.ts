import type { AckToken } from "../ack.js";
import { checkState, describeState, isPairs } from "../checkpoint/state-shape.js";
import type { AggPlan } from "./agg-plan.js";
import { keyOf, type WindowContext, type WindowStrategy } from "./strategy.js";
import { bounds, collectInto, handOver, newWinState, releaseState, type WinState } from "./win-state.js";

/** Checkpoint of {@link CountWindows}: per key, the open window's count, sequence and accumulator. @internal */
export interface CountWindowsState {
  readonly keys: [unknown, { n: number; seq: number; maxTs: number; acc: unknown }][];
}

interface Counter {
  n: number;
  seq: number;
  st: WinState;
  maxTs: number;
}

/**
 * Count windows (`size` records per key, tumbling) and the global window (`size` infinite:
 * one window per key, fired at the end of the input). Neither depends on time; at the end of
 * a bounded input the remaining (partial) windows fire.
 * @internal
 */
export class CountWindows implements WindowStrategy {
  private readonly perKey = new Map<unknown, Counter>();

  constructor(
    private readonly size: number,
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
    let c = this.perKey.get(key);
    if (c === undefined) {
      c = { n: 0, seq: 0, st: newWinState(this.plan), maxTs: ts };
      this.perKey.set(key, c);
    }
    collectInto(this.plan, c.st, record, acks);
    c.n++;
    if (ts > c.maxTs) c.maxTs = ts;
    if (c.n < this.size && this.ctx.eachRecord) this.ctx.fire(key, this.partial(c), c.st.acc, c.maxTs);
    if (c.n === this.size) {
      handOver(c.st, this.ctx);
      this.ctx.fire(key, bounds(c.seq * this.size, (c.seq + 1) * this.size), c.st.acc, c.maxTs);
      releaseState(c.st);
      c.st = newWinState(this.plan);
      c.n = 0;
      c.seq++;
      c.maxTs = Number.NEGATIVE_INFINITY;
    }
  }

  advance(): void {}

  fireAll(): void {
    const global = !Number.isFinite(this.size);
    for (const [key, c] of this.perKey) {
      if (c.n > 0) {
        handOver(c.st, this.ctx);
        const w = global
          ? bounds(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)
          : bounds(c.seq * this.size, c.seq * this.size + c.n);
        this.ctx.fire(key, w, c.st.acc, c.maxTs);
      }
      releaseState(c.st);
    }
    this.perKey.clear();
  }

  private partial(c: Counter): Readonly<{ start: number; end: number }> {
    return Number.isFinite(this.size)
      ? bounds(c.seq * this.size, c.seq * this.size + c.n)
      : bounds(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  fireOpen(): void {
    for (const [key, c] of this.perKey) if (c.n > 0) this.ctx.fire(key, this.partial(c), c.st.acc, c.maxTs);
  }

  snapshot(): CountWindowsState {
    const keys: CountWindowsState["keys"] = [];
    for (const [key, c] of this.perKey) {
      keys.push([key, { n: c.n, seq: c.seq, maxTs: c.maxTs, acc: this.plan.snapshotState(c.st.acc) }]);
    }
    return { keys };
  }

  restore(s: unknown, node: string): void {
    const keys = (s as CountWindowsState | null)?.keys;
    checkState(
      isPairs(keys),
      node,
      `{ keys: [[key, { n, seq, maxTs, acc }], ...] } of count windows, got ${describeState(s)}`,
    );
    for (const [key, c] of keys) {
      checkState(
        c !== null && typeof c === "object" && typeof c.n === "number" && typeof c.seq === "number",
        node,
        `a count window { n, seq, maxTs, acc }, got ${describeState(c)}`,
      );
      const st: WinState = { acc: this.plan.restoreState(c.acc, node), toks: null, lastAcks: null };
      this.perKey.set(key, { n: c.n, seq: c.seq, maxTs: c.maxTs, st });
    }
  }

  // Stryker disable next-line BlockStatement: undefined arms no timer either (the node tests Number.isFinite)
  nextFireTime(): number {
    return Number.POSITIVE_INFINITY;
  }

  stateCount(): number {
    return this.perKey.size;
  }
}
