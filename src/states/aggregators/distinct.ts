import { checkFunction } from "../../util/validate.js";
import { identity, type Selector, StateAggregator } from "../state-aggregator.js";

/** The distinct values of `sel(record)` (SameValueZero, as a Set), in first-seen order. */
export class Distinct<I, V = I> extends StateAggregator<I, V[], V[]> {
  private seen = new Set<V>();
  constructor(readonly sel: Selector<I, V> = identity as Selector<I, V>) {
    super();
  }
  collect(elem: I): void {
    this.seen.add(this.sel(elem));
  }
  yield(): V[] {
    return [...this.seen];
  }
  override snapshot(): V[] {
    return [...this.seen];
  }
  override restore(s: V[]): void {
    this.seen = new Set(s);
  }
  override merge(other: Distinct<I, V>): void {
    for (const x of other.seen) this.seen.add(x);
  }
  override clone(): this {
    const c = new Distinct(this.sel);
    c.seen = new Set(this.seen);
    return c as this;
  }
}

/** `distinct(sel)`: distinct values in first-seen order. */
export function distinct<I, V = I>(sel?: Selector<I, V>): Distinct<I, V> {
  if (sel !== undefined) checkFunction("distinct(sel)", sel);
  return new Distinct(sel);
}
