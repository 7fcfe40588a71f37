import { ConfigError } from "../../errors.js";
import { checkFunction } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/**
 * The `n` records with the largest `sel(record)`, largest first; ties keep arrival order.
 * Holds at most `n` records (sorted insertion).
 */
export class TopN<I> extends StateAggregator<I, I[], { items: I[]; scores: number[] }> {
  private items: I[] = [];
  private scores: number[] = [];
  constructor(
    readonly n: number,
    readonly sel: Selector<I, number> = identity as Selector<I, number>,
  ) {
    super();
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`topN(n): n must be an integer >= 1, got ${n}`);
  }
  collect(elem: I): void {
    const s = this.sel(elem);
    const scores = this.scores;
    if (scores.length === this.n && s <= scores[scores.length - 1]) return;
    let lo = 0;
    let hi = scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (scores[mid] >= s) lo = mid + 1;
      else hi = mid;
    }
    scores.splice(lo, 0, s);
    this.items.splice(lo, 0, elem);
    if (scores.length > this.n) {
      scores.pop();
      this.items.pop();
    }
  }
  yield(): I[] {
    return this.items.slice();
  }
  override snapshot() {
    return { items: this.items.slice(), scores: this.scores.slice() };
  }
  override restore(s: { items: I[]; scores: number[] }): void {
    this.items = s.items.slice();
    this.scores = s.scores.slice();
  }
  override merge(other: TopN<I>): void {
    for (const x of other.items) this.collect(x);
  }
  override clone(): this {
    const c = new TopN(this.n, this.sel);
    c.items = this.items.slice();
    c.scores = this.scores.slice();
    return c as this;
  }
}

/** `topN(n, sel)`: the `n` records with the largest `sel(record)`, largest first. */
export function topN<I>(n: number, sel?: Selector<I, number>): TopN<I> {
  if (sel !== undefined) checkFunction("topN(n, sel)", sel);
  return new TopN(n, sel);
}
